/**
 * What the engine takes and gives back. It knows nothing of @actions/core: it reports through
 * a small Logger, so the action and the CLI drive the same engine.
 */
import type { Wording } from '../fields.js'
import type { Budget } from '../spec/budget.js'
import type { Runtime } from './runtime.js'
import type { PreviewOwner } from '../spec/preview.js'

/** What the engine can be asked to do; the action's `command` input and the CLI's subcommands. */
export const COMMANDS = ['deploy', 'plan', 'start', 'stop', 'delete', 'status', 'sweep'] as const
export type Command = (typeof COMMANDS)[number]

export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
  /** A collapsible section in the action's log; plain lines in the CLI. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
}

export type Kind =
  'instance' | 'service_group' | 'volume' | 'certificate' | 'template' | 'autoscale'

export type PlanAction =
  'create' | 'unchanged' | 'replace' | 'delete' | 'start' | 'stop' | 'read' | 'conflict'

export interface PlanEntry {
  kind: Kind
  name: string
  action: PlanAction
  /** Why, in words: what changed, or why nothing did. */
  reason: string
  /** For replacements: how, and why that way. */
  strategy?: 'rolling' | 'recreate'
  changes?: string[]
}

export type ResultAction =
  'created' | 'replaced' | 'unchanged' | 'started' | 'stopped' | 'deleted' | 'failed' | 'planned'

export interface ObjectResult {
  kind: Kind
  name: string
  uuid?: string
  action: ResultAction
  state?: string
  /** Public FQDNs (service groups, and the instances in them). */
  fqdns: string[]
  privateFqdn?: string
  privateIp?: string
  error?: string
  /** This run made it (the instance-uuids / service-uuids outputs, and what a rollback removes). */
  createdByRun: boolean
  bootTimeUs?: number
  netTimeUs?: number
  /** What the run measured of the version it started (runtime.ts). */
  runtime?: Runtime
  /** What that is compared with: a preview's production instance, or the version replaced. */
  baseline?: Runtime
  /** What the baseline is, in words (`production 'api'`, `the version replaced`). */
  comparedWith?: string
  /** The end of the console log of an instance that failed to start. */
  logTail?: string
  /** [N] Locked against deletion (`delete_lock`): only the action's own rollout or delete unlocks it. */
  locked?: boolean
  /** Not this run's (another preview's, left alone): its console is never read or shown. */
  foreign?: boolean
  /** For `plan`: what deploy would do to it (`create`, `replace (rolling)`, `unchanged`, ...). */
  intent?: string
  /** A short word on how it is set up (scale to zero, a certificate's CN, an autoscale range). */
  detail?: string
  /**
   * The rollback of a failed run deleted it. A row that did not fail itself was not at fault:
   * its action is `deleted` and it carries no error.
   */
  rolledBack?: boolean
}

export type RunStatus = 'success' | 'partial_success' | 'error'

export interface RunResult {
  command: Command
  status: RunStatus
  objects: ObjectResult[]
  plan: PlanEntry[]
  /** The step fails (per fail-on), or a run-level error happened. */
  failed: boolean
  /** Run-level failure (bad input, auth, timeout) when there is one. */
  error?: string
  notes: string[]
  /** A `delete --dry-run`: nothing was deleted, the plan says what would be. */
  dryRun?: boolean
  /** [N] When the preview this run deployed expires (ISO 8601), renewed by every push. */
  expiresAt?: string
}

export interface EngineOptions {
  command: Command
  /** Instance names or UUIDs for start/stop/delete/status without a spec. */
  names: string[]
  wait: boolean
  /** Epoch ms: the whole run ends by then (the run's timeout). */
  deadline: number
  drainTimeoutMs: number
  strategy: 'rolling' | 'recreate'
  onFailure: 'rollback' | 'keep'
  failOn: 'any' | 'all' | 'never'
  /** A path or URL that must answer 2xx before a rollout goes on (the health-check input). */
  healthCheck?: string
  /** The deadline of one health probe, whole answer included (within the run's deadline). */
  healthCheckTimeoutMs: number
  /** How long a new version must stay running before a rollout retires anything old. */
  settleMs: number
  /** What each new version must meet (boot, listen, memory, wake), judged with the settle window. */
  budget?: Budget
  /** sweep (and delete) only say what they would do. */
  dryRun: boolean
  /** Preview mode: the repository and PR every object belongs to (names and instance markers). */
  preview?: PreviewOwner
  /** `owner/name` of the repository whose previews `sweep` may delete. */
  repository?: string
  /** Whether a pull request is open (sweep asks; the engine itself knows nothing of GitHub). */
  prState?: (pr: number) => Promise<'open' | 'closed' | 'unknown'>
  /** How the front end names the settings an error is about (action inputs, CLI flags). */
  words: Wording
  /** How long a preview lives after its last push, in ms (0: never expires). */
  previewTtlMs: number
  /** When this run's preview expires (epoch ms, whole seconds; from the run's start + TTL). */
  previewExpiresAt?: number
  /** sweep also deletes previews older than previewTtlMs whose PR is still open. */
  sweepTtl: boolean
  /** [N] Production instances are locked against deletion once proven up. */
  protect: boolean
  /** Where this run comes from, for the annotations every new instance carries. */
  provenance?: Provenance
}

/** The commit, the CI run and the pull request a deploy comes from (what is known of them). */
export interface Provenance {
  commit?: string
  runUrl?: string
  prUrl?: string
}
