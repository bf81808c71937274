/**
 * What every phase of a run works with, passed as one value: the client, the options, where
 * to log, and the progress it records. Phases take this and at most a couple of their own
 * arguments, rather than long parameter lists.
 */
import type { Spec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import type { ServiceGroup } from '../ukc/types.js'
import type { Progress } from './ledger.js'
import type { Actual } from './observe.js'
import type { DeployPlan } from './plan.js'
import type { EngineOptions, Logger } from './types.js'

export interface RunContext {
  client: UkcClient
  opts: EngineOptions
  log: Logger
  progress: Progress
}

/** A deploy's context: the spec, what the API held, and the plan the phases carry out. */
export interface DeployContext extends RunContext {
  spec: Spec
  actual: Actual
  plan: DeployPlan
  /** Service groups this run created (their certificates may still be issued). */
  madeGroups: ServiceGroup[]
}

/** A deploy phase: one step of the apply, in creation order (deploy.ts lists them). */
export type Phase = (ctx: DeployContext) => Promise<void>
