/**
 * The two generations of the UKC "v1" API (ukc-api.md §0) and every place their wire shapes
 * differ. The paths and the envelope are the same; what changes is how a GET names its
 * objects, how waits are timed, how images are looked up, what autoscale clones, and that a
 * deleted instance may be retained under its name. The categories ask a `Dialect` for those
 * shapes; nothing outside src/ukc/ knows which generation it speaks.
 *
 * Sources: classic — kraftcloud/go-sdk (what kraftkit sends), the classic OpenAPI 0.6.0;
 * new — the generated models and operations of `@unikraft/cloud` 0.2.0 (npm), whose types
 * the contract suite checks these shapes against, and unikraft-cloud/docs.
 */
import { aboutField, FieldError } from '../fields.js'
import type {
  AutoscaleConfigRequest,
  CreateInstanceRequest,
  CreateVolumeRequest,
  Image,
  LogItem,
  ObjectRef,
  StartItem,
  WaitItem
} from './types.js'

export const API_GENERATION_CHOICES = ['auto', 'classic', 'new'] as const
export type ApiGenerationChoice = (typeof API_GENERATION_CHOICES)[number]
export type ApiGeneration = 'classic' | 'new'

/**
 * `auto`: kraft.cloud hosts speak classic, unikraft.cloud hosts the new platform, and any
 * other endpoint (self-hosted, an emulator) classic, the shape the seed describes.
 */
export function pickGeneration(
  choice: ApiGenerationChoice | undefined,
  baseUrl: string
): ApiGeneration {
  if (choice === 'classic' || choice === 'new') return choice
  if (choice !== undefined && choice !== 'auto')
    throw new FieldError(
      'bad-input',
      'api-generation',
      aboutField(
        'api-generation',
        `'${String(choice)}' is not an API generation; valid: ${API_GENERATION_CHOICES.join(', ')}`
      )
    )
  const host = new URL(baseUrl).hostname.toLowerCase()
  return host === 'unikraft.cloud' || host.endsWith('.unikraft.cloud') ? 'new' : 'classic'
}

/** A request's parts that differ by generation: where the object names travel, and its options. */
export interface Shaped {
  body?: unknown
  query?: Record<string, string | number | boolean | readonly string[] | undefined>
  /**
   * Objects named in query parameters: the index of the given item each sent one is (UUIDs go
   * before names), for matching the answers back to what was asked.
   */
  order?: number[]
  /** The objects as given, when answers are matched to them by UUID or name (query form). */
  refs?: readonly ObjectRef[]
}

type Query = Record<string, string | number | boolean | undefined>

/** Milliseconds as the new platform's whole seconds, rounded up as its ms aliases are; -1 stays. */
export function toSeconds(ms: number): number {
  return ms < 0 ? -1 : Math.ceil(ms / 1000)
}

/** The refs an item carries, without its options. */
const refOnly = (item: ObjectRef): ObjectRef =>
  item.uuid !== undefined ? { uuid: item.uuid } : { name: item.name! }

/**
 * `?uuid=a&uuid=b&name=c`: the new platform's (and its JS SDK's) way to name objects on a GET,
 * with per-item options as repeated parameters in the same order (the JS SDK types `state`,
 * `timeout_s`, `offset` and `limit` as arrays). UUIDs are listed before names, so the items
 * go out in that order; the answers are matched back by `refs` and `order` (Scope).
 */
function refQuery<T extends ObjectRef>(
  items: readonly T[],
  options: (item: T) => Query = () => ({})
): Shaped {
  const order = [
    ...items.flatMap((item, i) => (item.uuid !== undefined ? [i] : [])),
    ...items.flatMap((item, i) => (item.uuid === undefined ? [i] : []))
  ]
  const query: Record<string, string[]> = {}
  const add = (key: string, value: unknown): number => (query[key] ??= []).push(String(value))
  for (const i of order) if (items[i].uuid !== undefined) add('uuid', items[i].uuid)
  for (const i of order) if (items[i].uuid === undefined) add('name', items[i].name)
  for (const i of order)
    for (const [key, value] of Object.entries(options(items[i])))
      if (value !== undefined) add(key, value)
  return { query, order, refs: items.map(refOnly) }
}

