/**
 * Engine options from the inputs: the one place that turns the action's seconds and defaults
 * into the engine's deadlines and milliseconds. Lives outside the engine, which does not know
 * the action's inputs.
 */
import type { EngineOptions } from './engine/types.js'
import type { Wording } from './fields.js'
import type { Inputs } from './inputs.js'

/** Default settle window (the `settle` input, 1 s); UKC_SETTLE_MS sets it in ms when the input is not given (tests). */
export const SETTLE_MS = 1000

function settleMs(inputs: Inputs, env: Record<string, string | undefined>): number {
  if (inputs.settleSeconds !== undefined) return inputs.settleSeconds * 1000
  const v = Number(env.UKC_SETTLE_MS)
  return env.UKC_SETTLE_MS !== undefined && Number.isInteger(v) && v >= 0 && v <= 600000
    ? v
    : SETTLE_MS
}

export interface OptionsContext {
  /** When the run started (epoch ms): the timeout counts from here. */
  startedAt: number
  /** Preview mode rolls back a failed deploy unless on-failure says otherwise. */
  preview: boolean
  env: Record<string, string | undefined>
  words: Wording
}

export function engineOptions(inputs: Inputs, ctx: OptionsContext): EngineOptions {
  return {
    command: inputs.command,
    names: inputs.names,
    wait: inputs.wait,
    deadline: ctx.startedAt + inputs.timeoutSeconds * 1000,
    drainTimeoutMs: inputs.drainTimeoutSeconds * 1000,
    strategy: inputs.strategy,
    onFailure: inputs.onFailure ?? (ctx.preview ? 'rollback' : 'keep'),
    failOn: inputs.failOn,
    healthCheck: inputs.healthCheck,
    healthCheckTimeoutMs: inputs.healthCheckTimeoutSeconds * 1000,
    settleMs: settleMs(inputs, ctx.env),
    budget: inputs.runtimeBudget,
    dryRun: inputs.dryRun,
    words: ctx.words,
    previewTtlMs: inputs.previewTtlMs,
    previewExpiresAt:
      ctx.preview && inputs.previewTtlMs > 0
        ? Math.ceil((ctx.startedAt + inputs.previewTtlMs) / 1000) * 1000
        : undefined,
    sweepTtl: inputs.sweepTtl,
    protect: inputs.protect
  }
}
