/**
 * The spec file (PRODUCT.md, "The spec file"): field names are the API's own. This module
 * reads a parsed document into typed, checked objects; every problem names file:line.
 */
import { MAX_LABEL_LENGTH } from '../ukc/names.js'
import { checkName } from '../ukc/names.js'
import type {
  AutoscalePolicy,
  Handler,
  RestartPolicy,
  ScaleToZero,
  ServiceSpec
} from '../ukc/types.js'
import type { Where } from './problems.js'
import {
  bool,
  excerpt,
  int,
  list,
  obj,
  opt,
  req,
  str,
  textMap,
  type ReadCtx,
  type Reader
} from './read.js'
import { handlerProblem, HANDLERS } from './services.js'
import type { PNode } from './yaml.js'

export interface DomainSpec {
  /** A subdomain of the metro's domain, or an FQDN ending in a dot. */
  name: string
  /** A certificate by name (the spec's, or one already uploaded); FQDNs only. */
  certificate?: string
}

export interface AutoscaleSpec {
  /**
   * The spec instance autoscale clones (the API's `master`, an instance in the group);
   * defaults to the spec's first instance in the group.
   */
  master?: string
  min_size?: number
  max_size?: number
  warmup_time_ms?: number
  cooldown_time_ms?: number
  policies: AutoscalePolicy[]
}

export interface ServiceGroupSpec {
  name: string
  services: ServiceSpec[]
  domains: DomainSpec[]
  soft_limit?: number
  hard_limit?: number
  autoscale?: AutoscaleSpec
  where: Where
}

/** A TLS certificate to upload: PEM text (from ${VAR}) or a file in the workspace. */
export interface CertificateSpec {
  name: string
  cn: string
  chain?: string
  pkey?: string
  chain_file?: string
  pkey_file?: string
  where: Where
}

/**
 * [N] How many instances may attach a volume (new-platform-primitives.md: `rwo` one, the
 * default; `rox` any number, read-only). The classic API attaches one instance at a time.
 */
export const ACCESS_MODES = ['rwo', 'rox'] as const
export type AccessMode = (typeof ACCESS_MODES)[number]

export interface VolumeSpec {
  name: string
  size_mb: number
  /** Undefined: the platform's default (`rwo`). */
  access_mode?: AccessMode
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
  certificates: CertificateSpec[]
  service_groups: ServiceGroupSpec[]
  volumes: VolumeSpec[]
  instances: InstanceSpec[]
  /** Certificates a preview left unread (production's): named in a notice. */
  leftOutCertificates?: string[]
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
      ? `${excerpt(v)} must be an absolute path without '.' or '..' components or ':'`
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
      return FQDN_RE.test(d)
        ? undefined
        : `${excerpt(v)} is not a valid fully-qualified domain name`
    if (SUBDOMAIN_RE.test(d)) return undefined
    return d.includes('.')
      ? `${excerpt(v)} looks like a domain; end it with a dot for an FQDN ("${v}.") or give one label for a subdomain of the metro domain`
      : `${excerpt(v)} is not a valid subdomain (one DNS label of at most ${MAX_LABEL_LENGTH} letters, digits and hyphens)`
  }
})

const stepReader = obj(
  { lower_bound: opt(int()), upper_bound: opt(int()), adjustment: req(int()) },
  'a step'
)
const policyReader = obj(
  {
    name: req(
      str({
        check: (v) =>
          /^[A-Za-z0-9_-]{1,63}$/.test(v)
            ? undefined
            : `${excerpt(v)} is not a policy name (letters, digits, _ and -)`
      })
    ),
    type: req(str({ oneOf: ['step', 'on_demand'] })),
    metric: opt(str({ oneOf: ['cpu', 'inflight_reqs', 'reqs_per_sec'] })),
    adjustment_type: opt(str({ oneOf: ['change', 'exact', 'percent'] })),
    steps: opt(list(stepReader, { min: 1, max: 4 })),
    exclusive: opt(bool)
  },
  'an autoscale policy'
)

/** The API's step rules, checked here so a spec it would refuse fails before any request. */
const policy: Reader<AutoscalePolicy> = (node, path, ctx) => {
  const p = policyReader(node, path, ctx)
  if (!p) return undefined
  const fail = (why: string): undefined => void ctx.problems.add(p.where, why, path)
  if (p.type === 'on_demand') {
    if (p.metric || p.adjustment_type || p.steps)
      return fail(
        "metric, adjustment_type and steps belong to step policies; an on_demand policy has only 'exclusive'"
      )
    return {
      name: p.name!,
      type: 'on_demand',
      ...(p.exclusive !== undefined ? { exclusive: p.exclusive } : {})
    }
  }
  if (!p.metric || !p.adjustment_type || !p.steps)
    return fail("a step policy needs 'metric', 'adjustment_type' and 'steps'")
  const steps = p.steps
  for (const [i, s] of steps.entries()) {
    const lo = s.lower_bound
    const hi = s.upper_bound
    if (lo === undefined && hi === undefined)
      return fail(`steps[${i}] needs a lower_bound or an upper_bound`)
    if (lo !== undefined && hi !== undefined && lo >= hi)
      return fail(`steps[${i}]: lower_bound (${lo}) must be below upper_bound (${hi})`)
    const before = steps[i - 1]
    if (before && (before.upper_bound === undefined || lo !== before.upper_bound))
      return fail(
        `steps[${i}] must start where steps[${i - 1}] ends (sorted, no gaps, no overlaps; only the first and last may be open)`
      )
  }
  return {
    name: p.name!,
    type: 'step',
    metric: p.metric as 'cpu',
    adjustment_type: p.adjustment_type as 'change',
    steps: steps.map((s) => ({
      ...(s.lower_bound !== undefined ? { lower_bound: s.lower_bound } : {}),
      ...(s.upper_bound !== undefined ? { upper_bound: s.upper_bound } : {}),
      adjustment: s.adjustment!
    }))
  }
}

