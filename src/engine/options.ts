/** Engine options from the inputs: one place that turns seconds into deadlines and defaults. */
import type { Inputs } from '../inputs.js'
import type { EngineOptions } from './types.js'

export const CREATE_CONCURRENCY = 8

export function engineOptions(
  inputs: Inputs,
  startedAt = Date.now(),
  preview = false
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
    concurrency: CREATE_CONCURRENCY
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
