/**
 * Desired (the spec) against actual (what the API holds): per object, create, keep, replace
 * (and how), or refuse. Pure: no requests, so `plan` and `deploy` decide exactly alike.
 */
import type { InstanceSpec, ServiceGroupSpec, Spec } from '../spec/schema.js'
import { normaliseImageRef, shortPin } from '../ukc/images.js'
import type { Instance, ServiceGroup } from '../ukc/types.js'
import { planAutoscale, type AutoscalePlan } from './autoscale.js'
import { planCertificates } from './certificates.js'
import type { Actual } from './observe.js'
import { byCreateOrder } from './order.js'
import { externalRefs } from '../spec/check.js'
import { PREVIEW_ENV } from '../spec/preview.js'
import type { PlanEntry } from './types.js'

/** API defaults, so that leaving a field out of the spec is not a change (ukc-api.md §6.5). */
const DEFAULTS = { memory_mb: 128, vcpus: 1, restart_policy: 'never', cooldown_time_ms: 1000 }

export interface InstancePlan extends PlanEntry {
  kind: 'instance'
  spec: InstanceSpec
  actual?: Instance
  /** The pinned reference (`user/app@sha256:…`) the new instance will run. */
  digest?: string
}

export interface DeployPlan {
  certificates: ReturnType<typeof planCertificates>
  autoscale: AutoscalePlan[]
  volumes: PlanEntry[]
  groups: (PlanEntry & { spec?: ServiceGroupSpec })[]
  instances: InstancePlan[]
  /** Problems that stop the deploy before any write (a missing external group, ...). */
  blockers: string[]
}

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b)

function stz(
  s: { policy?: string; stateful?: boolean; cooldown_time_ms?: number } | undefined
): string {
  if (!s || s.policy === 'off' || s.policy === undefined) return 'off'
  return `${s.policy}/${s.stateful ? 'stateful' : 'stateless'}/${s.cooldown_time_ms ?? DEFAULTS.cooldown_time_ms}ms`
}

/** What differs between an instance and its spec; env changes name keys, never values. */
export function instanceChanges(
  want: InstanceSpec,
  have: Instance,
  digest: string | undefined
): string[] {
  const changes: string[] = []
  // Both sides are full pinned references (`user/app@sha256:…`), as the API reports them.
  if (digest && normaliseImageRef(have.image) !== normaliseImageRef(digest))
    changes.push(`image ${want.image} → ${shortPin(digest)} (running ${shortPin(have.image)})`)
  if ((want.memory_mb ?? DEFAULTS.memory_mb) !== (have.memory_mb ?? DEFAULTS.memory_mb))
    changes.push(`memory_mb ${have.memory_mb} → ${want.memory_mb ?? DEFAULTS.memory_mb}`)
  if ((want.vcpus ?? DEFAULTS.vcpus) !== (have.vcpus ?? DEFAULTS.vcpus))
    changes.push(`vcpus ${have.vcpus} → ${want.vcpus ?? DEFAULTS.vcpus}`)
  if (want.args !== undefined && !sameList(want.args, have.args ?? [])) changes.push('args')
  const haveEnv = have.env ?? {}
  const envKeys = [...new Set([...Object.keys(want.env), ...Object.keys(haveEnv)])]
    .filter((k) => want.env[k] !== haveEnv[k])
    .sort()
  if (envKeys.length > 0) changes.push(`env (${envKeys.join(', ')})`)
  if (
    (want.restart_policy ?? DEFAULTS.restart_policy) !==
    (have.restart_policy ?? DEFAULTS.restart_policy)
  )
    changes.push(
      `restart_policy ${have.restart_policy} → ${want.restart_policy ?? DEFAULTS.restart_policy}`
    )
  if (stz(want.scale_to_zero) !== stz(have.scale_to_zero))
    changes.push(`scale_to_zero ${stz(have.scale_to_zero)} → ${stz(want.scale_to_zero)}`)
  if ((want.service_group ?? '') !== (have.service_group?.name ?? ''))
    changes.push(
      `service_group ${have.service_group?.name ?? '(none)'} → ${want.service_group ?? '(none)'}`
    )
  const wantVols = want.volumes
    .map((v) =>
      v.name !== undefined ? `${v.name}:${v.at}:${v.readonly}` : `new:${v.at}:${v.readonly}`
    )
    .sort()
  const haveVols = (have.volumes ?? [])
    .map((v) =>
      want.volumes.some((w) => w.name === v.name)
        ? `${v.name}:${v.at}:${v.readonly}`
        : `new:${v.at}:${v.readonly}`
    )
    .sort()
  if (!sameList(wantVols, haveVols)) changes.push('volumes')
  // The classic API does not report `features` (ukc-api.md §0.1): only an answer that carries
  // them can show a change; their absence is not one.
  if (
    have.features !== undefined &&
    want.features.includes('delete-on-stop') !== have.features.includes('delete-on-stop')
  )
    changes.push('features')
  return changes
}

