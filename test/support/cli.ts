/** The `ukc-deploy` command run the way a user runs it: a child process, its output read back. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/ukc-deploy.js', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  cwd: string
}

/** Runs the bundled CLI with only PATH and `env` in its environment, in `cwd`. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  cwd: string
): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)))
  return { code, stdout, stderr, cwd }
}
