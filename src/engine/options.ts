/** Engine options from the inputs: one place that turns seconds into deadlines and defaults. */
import type { Inputs } from '../inputs.js'
import type { EngineOptions } from './types.js'

export const CREATE_CONCURRENCY = 64
/** Default settle window (the `settle` input, 1 s); UKC_SETTLE_MS sets it in ms when the input is not given (tests). */
export const SETTLE_MS = 1000

function settleMs(inputs: Inputs, env: Record<string, string | undefined>): number {
  if (inputs.settleSeconds !== undefined) return inputs.settleSeconds * 1000
  const v = Number(env.UKC_SETTLE_MS)
  return env.UKC_SETTLE_MS !== undefined && Number.isInteger(v) && v >= 0 && v <= 600000
    ? v
    : SETTLE_MS
}

export function engineOptions(
  inputs: Inputs,
  startedAt = Date.now(),
  preview = false,
  env: Record<string, string | undefined> = process.env
): EngineOptions {
  return {
    command: inputs.command,
    names: inputs.names,
    wait: inputs.wait,
    deadline: startedAt + inputs.timeoutSeconds * 1000,
    drainTimeoutMs: inputs.drainTimeoutSeconds * 1000,
    strategy: inputs.strategy,
    onFailure: inputs.onFailure ?? (preview ? 'rollback' : 'keep'),
    failOn: inputs.failOn,
    concurrency: CREATE_CONCURRENCY,
    healthCheck: inputs.healthCheck,
    settleMs: settleMs(inputs, env),
    dryRun: inputs.dryRun
  }
}

/** A result for a run that failed before the engine could start (bad input, bad spec). */
export function failedRun(command: EngineOptions['command'], error: string) {
  return {
    command,
    status: 'error' as const,
    failed: true,
    error,
    objects: [],
    plan: [],
    notes: []
  }
}