export interface ImageLookup {
  path: string
  /**
   * [N] Where to ask when `path` lists nothing for a tag or does not exist on this metro: the
   * official CLI tries the metro's image store first, then its image list [CLI: images.go].
   */
  fallback?: string
  /** One request per tag on the new platform (its `tag` filter takes one value). */
  requests(tags: readonly string[]): Shaped[]
  /** The pinned reference in an answered image item. */
  pinOf(item: Image): string | undefined
}

export interface Dialect {
  readonly generation: ApiGeneration
  /** A GET that names objects (`undefined`: all of them). */
  filter(refs: readonly ObjectRef[] | undefined): Shaped
  createInstance(req: CreateInstanceRequest): Shaped
  start(items: readonly (ObjectRef & StartItem)[]): Shaped
  wait(items: readonly (ObjectRef & WaitItem)[]): Shaped
  logs(items: readonly (ObjectRef & LogItem)[]): Shaped
  /** Deleting instances so that their names are free at once (no retention). */
  deleteInstances(refs: readonly ObjectRef[]): Shaped
  /** Options of a local-scope call on one instance (`/instances/{uuid}/start`, …). */
  local(options: Record<string, number | boolean | undefined>): Shaped
  /** Deleting one instance by UUID, its name free at once. */
  deleteOne(): Shaped
  images: ImageLookup
  /** The body that turns autoscale on for one group. */
  autoscale(config: ObjectRef & AutoscaleConfigRequest): Shaped
  /**
   * Why this platform would refuse a create the classic API takes, said before anything is
   * sent (undefined: it takes it).
   */
  refuseCreate(req: CreateInstanceRequest): string | undefined
  /**
   * What autoscale clones: an instance of the group (classic `master`), or an instance template
   * (the new platform's `create_args.template`), which the deploy makes (kinds/template.ts).
   */
  readonly autoscaleClones: 'instance' | 'template'
  /** Why this platform would refuse a volume create as the spec asks (undefined: it takes it). */
  refuseVolume(req: CreateVolumeRequest): string | undefined
  /**
   * Whether several instances may mount one volume read-only at once (a `rox` volume, [N]):
   * then a read-only mount does not stop a rolling surge. Classic attaches one at a time.
   */
  readonly sharesReadOnlyVolumes: boolean
  /**
   * [N] Whether instances and volumes take tags, instances annotations, calendar schedules and
   * delete locks (PATCH), and service groups autokill (new-platform-primitives.md §1–3, §9).
   * Classic has none of them: previews are found by name and marker, and expire only by sweep.
   */
  readonly policies: boolean
  /**
   * The same waits in the deprecated millisecond members (`wait_timeout_ms`, `timeout_ms`), for
   * metros that refuse `timeout_s` (the official CLI's `timeouts.TryWithFallback`).
   */
  legacy: Pick<Dialect, 'createInstance' | 'start' | 'wait'>
}

/**
 * A refusal of `timeout_s` by a metro that predates it: the official CLI falls back when the
 * error text has both `timeout_s` and `is not a valid member` [CLI: internal/timeouts].
 */
export function refusesTimeoutS(text: string | undefined): boolean {
  return text !== undefined && text.includes('timeout_s') && text.includes('is not a valid member')
}

