/**
 * The action: inputs → spec → engine → outputs, job summary and annotations. Secrets are
 * masked before anything else happens, and every output is set on every path.
 */
import * as core from '@actions/core'
import { failedRun } from './engine/options.js'
import type { Logger, RunResult } from './engine/types.js'
import { lines, readInputs, type Command } from './inputs.js'
import { invoke } from './invoke.js'
import { outputsOf } from './report/outputs.js'
import { summaryMarkdown } from './report/summary.js'
import type { SpecError } from './spec/problems.js'

const logger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
  group: (title, fn) => core.group(title, fn)
}

/** The token and every secret-env value, masked before the first line is logged. */
function maskSecrets(): void {
  const token = core.getInput('token') || process.env.UKC_TOKEN || ''
  if (token) core.setSecret(token)
  for (const line of lines(core.getInput('secret-env'))) {
    const value = line.slice(line.indexOf('=') + 1).trim()
    if (line.includes('=') && value) core.setSecret(value)
  }
}

function annotate(result: RunResult, specError?: SpecError): void {
  for (const p of specError?.problems ?? []) {
    // Only real files get a file annotation; inline specs and inputs are named in the text.
    const isFile =
      p.line !== undefined &&
      !p.file.startsWith('input ') &&
      p.file !== 'spec' &&
      p.file !== 'inputs'
    core.error(
      `${p.path ? `${p.path}: ` : ''}${p.message}`,
      isFile
        ? { title: 'ukc-deploy: spec', file: p.file, startLine: p.line, startColumn: p.column }
        : { title: `ukc-deploy: ${p.file}` }
    )
  }
  for (const o of result.objects.filter((x) => x.action === 'failed'))
    core.error(o.error ?? 'failed', { title: `ukc-deploy: ${o.kind.replace('_', ' ')} ${o.name}` })
}

export async function run(): Promise<void> {
  maskSecrets()
  let command: Command = 'deploy'
  let result: RunResult
  let specError: SpecError | undefined
  try {
    const inputs = readInputs((name) => core.getInput(name))
    command = inputs.command
    ;({ result, specError } = await invoke({
      inputs,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      env: process.env,
      logger,
      debug: (line) => core.debug(line)
    }))
  } catch (err) {
    result = failedRun(command, err instanceof Error ? err.message : String(err))
  }
  for (const [name, value] of Object.entries(outputsOf(result))) core.setOutput(name, value)
  annotate(result, specError)
  for (const note of result.notes) core.notice(note, { title: 'ukc-deploy' })
  try {
    await core.summary.addRaw(summaryMarkdown(result)).write()
  } catch (err) {
    core.warning(
      `Could not write the job summary: ${err instanceof Error ? err.message : String(err)}`
    )
  }
  if (result.failed)
    core.setFailed(
      `ukc-deploy ${result.command}: ${result.error ?? `${result.status}: ${result.objects.filter((o) => o.action === 'failed').length} object(s) failed`}`
    )
}