/** Why an instance must be replaced by recreate rather than a rolling surge, if it must. */
function recreateReason(want: InstanceSpec, strategy: 'rolling' | 'recreate'): string | undefined {
  if (strategy === 'recreate') return 'strategy: recreate'
  if (!want.service_group)
    return 'not in a service group: no traffic to keep serving, so it is stopped, deleted and created'
  const rw = want.volumes.find((v) => v.name !== undefined && !v.readonly)
  if (rw) return `volume '${rw.name}' is mounted read-write and attaches to one instance at a time`
  return undefined
}

function groupConflict(want: ServiceGroupSpec, have: ServiceGroup): string | undefined {
  const norm = (s: { port: number; destination_port?: number; handlers?: string[] }) =>
    `${s.port}:${s.destination_port ?? s.port}/${[...(s.handlers ?? [])].sort().join('+')}`
  const wantServices = want.services.map(norm).sort()
  const haveServices = (have.services ?? []).map(norm).sort()
  if (!sameList(wantServices, haveServices))
    return `it publishes ${haveServices.join(', ') || 'nothing'} but the spec says ${wantServices.join(', ')}; the API cannot change published ports, so delete the group (command: delete) or give it a new name`
  const fqdns = (have.domains ?? []).map((d) => d.fqdn)
  const missing = want.domains.filter(
    (d) =>
      !fqdns.some((f) =>
        d.name.endsWith('.') ? f === d.name.slice(0, -1) : f.startsWith(`${d.name}.`)
      )
  )
  if (missing.length > 0)
    return `it serves ${fqdns.join(', ') || 'no domain'} but the spec also wants ${missing.map((d) => d.name).join(', ')}; domains are set when a group is created`
  return undefined
}

