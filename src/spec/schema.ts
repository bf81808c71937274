/**
 * The spec file (PRODUCT.md, "The spec file"): field names are the API's own. This module
 * reads a parsed document into typed, checked objects; every problem names file:line.
 */
import { MAX_LABEL_LENGTH } from '../ukc/names.js'
import { checkName } from '../ukc/names.js'
import type { Handler, RestartPolicy, ScaleToZero, ServiceSpec } from '../ukc/types.js'
import type { Where } from './problems.js'
import { bool, int, list, obj, opt, req, str, textMap, type ReadCtx, type Reader } from './read.js'
import { handlerProblem, HANDLERS } from './services.js'
import type { PNode } from './yaml.js'

export interface DomainSpec {
  /** A subdomain of the metro's domain, or an FQDN ending in a dot. */
  name: string
}

export interface ServiceGroupSpec {
  name: string
  services: ServiceSpec[]
  domains: DomainSpec[]
  soft_limit?: number
  hard_limit?: number
  where: Where
}

export interface VolumeSpec {
  name: string
  size_mb: number
  where: Where
}

export type MountSpec =
  | { name: string; at: string; readonly: boolean }
  | { size_mb: number; at: string; readonly: boolean; name?: undefined }

export interface InstanceSpec {
  name: string
  image: string
  memory_mb?: number
  vcpus?: number
  args?: string[]
  env: Record<string, string>
  service_group?: string
  volumes: MountSpec[]
  scale_to_zero?: ScaleToZero
  restart_policy?: RestartPolicy
  features: 'delete-on-stop'[]
  /** Set on the extra instances made from `replicas`: the spec instance they copy. */
  replica_of?: string
  where: Where
}

export interface Spec {
  /** Where it came from: a file path, `spec` (inline) or `inputs` (shorthand). */
  source: string
  service_groups: ServiceGroupSpec[]
  volumes: VolumeSpec[]
  instances: InstanceSpec[]
}

