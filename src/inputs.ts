/**
 * Every input of action.yml, read once into one typed, checked object. The reader is passed
 * in, so the CLI can feed the same checks from its flags. All problems are reported at once,
 * each naming the input and what is valid.
 */
import { parseBudget, type Budget } from './spec/budget.js'
import { hasShorthand, type Shorthand } from './spec/shorthand.js'
import { resolveBaseUrl } from './ukc/endpoint.js'
import { API_GENERATION_CHOICES, type ApiGenerationChoice } from './ukc/generation.js'
import { COMMANDS, type Command } from './engine/types.js'
import {
  aboutField,
  FieldError,
  PLAIN_WORDS,
  WordedError,
  type Field,
  type Wording,
  type Worded
} from './fields.js'

/** The API's limit on `drain_timeout_ms` (OpenAPI: PUT /instances/stop, maximum 3600000). */
export const MAX_DRAIN_SECONDS = 3600

export { COMMANDS, type Command } from './engine/types.js'
export const STRATEGIES = ['rolling', 'recreate'] as const
export const FAIL_ON = ['any', 'all', 'never'] as const
export const ON_FAILURE = ['rollback', 'keep'] as const
export const PREVIEW = ['auto', 'true', 'false'] as const

export interface Inputs {
  token: string
  metro: string
  apiUrl?: string
  /** Which shape of the API to speak; `auto` picks it from the host. */
  apiGeneration: ApiGenerationChoice
  command: Command
  spec?: string
  shorthand: Shorthand
  secretEnv: string[]
  /** `preview-env`: variables (beyond the GitHub context) a preview's spec may read. */
  previewEnv: string[]
  names: string[]
  wait: boolean
  timeoutSeconds: number
  drainTimeoutSeconds: number
  strategy: (typeof STRATEGIES)[number]
  healthCheck?: string
  /** Seconds one health probe may take, the whole answer included. */
  healthCheckTimeoutSeconds: number
  /** The `settle` input: undefined when not given (UKC_SETTLE_MS, then 1 s, apply). */
  settleSeconds?: number
  /** `runtime-budget`: what each new version must meet before anything old is retired. */
  runtimeBudget?: Budget
  /** Undefined: the default for the mode (rollback for previews, keep otherwise). */
  onFailure?: (typeof ON_FAILURE)[number]
  preview: (typeof PREVIEW)[number]
  failOn: (typeof FAIL_ON)[number]
  githubToken?: string
  comment: boolean
  environment?: string
  /** sweep and delete only list what they would delete. */
  dryRun: boolean
  /** `preview-ttl`: how long a preview lives after its last push, in ms (0: no expiry). */
  previewTtlMs: number
  /** `sweep-ttl`: sweep also deletes previews older than preview-ttl whose PR is open. */
  sweepTtl: boolean
  /** `protect`: [N] lock production instances against deletion once they are up. */
  protect: boolean
}

/** The default `preview-ttl`: a week. */
export const DEFAULT_PREVIEW_TTL = '7d'
const TTL_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
/** Shorter would delete a preview while it is still being deployed. */
const MIN_TTL_MS = 60_000
/** The platform's schedules are calendar times; a year is far enough for any preview. */
const MAX_TTL_MS = 366 * 86_400_000

/** `30m`, `12h`, `3d` (or `90s`) in ms; `0` is off. Undefined: not a duration in range. */
export function parseTtl(text: string): number | undefined {
  if (text === '0') return 0
  const m = /^(\d+)\s*([smhd])$/.exec(text.toLowerCase())
  if (!m) return undefined
  const ms = Number(m[1]) * TTL_UNITS[m[2]]
  return ms >= MIN_TTL_MS && ms <= MAX_TTL_MS ? ms : undefined
}

/** Every problem with the inputs at once, each naming its field as the front end words it. */
export class InputError extends WordedError {
  constructor(readonly problems: Worded[]) {
    super()
    this.message = this.worded(PLAIN_WORDS)
    this.name = 'InputError'
  }

  worded(words: Wording): string {
    const lines = this.problems.map((p) => p(words))
    return lines.length === 1
      ? lines[0]
      : `${lines.length} problems with the ${words === PLAIN_WORDS ? 'inputs' : 'settings'}:\n${lines.map((l) => `  - ${l}`).join('\n')}`
  }
}

/** Reads one input's text ('' when unset). */
export type InputReader = (name: string) => string

