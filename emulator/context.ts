/** What every API handler gets: the account, the state machine, settings, and the request. */
import type { Res } from './envelope.js'
import type { Lifecycle } from './lifecycle.js'
import type { Store } from './state.js'
import {
  BadRequest,
  object,
  refOf,
  refShape,
  uuid,
  type Check,
  type Parsed,
  type Ref
} from './validate.js'

/** Which API the emulator speaks (ukc-api.md §0): each refuses what its real API refuses. */
export type Generation = 'classic' | 'new'

export interface Settings {
  generation: Generation
  /**
   * [N] How long a deleted instance is retained (state `deleted`, its name still taken) unless
   * the delete says `dont_retain`; 0 turns retention off. Classic has no retention.
   */
  retentionMs: number
  /** `fra0.kraft.host` ([C]) or `fra.unikraft.app` ([N]). */
  metroDomain: string
  /** When false, an image the registry has never seen is registered on first use. */
  strictImages: boolean
  /** How long the platform takes to issue a certificate for a custom FQDN. */
  certDelayMs: number
  /** When set, certificate issuance for custom FQDNs ends in `error`. */
  certFailure: boolean
  /**
   * [N] A metro that predates `timeout_s` (`--legacy-timeouts`): it refuses the member as
   * classic does, and takes the deprecated `wait_timeout_ms` / `timeout_ms` (the official CLI's
   * `timeouts.TryWithFallback` exists for such metros).
   */
  legacyTimeouts: boolean
  /**
   * Assumption (`--delete-delay-ms`): a delete answers before the instance is gone; it stays
   * `stopping`, holding its name and volumes, for this long. No public source gives the delay;
   * the official CLI polls after a delete that did not wait [CLI: instances.go].
   */
  deleteDelayMs: number
  /**
   * [N] The page a listing answers when the request gives no `count` (`--page-size`, 0: all);
   * `count` and `from` (the last item's UUID) page it [SDK: core/pagination.js].
   */
  pageSize: number
  /**
   * [N] Whether the metro has an image store (`GET /v1/image-store`); an older metro has only
   * `GET /v1/images` (`--no-image-store`). The official CLI asks the store first, then the
   * list [CLI: internal/cmd/images.go]; whether a metro can lack the store: assumption.
   */
  imageStore: boolean
}

/** [N] One page of a listing: after the item `from` names, at most `count` (else the page size). */
export function pageOf<T extends { uuid?: unknown }>(
  settings: Settings,
  query: URLSearchParams,
  list: T[]
): T[] {
  if (settings.generation !== 'new') return list
  const from = query.get('from')
  const start = from ? list.findIndex((x) => x.uuid === from) + 1 : 0
  if (from && start === 0) return []
  const count = query.has('count') ? Number(query.get('count')) : settings.pageSize
  return count > 0 ? list.slice(start, start + count) : list.slice(start)
}

export interface Ctx {
  store: Store
  life: Lifecycle
  settings: Settings
}

export interface Req {
  method: string
  path: string
  params: Record<string, string>
  query: URLSearchParams
  body: unknown
  headers: Record<string, string | string[] | undefined>
  /** Aborted when the client hangs up (a blocking wait stops waiting). */
  signal: AbortSignal
}

/**
 * Members only the new platform knows: classic rejects them as its strict validation rejects
 * any unknown member ("is not a valid member"; ukc-api.md §2: older metros reject `timeout_s`).
 * `value` is a body object, or the items of a global-scope request.
 */
export function refuseNewMembers(
  settings: Settings,
  value: unknown,
  members: readonly string[],
  path = ''
): void {
  const refused =
    settings.generation === 'classic'
      ? members
      : settings.legacyTimeouts
        ? members.filter((m) => m === 'timeout_s')
        : []
  if (refused.length === 0) return
  const list = Array.isArray(value) ? value : [value]
  list.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) return
    const at = Array.isArray(value) ? `${path}[${i}]` : path
    for (const key of refused)
      if (key in item)
        throw new BadRequest(
          `'${at ? `${at}.` : ''}${key}' is not a valid member of ${at || 'the request'}`
        )
  })
}

/** The UUID in a local-scope path. */
export function localRef(req: Req): Ref {
  return { uuid: uuid(req.params.uuid, 'uuid') }
}

/**
 * The items of a global-scope request: a JSON array body (classic SDKs, the Go SDKs), or
 * repeated `?uuid=&name=` query parameters with per-item options zipped by position or
 * shared when given once (new JS/Python SDKs). Returns undefined when there is neither.
 */
export function globalItems<T>(
  req: Req,
  item: Check<T>,
  opts: { allowObject?: boolean } = {}
): T[] | undefined {
  if (req.body !== undefined) {
    if (Array.isArray(req.body)) return req.body.map((v, i) => item(v, `[${i}]`))
    if (opts.allowObject) return [item(req.body, '')]
    throw new BadRequest('The request body must be a JSON array of objects for a global-scope call')
  }
  const refs: Record<string, unknown>[] = [
    ...req.query.getAll('uuid').map((u) => ({ uuid: u })),
    ...req.query.getAll('name').map((n) => ({ name: n }))
  ]
  if (refs.length === 0) return undefined
  const optionKeys = [...new Set(req.query.keys())].filter(
    (k) => k !== 'uuid' && k !== 'name' && k !== 'details' && k !== 'metrics'
  )
  const out = refs.map((ref, i) => {
    const merged: Record<string, unknown> = { ...ref }
    for (const key of optionKeys) {
      const values = req.query.getAll(key)
      merged[key] = coerceQuery(values.length === 1 ? values[0] : values[i])
    }
    return merged
  })
  return out.map((v, i) => item(v, `query[${i}]`))
}

/** Query values arrive as text; numbers and booleans are read back as JSON would carry them. */
export function coerceQuery(v: string | undefined): unknown {
  if (v === undefined) return undefined
  if (v === 'true' || v === 'false') return v === 'true'
  if (/^-?\d+$/.test(v)) return Number(v)
  return v
}

/** Local-scope options: a JSON object body (new SDKs) or query parameters ([C] OpenAPI). */
export function localOptions<T>(req: Req, shape: Check<T>): T {
  if (req.body !== undefined) return shape(req.body, '')
  const fromQuery: Record<string, unknown> = {}
  for (const key of new Set(req.query.keys())) {
    if (key !== 'details' && key !== 'metrics')
      fromQuery[key] = coerceQuery(req.query.get(key) ?? undefined)
  }
  return shape(fromQuery, '')
}

/** An item that names one object: `{uuid}` or `{name}` plus the endpoint's own options. */
export function identified<S extends Record<string, Check<unknown>>>(
  extra: S
): Check<Parsed<S> & { ref: Ref }> {
  const check = object({ ...refShape, ...extra })
  return (value, path) => {
    const parsed = check(value, path) as Parsed<S> & { uuid?: string; name?: string }
    return { ...parsed, ref: refOf(parsed, path || 'item') }
  }
}

export function echo(ref: Ref): Record<string, unknown> {
  return ref.uuid !== undefined ? { uuid: ref.uuid } : { name: ref.name }
}

export type Routes = Record<string, (req: Req) => Res | Promise<Res>>

export const wantsDetails = (req: Req): boolean => req.query.get('details') !== 'false'
