/**
 * Creating an instance without ever making two: a create whose answer was lost (timeout,
 * reset, 5xx) or that collides with a name (code 23, a concurrent run) is followed by a
 * lookup by name, and only sent again when the instance is not there.
 */
import type { InstanceSpec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { describeItem, type ApiResult } from '../ukc/envelope.js'
import { ErrorCode, UkcError } from '../ukc/errors.js'
import { normaliseImageRef } from '../ukc/images.js'
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
  /** It was there already: why, in words. */
  adopted?: string
  /** This run made it (false when a concurrent run did). */
  ours: boolean
}

/** The create body for a spec instance, pinned to the digest the plan resolved. */
export function createRequest(
  spec: InstanceSpec,
  digest: string | undefined,
  name = spec.name,
  /** Folds the server-side wait into the create: it answers once the instance runs. */
  waitMs = 0
): CreateInstanceRequest {
  const ref = normaliseImageRef(spec.image)
  const repo = ref.includes('@')
    ? ref.slice(0, ref.indexOf('@'))
    : ref.slice(0, ref.lastIndexOf(':'))
  const req: CreateInstanceRequest = {
    name,
    image: digest ? `${repo}@${digest}` : spec.image,
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

async function lookup(client: UkcClient, name: string): Promise<Instance | undefined> {
  const r = await client.instances.get([{ name }])
  return r.items[0]?.ok ? r.items[0].value : undefined
}

export async function safeCreate(
  client: UkcClient,
  req: CreateInstanceRequest,
  log: Logger
): Promise<Created> {
  const name = req.name!
  for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
    try {
      const r = await client.instances.create(req)
      const item = r.items[0]
      if (item?.ok) return { instance: item.value, ours: true }
      // Made, but its wait ran out: the caller sees the state and reports it.
      if (item?.timedOut) return { instance: item.value, ours: true }
      if (item?.code === ErrorCode.AlreadyExists) {
        const found = await lookup(client, name)
        if (found)
          return {
            instance: found,
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
      const found = await lookup(client, name)
      if (found)
        return {
          instance: found,
          ours: true,
          adopted: 'the create request lost its answer, but the instance was made'
        }
      if (attempt === CREATE_ATTEMPTS) return { error: err.message, ours: false }
      await pause(attempt)
    }
  }
  return { error: `the create was not confirmed after ${CREATE_ATTEMPTS} attempts`, ours: false }
}

export interface NamedCreated<T> {
  value?: T
  error?: string
  ours: boolean
  adopted?: string
}

/**
 * Batch creates of service groups and volumes, made as safe as instance creates: a lost
 * answer is followed by a lookup (and one more try for what is still missing), and a name a
 * concurrent run took first is adopted rather than reported as a failure.
 */
export async function createNamed<T extends { name: string }, R>(
  items: R[],
  nameOf: (r: R) => string,
  create: (items: R[]) => Promise<ApiResult<T>>,
  lookup: (names: string[]) => Promise<Map<string, T>>,
  log: Logger
): Promise<Map<string, NamedCreated<T>>> {
  const out = new Map<string, NamedCreated<T>>()
  let pending = items
  for (let attempt = 1; attempt <= CREATE_ATTEMPTS && pending.length > 0; attempt++) {
    let result: ApiResult<T>
    try {
      result = await create(pending)
    } catch (err) {
      if (!(err instanceof UkcError) || !err.ambiguous || attempt === CREATE_ATTEMPTS) {
        for (const r of pending)
          out.set(nameOf(r), {
            error: err instanceof Error ? err.message : String(err),
            ours: false
          })
        return out
      }
      log.warning(
        `Creating ${pending.map(nameOf).join(', ')} may or may not have worked (${err.message}); looking them up before trying again`
      )
      const found = await lookup(pending.map(nameOf))
      for (const [name, value] of found)
        out.set(name, {
          value,
          ours: true,
          adopted: 'the create request lost its answer, but it was made'
        })
      pending = pending.filter((r) => !found.has(nameOf(r)))
      await pause(attempt)
      continue
    }
    const taken = pending
      .filter((_, i) => result.items[i]?.code === ErrorCode.AlreadyExists)
      .map(nameOf)
    const adopted = taken.length > 0 ? await lookup(taken) : new Map<string, T>()
    pending.forEach((r, i) => {
      const item = result.items[i]
      const name = nameOf(r)
      if (item?.ok) out.set(name, { value: item.value, ours: true })
      else if (adopted.has(name))
        out.set(name, {
          value: adopted.get(name),
          ours: false,
          adopted: 'another run created it at the same moment; this run adopted it'
        })
      else
        out.set(name, {
          error: item ? describeItem(item) : 'the API answered no item',
          ours: false
        })
    })
    pending = []
  }
  return out
}
