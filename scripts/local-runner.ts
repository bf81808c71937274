/**
 * Runs the bundled action (dist/index.js) the way the runner does: inputs as INPUT_* env
 * variables, outputs and the job summary written to files, and reads all of it back.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: (name: string) => any
  summary: string
  workspace: string
}

/** `name<<delimiter` … `delimiter` blocks, as @actions/core writes GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const body: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) body.push(lines[i])
    out[m[1]] = body.join('\n')
  }
  return out
}

export function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ukc-ws-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

export async function runAction(
  inputs: Record<string, string>,
  opts: {
    workspace?: string
    env?: Record<string, string>
    event?: unknown
    eventName?: string
    /** Gets the runner's process, e.g. to kill it mid-run as a cancelled job would be. */
    control?: (child: ChildProcess) => void
    /** Another build of the action (benchmarks compare builds); dist/index.js by default. */
    bundle?: string
  } = {}
): Promise<ActionRun> {
  const ws = opts.workspace ?? workspace()
  const dir = mkdtempSync(join(tmpdir(), 'ukc-run-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  const eventFile = join(dir, 'event.json')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  writeFileSync(eventFile, JSON.stringify(opts.event ?? {}))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: opts.eventName ?? 'push',
    GITHUB_WORKSPACE: ws,
    GITHUB_REPOSITORY: 'acme/widget',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: dir,
    ...opts.env
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  const child = spawn(process.execPath, [opts.bundle ?? DIST], { env, cwd: ws })
  opts.control?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)))
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'))
  return {
    code,
    stdout,
    stderr,
    outputs,
    json: (name) => JSON.parse(outputs[name]),
    summary: readFileSync(summaryFile, 'utf8'),
    workspace: ws
  }
}