const classic: Dialect = {
  generation: 'classic',
  // A JSON array body on GET (the classic Go SDK); the transport allows a body on GET.
  filter: (refs) => ({ body: refs }),
  createInstance: (req) => ({ body: req }),
  start: (items) => ({ body: items }),
  wait: (items) => ({ body: items }),
  logs: (items) => ({ body: items }),
  deleteInstances: (refs) => ({ body: refs }),
  // Query parameters (OpenAPI start/stop-instance-by-uuid); no body on a local delete.
  local: (options) => ({ query: options }),
  deleteOne: () => ({}),
  images: {
    path: '/images/list',
    // `{tag}` is what the classic SDK sends (images/image_get.go); answered in request order.
    requests: (tags) => (tags.length === 0 ? [] : [{ body: tags.map((tag) => ({ tag })) }]),
    pinOf: (item) => (typeof item.digest === 'string' ? item.digest : undefined)
  },
  // One object naming the instance autoscale clones (`master`, OpenAPI 0.6.0).
  autoscale: (config) => ({ body: config }),
  refuseCreate: () => undefined,
  autoscaleClones: 'instance',
  refuseVolume: (req) =>
    req.access_mode !== undefined && req.access_mode !== 'rwo'
      ? `access_mode '${req.access_mode}' is a field of the new Unikraft Cloud platform; the classic API has no access modes and attaches a volume to one instance at a time, so drop access_mode`
      : undefined,
  sharesReadOnlyVolumes: false,
  policies: false,
  legacy: {
    createInstance: (req) => ({ body: req }),
    start: (items) => ({ body: items }),
    wait: (items) => ({ body: items })
  }
}

/** `wait_timeout_ms` → `timeout_s`: the new platform's field; the ms one is a deprecated alias. */
function withSeconds<T extends { wait_timeout_ms?: number }>(
  item: T
): Omit<T, 'wait_timeout_ms'> & { timeout_s?: number } {
  const { wait_timeout_ms: ms, ...rest } = item
  return ms === undefined || ms === 0 ? rest : { ...rest, timeout_s: toSeconds(ms) }
}

const newPlatform: Dialect = {
  generation: 'new',
  filter: (refs) => (refs ? refQuery(refs) : {}),
  createInstance: (req) => ({ body: withSeconds(req) }),
  start: (items) => ({ body: items.map(withSeconds) }),
  wait: (items) =>
    refQuery(items, (i) => ({
      state: i.state,
      timeout_s: i.timeout_ms === undefined ? undefined : toSeconds(i.timeout_ms)
    })),
  logs: (items) => refQuery(items, (i) => ({ offset: i.offset, limit: i.limit })),
  // Retained instances keep their names taken; a deploy replaces under the same name.
  deleteInstances: (refs) => ({ body: refs.map((r) => ({ ...refOnly(r), dont_retain: true })) }),
  // A JSON body (model Start/StopInstanceByUUIDRequestBody), waits in seconds.
  local: (options) => {
    const body = withSeconds(
      Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
    )
    return Object.keys(body).length > 0 ? { body } : {}
  },
  deleteOne: () => ({ body: { dont_retain: true } }),
  images: {
    path: '/image-store',
    fallback: '/images',
    requests: (tags) => tags.map((tag) => ({ query: { tag } })),
    pinOf: (item) => (typeof item.url === 'string' ? item.url : undefined)
  },
  // An array of configurations; what is cloned is an instance template (`create_args`).
  autoscale: ({ master, ...config }) => ({
    body: [{ ...config, create_args: { template: refOnly(master) } }]
  }),
  refuseCreate: (req) =>
    req.scale_to_zero && req.scale_to_zero.policy !== 'off' && req.service_group === undefined
      ? 'scale_to_zero needs a service_group on the new Unikraft Cloud platform (it wakes the instance on traffic to its service); give the instance a service_group, or drop scale_to_zero'
      : undefined,
  legacy: {
    createInstance: (req) => ({ body: req }),
    start: (items) => ({ body: items }),
    wait: (items) => refQuery(items, (i) => ({ state: i.state, timeout_ms: i.timeout_ms }))
  },
  autoscaleClones: 'template',
  refuseVolume: () => undefined,
  sharesReadOnlyVolumes: true,
  policies: true
}

export function dialectOf(generation: ApiGeneration): Dialect {
  return generation === 'new' ? newPlatform : classic
}