/** Lines of a multiline input, trimmed, blanks dropped; commas split too where `commas` is set. */
export function lines(text: string, commas = false): string[] {
  return text
    .split(commas ? /[\n,]/ : /\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

export function readInputs(
  get: InputReader,
  env: Record<string, string | undefined> = process.env
): Inputs {
  const problems: Worded[] = []
  const bad = (field: Field, what: string | Worded): number =>
    problems.push(aboutField(field, what))
  const text = (name: string): string => get(name).trim()
  const optional = (name: string): string | undefined => text(name) || undefined

  function oneOf<T extends string>(name: Field, valid: readonly T[], fallback: T): T {
    const v = text(name) || fallback
    if ((valid as readonly string[]).includes(v.toLowerCase())) return v.toLowerCase() as T
    bad(name, `"${v}" is not valid; use one of ${valid.join(', ')}`)
    return fallback
  }

  // YAML 1.2 core schema booleans, as @actions/core's getBooleanInput reads them.
  function flag(name: Field, fallback: boolean): boolean {
    const v = text(name)
    if (v === '') return fallback
    if (['true', 'True', 'TRUE'].includes(v)) return true
    if (['false', 'False', 'FALSE'].includes(v)) return false
    bad(name, `"${v}" is not a boolean; use true or false`)
    return fallback
  }

  function seconds(name: Field, fallback: number, min: number, max = 86400, why = ''): number {
    const v = text(name)
    if (v === '') return fallback
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      bad(name, `"${v}" is not valid; give whole seconds from ${min} to ${max}${why}`)
      return fallback
    }
    return Number(v)
  }

  function ttl(): number {
    const v = text('preview-ttl') || DEFAULT_PREVIEW_TTL
    const ms = parseTtl(v)
    if (ms !== undefined) return ms
    bad(
      'preview-ttl',
      `"${v.slice(0, 40)}" is not a preview lifetime; give a number with s, m, h or d from 1 minute to 366 days (30m, 12h, 3d), or 0 for previews that never expire`
    )
    return parseTtl(DEFAULT_PREVIEW_TTL)!
  }

  function budget(v: string): Budget | undefined {
    try {
      return parseBudget(v)
    } catch (err) {
      if (!(err instanceof FieldError)) throw err
      problems.push((w) => err.worded(w))
      return undefined
    }
  }

  // A pasted secret often ends in a newline: trimmed. Anything else unprintable is refused
  // here, by name, rather than as an obscure header error later.
  const token = (text('token') || env.UKC_TOKEN || '').trim()
  if (/\p{Cc}/u.test(token))
    bad(
      'token',
      'the UKC API token contains control characters (a line break or a tab inside it?); paste the token again'
    )
  const command = oneOf('command', COMMANDS, 'deploy')
  const healthCheck = optional('health-check')
  if (healthCheck && !healthCheck.startsWith('/') && !/^https?:\/\//.test(healthCheck))
    bad('health-check', `"${healthCheck}" must be a path starting with / or a full http(s) URL`)
  const inputs: Inputs = {
    token,
    metro: text('metro') || 'fra0',
    apiUrl: optional('api-url'),
    apiGeneration: oneOf('api-generation', API_GENERATION_CHOICES, 'auto'),
    command,
    spec: get('spec').trim() ? get('spec') : undefined,
    shorthand: {
      name: optional('name'),
      image: optional('image'),
      memory: optional('memory'),
      vcpus: optional('vcpus'),
      args: lines(get('args')),
      env: lines(get('env')),
      ports: lines(get('ports'), true),
      domain: optional('domain'),
      replicas: optional('replicas'),
      scaleToZero: optional('scale-to-zero'),
      restartPolicy: optional('restart-policy')
    },
    secretEnv: lines(get('secret-env')),
    previewEnv: lines(get('preview-env'), true),
    names: lines(get('names'), true),
    wait: flag('wait', true),
    timeoutSeconds: seconds('timeout', 120, 1),
    drainTimeoutSeconds: seconds(
      'drain-timeout',
      0,
      0,
      MAX_DRAIN_SECONDS,
      ' (the API takes drain_timeout_ms up to 3,600,000)'
    ),
    strategy: oneOf('strategy', STRATEGIES, 'rolling'),
    healthCheck,
    healthCheckTimeoutSeconds: seconds('health-check-timeout', 5, 1, 300),
    settleSeconds: text('settle') === '' ? undefined : seconds('settle', 1, 0, 600),
    runtimeBudget: budget(get('runtime-budget')),
    onFailure: text('on-failure') ? oneOf('on-failure', ON_FAILURE, 'keep') : undefined,
    preview: oneOf('preview', PREVIEW, 'auto'),
    failOn: oneOf('fail-on', FAIL_ON, 'any'),
    githubToken: optional('github-token'),
    comment: flag('comment', true),
    dryRun: flag('dry-run', false),
    environment: optional('environment'),
    previewTtlMs: ttl(),
    sweepTtl: flag('sweep-ttl', false),
    protect: flag('protect', true)
  }
  // Where the API lives is input too: an unknown metro or a plain-http URL is bad usage.
  try {
    resolveBaseUrl({ metro: inputs.metro, apiUrl: inputs.apiUrl })
  } catch (err) {
    if (!(err instanceof FieldError)) throw err
    problems.push((w) => err.worded(w))
  }
  const described = inputs.spec !== undefined || hasShorthand(inputs.shorthand)
  if ((command === 'deploy' || command === 'plan') && !described)
    bad(
      'spec',
      (w) =>
        `${command} needs a spec (${w.name('spec')}: a file or inline YAML) or ${w.name('shorthand')}`
    )
  if (
    ['start', 'stop', 'delete', 'status'].includes(command) &&
    !described &&
    inputs.names.length === 0
  )
    bad(
      'names',
      (w) =>
        `${command} needs instances: ${w.name('names')} (names or UUIDs, one per line) or a spec`
    )
  const badVar = inputs.previewEnv.find((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))
  if (badVar !== undefined)
    bad(
      'preview-env',
      `"${badVar.slice(0, 60)}" is not a variable name; list names (letters, digits and _), comma-separated, e.g. API_BASE_URL, FEATURE_FLAGS`
    )
  if (!token) bad('token', (w) => `no UKC API token: set ${w.name('token')}`)
  if (problems.length > 0) throw new InputError(problems)
  return inputs
}