export function planDeploy(
  spec: Spec,
  actual: Actual,
  strategy: 'rolling' | 'recreate'
): DeployPlan {
  const blockers: string[] = []
  const volumes: PlanEntry[] = spec.volumes.map((v) => {
    const have = actual.volumes.get(v.name)
    if (!have)
      return { kind: 'volume', name: v.name, action: 'create', reason: `new, ${v.size_mb} MiB` }
    const note =
      have.size_mb !== undefined && have.size_mb !== v.size_mb
        ? ` (it has ${have.size_mb} MiB; the spec says ${v.size_mb}; sizes are fixed at creation)`
        : ''
    return { kind: 'volume', name: v.name, action: 'unchanged', reason: `exists${note}` }
  })
  const groups = spec.service_groups.map((g) => {
    const have = actual.groups.get(g.name)
    if (!have)
      return {
        kind: 'service_group' as const,
        name: g.name,
        action: 'create' as const,
        reason: 'new',
        spec: g
      }
    const conflict = groupConflict(g, have)
    if (conflict)
      return {
        kind: 'service_group' as const,
        name: g.name,
        action: 'conflict' as const,
        reason: conflict,
        spec: g
      }
    return {
      kind: 'service_group' as const,
      name: g.name,
      action: 'unchanged' as const,
      reason: 'exists with the same services and domains',
      spec: g
    }
  })
  const specGroups = new Set(spec.service_groups.map((g) => g.name))
  const specVolumes = new Set(spec.volumes.map((v) => v.name))
  for (const inst of spec.instances) {
    if (
      inst.service_group &&
      !specGroups.has(inst.service_group) &&
      !actual.groups.has(inst.service_group)
    )
      blockers.push(
        `instance '${inst.name}': service group '${inst.service_group}' is neither in the spec nor in the account`
      )
    for (const m of inst.volumes) {
      if (m.name !== undefined && !specVolumes.has(m.name) && !actual.volumes.has(m.name))
        blockers.push(
          `instance '${inst.name}': volume '${m.name}' is neither in the spec nor in the account`
        )
    }
  }
  const instances: InstancePlan[] = spec.instances.map((want) => {
    const have = actual.instances.get(want.name)
    const digest = actual.digests.get(want.image)
    const base = { kind: 'instance' as const, name: want.name, spec: want, actual: have, digest }
    const imageError = actual.imageErrors.get(want.image)
    if (!have && !digest && imageError)
      return {
        ...base,
        action: 'conflict',
        reason: `image ${want.image} not found (${imageError}); nothing can be created from it`
      }
    if (!have)
      return {
        ...base,
        action: 'create',
        reason: digest ? `new, image ${shortPin(digest)}` : 'new'
      }
    // A preview never takes over an instance another repository's (or PR's) preview made.
    const marker = want.env[PREVIEW_ENV]
    if (marker !== undefined && have.env?.[PREVIEW_ENV] !== marker)
      return {
        ...base,
        action: 'conflict',
        reason: `an instance of this name exists but is not this preview's (its ${PREVIEW_ENV} is ${have.env?.[PREVIEW_ENV] ? `'${have.env[PREVIEW_ENV]}'` : 'not set'}, this preview is '${marker}'); it is left alone`
      }
    if (!digest) {
      const why = actual.imageErrors.get(want.image) ?? 'the registry does not know it'
      return {
        ...base,
        action: 'conflict',
        reason: `image '${want.image}' cannot be resolved to a digest (${why}); the running instance is left as it is`
      }
    }
    const changes = instanceChanges(want, have, digest)
    // A right instance that is stopped is not up (standby is how scale-to-zero rests).
    if (changes.length === 0 && have.state === 'stopped')
      return {
        ...base,
        action: 'start',
        reason: 'config and image digest match, but it is stopped; deploy starts it'
      }
    if (changes.length === 0)
      return { ...base, action: 'unchanged', reason: 'config and image digest match' }
    const why = recreateReason(want, strategy)
    return {
      ...base,
      action: 'replace',
      changes,
      strategy: why ? 'recreate' : 'rolling',
      reason: `${changes.join('; ')} — ${why ? `recreate (${why})` : 'rolling: surge instance, then replace in place'}`
    }
  })
  for (const name of externalRefs(spec).certificates)
    if (!actual.certificates.has(name))
      blockers.push(`certificate '${name}' is neither in the spec nor in the account`)
  return {
    certificates: planCertificates(spec, actual),
    autoscale: planAutoscale(
      spec,
      actual,
      new Set(instances.filter((p) => p.action === 'replace').map((p) => p.name))
    ),
    volumes,
    groups,
    instances,
    blockers
  }
}

/** The plan as the `plan` output shows it. */
export function planEntries(plan: DeployPlan): PlanEntry[] {
  const strip = ({ kind, name, action, reason, strategy, changes }: PlanEntry): PlanEntry => ({
    kind,
    name,
    action,
    reason,
    ...(strategy ? { strategy } : {}),
    ...(changes ? { changes } : {})
  })
  return byCreateOrder([
    ...plan.certificates,
    ...plan.groups,
    ...plan.autoscale,
    ...plan.volumes,
    ...plan.instances
  ]).map(strip)
}
