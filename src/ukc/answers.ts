/**
 * Fields of an API answer typed before anything uses them: a UUID must be a UUID, a name a
 * name, a state one of the documented states, a number a number. An answer that breaks this
 * (a broken or hostile server) is refused whole with the field it broke, rather than crashing
 * later (`e.split is not a function`) or reaching the outputs, the log or a comment.
 */
import { isUuid } from './names.js'

/** The documented states per listing (ukc-api.md §6, §9, §10). */
const STATES: Record<string, readonly string[]> = {
  instances: [
    'stopped',
    'starting',
    'running',
    'draining',
    'stopping',
    'standby',
    'template',
    'deleted'
  ],
  volumes: ['uninitialized', 'initializing', 'available', 'idle', 'mounted', 'busy', 'error'],
  certificates: ['pending', 'valid', 'error']
}

const KIND: Record<string, string> = {
  instances: 'instance',
  service_groups: 'service group',
  volumes: 'volume',
  certificates: 'certificate',
  templates: 'template'
}

/** Object names as any platform writes them (the seed's labels; `_` in policy names). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/
/** Fields that are numbers wherever they appear. */
const NUMERIC =
  /(_ms|_us|_mb|_bytes|_count)$|^(vcpus|stop_reason|exit_code|stop_code|port|destination_port|error)$/
/** Maps of the user's own data: their keys and values are anything. */
const DATA = new Set(['env', 'labels', 'annotations', 'tags', 'args', 'policies', 'create_args'])

const shown = (v: unknown): string => {
  const text = typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? v)
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The first broken field of one object (and the references it holds), as `field value`. */
function brokenField(
  o: Record<string, unknown>,
  path: string,
  plural?: string
): string | undefined {
  // Images and quotas name things otherwise (`acme/app:1`); objects and their references do not.
  const named = plural === undefined || plural in KIND
  for (const [key, v] of Object.entries(o)) {
    const at = path ? `${path}.${key}` : key
    if (v === undefined || v === null || DATA.has(key)) continue
    if (key === 'uuid' && (typeof v !== 'string' || !isUuid(v))) return `${at} ${shown(v)}`
    if (key === 'name' && named && (typeof v !== 'string' || !NAME_RE.test(v)))
      return `${at} ${shown(v)}`
    if (key === 'state' && plural && STATES[plural] && !STATES[plural].includes(v as string))
      return `${at} ${shown(v)}`
    if (NUMERIC.test(key) && (typeof v !== 'number' || !Number.isFinite(v)))
      return `${at} ${shown(v)}`
    const nested = Array.isArray(v) ? v : [v]
    for (const [i, item] of nested.entries()) {
      if (!isObject(item)) continue
      const broken = brokenField(item, Array.isArray(v) ? `${at}[${i}]` : at)
      if (broken) return broken
    }
  }
  return undefined
}

/**
 * Why item `i` of a `plural` listing cannot be used, or undefined:
 * `the API answered state "running$(id)" for instance api`.
 */
export function answerProblem(
  entry: Record<string, unknown>,
  plural: string,
  i: number
): string | undefined {
  const broken = brokenField(entry, '', plural)
  if (!broken) return undefined
  const kind = KIND[plural] ?? plural
  const who =
    typeof entry.name === 'string' && NAME_RE.test(entry.name)
      ? `${kind} ${entry.name}`
      : typeof entry.uuid === 'string' && isUuid(entry.uuid)
        ? `${kind} ${entry.uuid}`
        : `item ${i} of data.${plural}`
  return `the API answered ${broken} for ${who}`
}