const nameReader: Reader<string> = str({
  check: (v) => {
    try {
      checkName(v)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  }
})
const name: Reader<string> = (node, path, ctx) => nameReader(node, path, ctx)?.toLowerCase()

const MOUNT_RE = /^\/(?:[ a-zA-Z0-9._-]+\/?)*$/
const mountPath = str({
  check: (v) =>
    !MOUNT_RE.test(v) || /(^|\/)\.\.?(\/|$)/.test(v)
      ? `"${v}" must be an absolute path without '.' or '..' components or ':'`
      : undefined
})

const serviceReader = obj(
  {
    port: req(int({ min: 1, max: 65535 })),
    destination_port: opt(int({ min: 1, max: 65535 })),
    handlers: opt(list(str({ oneOf: HANDLERS })))
  },
  'a service'
)

const service: Reader<ServiceSpec> = (node, path, ctx) => {
  const s = serviceReader(node, path, ctx)
  if (!s) return undefined
  const out: ServiceSpec = {
    port: s.port!,
    destination_port: s.destination_port ?? s.port!,
    handlers: (s.handlers ?? []) as Handler[]
  }
  const why = handlerProblem(out)
  if (why) {
    ctx.problems.add(s.where, why, path)
    return undefined
  }
  return out
}

const SUBDOMAIN_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/
const FQDN_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.$/
const domainName = str({
  check: (v) => {
    const d = v.toLowerCase()
    if (d.endsWith('.'))
      return FQDN_RE.test(d) ? undefined : `"${v}" is not a valid fully-qualified domain name`
    if (SUBDOMAIN_RE.test(d)) return undefined
    return d.includes('.')
      ? `"${v}" looks like a domain; end it with a dot for an FQDN ("${v}.") or give one label for a subdomain of the metro domain`
      : `"${v}" is not a valid subdomain (one DNS label of at most ${MAX_LABEL_LENGTH} letters, digits and hyphens)`
  }
})

const serviceGroup = obj(
  {
    name: req(name),
    services: req(list(service, { min: 1 })),
    domains: opt(list(obj({ name: req(domainName) }, 'a domain'))),
    soft_limit: opt(int({ min: 1, max: 65535 })),
    hard_limit: opt(int({ min: 1, max: 65535 }))
  },
  'a service group'
)

const volume = obj({ name: req(name), size_mb: req(int({ min: 1, max: 1048576 })) }, 'a volume')

const mountReader = obj(
  {
    name: opt(name),
    size_mb: opt(int({ min: 1, max: 1048576 })),
    at: req(mountPath),
    readonly: opt(bool)
  },
  'a volume mount'
)
const mount: Reader<MountSpec> = (node, path, ctx) => {
  const m = mountReader(node, path, ctx)
  if (!m) return undefined
  if ((m.name === undefined) === (m.size_mb === undefined)) {
    ctx.problems.add(
      m.where,
      "give either 'name' (a volume of the spec or the account) or 'size_mb' (a new volume that lives with the instance)",
      path
    )
    return undefined
  }
  return m.name !== undefined
    ? { name: m.name, at: m.at!, readonly: m.readonly ?? false }
    : { size_mb: m.size_mb!, at: m.at!, readonly: m.readonly ?? false }
}

/** YAML 1.2 reads `on`/`off` as text, as the API wants them. */
const scaleToZero = obj(
  {
    policy: req(str({ oneOf: ['on', 'off', 'idle'] })),
    stateful: opt(bool),
    cooldown_time_ms: opt(int({ min: 0, max: 86400000 }))
  },
  'scale_to_zero'
)

const instance = obj(
  {
    name: req(name),
    image: req(
      str({
        check: (v) =>
          /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(v)
            ? undefined
            : `"${v}" is not an image reference such as myorg/app:latest`
      })
    ),
    memory_mb: opt(int({ min: 16, max: 1048576 })),
    vcpus: opt(int({ min: 1, max: 64 })),
    args: opt(list(str(), { max: 253 })),
    env: opt(textMap),
    service_group: opt(name),
    volumes: opt(list(mount, { max: 253 })),
    scale_to_zero: opt(scaleToZero),
    restart_policy: opt(str({ oneOf: ['never', 'always', 'on-failure'] })),
    features: opt(list(str({ oneOf: ['delete-on-stop'] }))),
    replicas: opt(int({ min: 0, max: 253 }))
  },
  'an instance'
)

const document = obj(
  {
    service_groups: opt(list(serviceGroup)),
    volumes: opt(list(volume)),
    instances: opt(list(instance))
  },
  'the spec'
)

/** Reads a whole document; returns undefined when any problem was recorded. */
export function readSpec(root: PNode, source: string, ctx: ReadCtx): Spec | undefined {
  const doc = document(root, '', ctx)
  if (!doc) return undefined
  const spec: Spec = {
    source,
    service_groups: (doc.service_groups ?? []).map((g) => ({
      name: g.name!,
      services: g.services!,
      domains: (g.domains ?? []).map((d) => ({ name: d.name!.toLowerCase() })),
      soft_limit: g.soft_limit,
      hard_limit: g.hard_limit,
      where: g.where
    })),
    volumes: (doc.volumes ?? []).map((v) => ({
      name: v.name!,
      size_mb: v.size_mb!,
      where: v.where
    })),
    instances: (doc.instances ?? []).flatMap((i) => {
      const base: InstanceSpec = {
        name: i.name!,
        image: i.image!,
        memory_mb: i.memory_mb,
        vcpus: i.vcpus,
        args: i.args,
        env: i.env ?? {},
        service_group: i.service_group,
        volumes: i.volumes ?? [],
        scale_to_zero: i.scale_to_zero as ScaleToZero | undefined,
        restart_policy: i.restart_policy as RestartPolicy | undefined,
        features: (i.features ?? []) as 'delete-on-stop'[],
        where: i.where
      }
      return [
        base,
        ...Array.from({ length: i.replicas ?? 0 }, (_, n) => ({
          ...base,
          name: `${base.name}-${n + 1}`,
          replica_of: base.name
        }))
      ]
    })
  }
  return spec
}
