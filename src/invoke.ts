/**
 * One command, from checked inputs to a RunResult: load the spec, build the client, run the
 * engine. Shared by the action and the CLI; it never throws, so both can always report.
 */
import { engineOptions, failedRun } from './engine/options.js'
import { runEngine } from './engine/run.js'
import type { Logger, RunResult } from './engine/types.js'
import type { Inputs } from './inputs.js'
import { loadSpec } from './spec/load.js'
import { SpecError } from './spec/problems.js'
import { UkcClient } from './ukc/client.js'

export interface Invocation {
  inputs: Inputs
  /** Relative spec paths resolve here; spec files must stay inside it. */
  workspace: string
  env: Record<string, string | undefined>
  logger: Logger
  debug?: (line: string) => void
}

export interface Invoked {
  result: RunResult
  /** Set when the spec was at fault, with every problem and where it is. */
  specError?: SpecError
}

export async function invoke(inv: Invocation): Promise<Invoked> {
  const { inputs } = inv
  const startedAt = Date.now()
  try {
    const spec = loadSpec({
      spec: inputs.spec,
      shorthand: inputs.shorthand,
      secretEnv: inputs.secretEnv,
      workspace: inv.workspace,
      env: inv.env
    })
    const opts = engineOptions(inputs, startedAt, false, inv.env)
    const client = new UkcClient({
      token: inputs.token,
      metro: inputs.metro,
      apiUrl: inputs.apiUrl,
      deadline: opts.deadline,
      debug: inv.debug
    })
    inv.logger.info(`ukc-deploy ${inputs.command} against ${client.baseUrl}`)
    try {
      return { result: await runEngine(client, spec, opts, inv.logger) }
    } finally {
      client.close()
    }
  } catch (err) {
    const specError = err instanceof SpecError ? err : undefined
    return {
      result: failedRun(inputs.command, err instanceof Error ? err.message : String(err)),
      specError
    }
  }
}