const autoscale = obj(
  {
    master: opt(name),
    min_size: opt(int({ min: 0, max: 1000 })),
    max_size: opt(int({ min: 0, max: 1000 })),
    warmup_time_ms: opt(int({ min: 1 })),
    cooldown_time_ms: opt(int({ min: 1 })),
    policies: opt(list(policy, { max: 8 }))
  },
  'autoscale'
)

const serviceGroup = obj(
  {
    name: req(name),
    services: req(list(service, { min: 1 })),
    domains: opt(list(obj({ name: req(domainName), certificate: opt(name) }, 'a domain'))),
    soft_limit: opt(int({ min: 1, max: 65535 })),
    hard_limit: opt(int({ min: 1, max: 65535 })),
    autoscale: opt(autoscale)
  },
  'a service group'
)

const PEM_CERT = /^-----BEGIN CERTIFICATE-----/
const PEM_KEY = /^-----BEGIN PRIVATE KEY-----/
const certificate = obj(
  {
    name: req(name),
    cn: req(
      str({
        check: (v) =>
          /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i.test(v)
            ? undefined
            : `${excerpt(v)} is not a domain name`
      })
    ),
    chain: opt(
      str({
        check: (v) =>
          PEM_CERT.test(v.trim())
            ? undefined
            : 'must be PEM text starting with -----BEGIN CERTIFICATE-----'
      })
    ),
    pkey: opt(
      str({
        check: (v) =>
          PEM_KEY.test(v.trim())
            ? undefined
            : 'must be PEM text starting with -----BEGIN PRIVATE KEY----- (PKCS#8)'
      })
    ),
    chain_file: opt(str()),
    pkey_file: opt(str())
  },
  'a certificate'
)

const volume = obj(
  {
    name: req(name),
    size_mb: req(int({ min: 1, max: 1048576 })),
    access_mode: opt(str({ oneOf: ACCESS_MODES }))
  },
  'a volume'
)

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

const IMAGE_REPO = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/i
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

/**
 * What is wrong with an image reference, if anything: `[registry/]user/app[:tag]` or a pin
 * `user/app@sha256:<64 hex>` (one `@`, as the images API writes it).
 */
export function imageProblem(v: string): string | undefined {
  const bad = `${excerpt(v)} is not an image reference such as myorg/app:latest or myorg/app@sha256:<64 hex digits>`
  const at = v.indexOf('@')
  if (at >= 0)
    return IMAGE_REPO.test(v.slice(0, at)) && /^sha256:[0-9a-f]{64}$/.test(v.slice(at + 1))
      ? undefined
      : bad
  const colon = v.lastIndexOf(':')
  const hasTag = colon > v.lastIndexOf('/')
  const repo = hasTag ? v.slice(0, colon) : v
  if (!IMAGE_REPO.test(repo.replace(/^[a-z0-9.-]+:\d+\//i, ''))) return bad
  return hasTag && !IMAGE_TAG.test(v.slice(colon + 1)) ? bad : undefined
}

const instance = obj(
  {
    name: req(name),
    image: req(str({ check: imageProblem })),
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
    certificates: opt(list(certificate)),
    service_groups: opt(list(serviceGroup)),
    volumes: opt(list(volume)),
    instances: opt(list(instance))
  },
  'the spec'
)

/** A read object without the position it was read from: what goes to the API has only API fields. */
function withoutWhere<T extends { where: Where }>(o: T): Omit<T, 'where'> {
  const { where: _where, ...rest } = o
  return rest
}

/** Reads a whole document; returns undefined when any problem was recorded. */
export function readSpec(root: PNode, source: string, ctx: ReadCtx): Spec | undefined {
  const doc = document(root, '', ctx)
  if (!doc) return undefined
  const spec: Spec = {
    source,
    service_groups: (doc.service_groups ?? []).map((g) => ({
      name: g.name!,
      services: g.services!,
      domains: (g.domains ?? []).map((d) => ({
        name: d.name!.toLowerCase(),
        ...(d.certificate ? { certificate: d.certificate } : {})
      })),
      soft_limit: g.soft_limit,
      hard_limit: g.hard_limit,
      autoscale: g.autoscale
        ? { ...withoutWhere(g.autoscale), policies: g.autoscale.policies ?? [] }
        : undefined,
      where: g.where
    })),
    certificates: (doc.certificates ?? []).map((c) => ({
      name: c.name!,
      cn: c.cn!.toLowerCase().replace(/\.$/, ''),
      chain: c.chain,
      pkey: c.pkey,
      chain_file: c.chain_file,
      pkey_file: c.pkey_file,
      where: c.where
    })),
    volumes: (doc.volumes ?? []).map((v) => ({
      name: v.name!,
      size_mb: v.size_mb!,
      ...(v.access_mode ? { access_mode: v.access_mode as AccessMode } : {}),
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
        scale_to_zero: i.scale_to_zero ? (withoutWhere(i.scale_to_zero) as ScaleToZero) : undefined,
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
  for (const g of spec.service_groups)
    if (g.autoscale && g.autoscale.master === undefined)
      g.autoscale.master = spec.instances.find((i) => i.service_group === g.name)?.name
  return spec
}
