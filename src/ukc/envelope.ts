/**
 * The response envelope (ukc-api.md §3): a top-level status, an optional message, and one
 * list of items, each with its own status, message and error code. Per-object failures are
 * ordinary results here; only a malformed envelope is an exception.
 */
import { errorCodeName, type ErrorCodeName } from './errors.js'

export type TopStatus = 'success' | 'partial_success' | 'error' | 'unconfigured'

export interface ItemResult<T> {
  ok: boolean
  /** The item's own status (`success`, `error`, or `unconfigured` for autoscale). */
  status: string
  message?: string
  code?: number
  codeName?: ErrorCodeName
  /** A wait ran out for this object: an error item without a code, under "Operation timed out". */
  timedOut: boolean
  /** The item as the API returned it (resource fields included). */
  value: T
}

export interface ApiResult<T> {
  status: TopStatus
  message?: string
  items: ItemResult<T>[]
  /** Processing time the server reports ([N] only). */
  opTimeUs?: number
  timedOut: boolean
}

export const TIMED_OUT_MESSAGE = 'Operation timed out'

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EnvelopeError'
  }
}

/** An envelope whose fields break their types: its message names the field and the object. */
export class AnswerError extends EnvelopeError {
  constructor(message: string) {
    super(message)
    this.name = 'AnswerError'
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The classic OpenAPI document says `failure` where everything else says `error`. */
function normaliseStatus(s: unknown): string {
  return s === 'failure' ? 'error' : typeof s === 'string' ? s : 'success'
}

export function parseEnvelope<T>(body: unknown, plural: string): ApiResult<T> {
  if (!isObject(body)) throw new EnvelopeError('the response is not a JSON object')
  const status = normaliseStatus(body.status) as TopStatus
  if (!['success', 'partial_success', 'error', 'unconfigured'].includes(status))
    throw new EnvelopeError(`unknown top-level status '${String(body.status)}'`)
  const message = typeof body.message === 'string' ? body.message : undefined
  const timedOut = message === TIMED_OUT_MESSAGE
  let raw: unknown[] = []
  if (body.data !== undefined && body.data !== null) {
    if (!isObject(body.data)) throw new EnvelopeError("'data' is not an object")
    const list = body.data[plural]
    if (list !== undefined && !Array.isArray(list))
      throw new EnvelopeError(`'data.${plural}' is not a list`)
    raw = list ?? []
  }
  const items = raw.map((entry, i): ItemResult<T> => {
    if (!isObject(entry)) throw new EnvelopeError(`'data.${plural}[${i}]' is not an object`)
    // List-all responses carry no per-item status: those items are plain successes.
    const itemStatus = normaliseStatus(entry.status)
    const code = typeof entry.error === 'number' ? entry.error : undefined
    const ok = itemStatus !== 'error'
    return {
      ok,
      status: itemStatus,
      message: typeof entry.message === 'string' ? entry.message : undefined,
      code,
      codeName: errorCodeName(code),
      timedOut: !ok && code === undefined && timedOut,
      value: entry as T
    }
  })
  const opTimeUs = typeof body.op_time_us === 'number' ? body.op_time_us : undefined
  return { status, message, items, opTimeUs, timedOut }
}

/** The server's own words for a failed request: `errors[].message`, else `message`. */
export function serverMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined
  const errors = Array.isArray(body.errors) ? body.errors : []
  const texts = errors
    .map((e) => (isObject(e) && typeof e.message === 'string' ? e.message : undefined))
    .filter(Boolean)
  if (texts.length > 0) return [...new Set(texts)].join('; ')
  return typeof body.message === 'string' ? body.message : undefined
}

/** The first failed item's message with its code name, for a one-line error. */
export function describeItem(item: ItemResult<unknown>): string {
  if (item.ok) return item.status
  if (item.timedOut) return TIMED_OUT_MESSAGE
  const code =
    item.code !== undefined ? ` (code ${item.code}${item.codeName ? ` ${item.codeName}` : ''})` : ''
  return `${item.message ?? 'failed'}${code}`
}
