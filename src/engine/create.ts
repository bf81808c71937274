/**
 * Creating an instance without ever making two: a create whose answer was lost (timeout,
 * reset, 5xx) or that collides with a name (code 23, a concurrent run) is followed by a
 * lookup by name, and only sent again when the instance is not there.
 */
import type { InstanceSpec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { describeItem, type ApiResult } from '../ukc/envelope.js'
import { ErrorCode, UkcError } from '../ukc/errors.js'
import { normaliseImageRef, sameImage } from '../ukc/images.js'
import type { CreateInstanceRequest, Instance } from '../ukc/types.js'
import type { Logger } from './types.js'

/**
 * A create is sent at most this often, each retry only after a lookup by name found nothing,
 * with a short pause between so that a transient fault can clear.
 */
export const CREATE_ATTEMPTS = 3
const pause = (attempt: number): Promise<void> => new Promise((r) => setTimeout(r, 250 * attempt))

export interface Created {
  instance?: Instance
  error?: string
  /** The name is held by an instance that is not what was asked for: left alone. */
  holder?: Instance
  /** It was there already: why, in words. */
  adopted?: string
  /** This run made it (false when a concurrent run did). */
  ours: boolean
}

/**
 * The create body for a spec instance, pinned to the image the plan resolved: `pin` is the
 * full reference the images API answers (`user/app@sha256:…`), sent as it is.
 */
export function createRequest(
  spec: InstanceSpec,
  pin: string | undefined,
  name = spec.name,
  /** Folds the server-side wait into the create: it answers once the instance runs. */
  waitMs = 0
): CreateInstanceRequest {
  const req: CreateInstanceRequest = {
    name,
    image: pin ?? normaliseImageRef(spec.image),
    autostart: true
  }
  if (waitMs > 0) req.wait_timeout_ms = waitMs
  if (spec.memory_mb !== undefined) req.memory_mb = spec.memory_mb
  if (spec.vcpus !== undefined) req.vcpus = spec.vcpus
  if (spec.args !== undefined) req.args = spec.args
  if (Object.keys(spec.env).length > 0) req.env = spec.env
  if (spec.restart_policy !== undefined) req.restart_policy = spec.restart_policy
  if (spec.scale_to_zero !== undefined) req.scale_to_zero = spec.scale_to_zero
  if (spec.features.length > 0) req.features = spec.features
  if (spec.service_group !== undefined) req.service_group = { name: spec.service_group }
  if (spec.volumes.length > 0)
    req.volumes = spec.volumes.map((v) =>
      v.name !== undefined
        ? { name: v.name, at: v.at, readonly: v.readonly }
        : { size_mb: v.size_mb, at: v.at, readonly: v.readonly }
    )
  return req
}

export interface NamedCreated<T> {
  value?: T
  error?: string
  /** The object holding the name, when it is not what was asked for (never adopted). */
  holder?: T
  /** This run made it (false when a concurrent run did). */
  ours: boolean
  /** It was there already: why, in words. */
  adopted?: string
}

/**
 * One create that never makes two: a lost answer (timeout, reset, 5xx) is followed by a
 * lookup by name and sent again only when nothing is there (at most CREATE_ATTEMPTS sends);
 * a name a concurrent run took first (code 23) is adopted rather than reported as a failure.
 * A create whose server-side wait ran out still made its object: the caller sees its state.
 */
export async function createOnce<T>(
  name: string,
  send: () => Promise<ApiResult<T>>,
  find: () => Promise<T | undefined>,
  log: Logger,
  /** Why a found object is not the one asked for (undefined: it is, and may be adopted). */
  unfit: (found: T) => string | undefined = () => undefined
): Promise<NamedCreated<T>> {
  for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
    try {
      const item = (await send()).items[0]
      if (item?.ok || item?.timedOut) return { value: item.value, ours: true }
      if (item?.code === ErrorCode.AlreadyExists) {
        const found = await find()
        const why = found && unfit(found)
        if (why) return { error: why, holder: found, ours: false }
        if (found)
          return {
            value: found,
            ours: false,
            adopted: 'another run created it at the same moment; this run adopted it'
          }
      }
      return { error: item ? describeItem(item) : 'the API answered no item', ours: false }
    } catch (err) {
      if (!(err instanceof UkcError) || !err.ambiguous)
        return { error: err instanceof Error ? err.message : String(err), ours: false }
      log.warning(
        `Creating '${name}' may or may not have worked (${err.message}); looking it up before trying again`
      )
      const found = await find()
      const why = found && unfit(found)
      if (why) return { error: why, holder: found, ours: false }
      if (found)
        return {
          value: found,
          ours: true,
          adopted: 'the create request lost its answer, but it was made'
        }
      if (attempt === CREATE_ATTEMPTS) return { error: err.message, ours: false }
      await pause(attempt)
    }
  }
  return { error: `the create was not confirmed after ${CREATE_ATTEMPTS} attempts`, ours: false }
}

/**
 * Why an instance found under the name is not the one this create asks for, if it is not:
 * one this run deleted (still going), or one whose image, memory, env (the preview marker
 * included) or group differ. Only what fits is ever adopted.
 */
export function unfitHolder(
  req: CreateInstanceRequest,
  have: Instance,
  deletedHere: ReadonlySet<string>
): string | undefined {
  const taken = `its name is taken by instance ${have.uuid}`
  if (deletedHere.has(have.uuid))
    return `${taken}, which this run deleted and the platform has not removed yet`
  const differs: string[] = []
  if (req.image.includes('@') && !sameImage(req.image, have.image)) differs.push('image')
  if (req.memory_mb !== undefined && have.memory_mb !== req.memory_mb) differs.push('memory_mb')
  const env = Object.entries(req.env ?? {})
  if (env.some(([k, v]) => have.env?.[k] !== v)) differs.push('env')
  const group =
    req.service_group && 'name' in req.service_group ? req.service_group.name : undefined
  if (group !== undefined && have.service_group?.name !== group) differs.push('service_group')
  return differs.length > 0
    ? `${taken}, which is not what the spec asks for (${differs.join(', ')} differ); it is left alone`
    : undefined
}

export async function safeCreate(
  client: UkcClient,
  req: CreateInstanceRequest,
  log: Logger
): Promise<Created> {
  const name = req.name!
  const r = await createOnce(
    name,
    () => client.instances.create(req),
    async () => {
      const found = (await client.instances.get([{ name }])).items[0]
      return found?.ok ? found.value : undefined
    },
    log,
    (found) => unfitHolder(req, found, client.instances.deleted)
  )
  return { instance: r.value, error: r.error, adopted: r.adopted, ours: r.ours, holder: r.holder }
}

/**
 * Creates of service groups, volumes and certificates: one object a request (the API's
 * shape), all at once, each as safe as an instance create.
 */
export async function createNamed<T, R>(
  items: R[],
  nameOf: (r: R) => string,
  create: (item: R) => Promise<ApiResult<T>>,
  lookup: (names: string[]) => Promise<Map<string, T>>,
  log: Logger
): Promise<Map<string, NamedCreated<T>>> {
  const results = await Promise.all(
    items.map((item) =>
      createOnce(
        nameOf(item),
        () => create(item),
        async () => (await lookup([nameOf(item)])).get(nameOf(item)),
        log
      )
    )
  )
  return new Map(items.map((item, i) => [nameOf(item), results[i]]))
}
