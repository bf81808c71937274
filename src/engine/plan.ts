/**
 * Desired (the spec) against actual (what the API holds): per object, create, keep, replace
 * (and how), or refuse — each kind's own planner (kinds/), composed. Pure: no requests, so
 * `plan` and `deploy` decide exactly alike.
 */
import { externalRefs } from '../spec/check.js'
import type { Spec } from '../spec/schema.js'
import type { Dialect } from '../ukc/generation.js'
import { createRequest } from './create.js'
import { planAutoscale, type AutoscalePlan } from './kinds/autoscale.js'
import { planCertificates, type CertificatePlan } from './kinds/certificate.js'
import { planInstances, type InstancePlan } from './kinds/instance.js'
import { planGroups, type GroupPlan } from './kinds/service-group.js'
import { planTemplates, type TemplatePlan } from './kinds/template.js'
import { planVolumes, type VolumePlan } from './kinds/volume.js'
import type { Actual } from './observe.js'
import { byCreateOrder } from './order.js'
import { leftoverSurges, type Leftover } from './rollout.js'
import type { PlanEntry } from './types.js'

export type { InstancePlan } from './kinds/instance.js'

export interface DeployPlan {
  certificates: CertificatePlan[]
  groups: GroupPlan[]
  volumes: VolumePlan[]
  instances: InstancePlan[]
  /** [N] The instance templates autoscale clones (none on classic). */
  templates: TemplatePlan[]
  autoscale: AutoscalePlan[]
  /** Surges an interrupted rollout left behind; deploy removes them. */
  leftovers: Leftover[]
  /** Problems that stop the deploy before any write (a missing external group, ...). */
  blockers: string[]
}

/** References to objects the spec does not define and the account does not have. */
function missingReferences(spec: Spec, actual: Actual): string[] {
  const blockers: string[] = []
  const groups = new Set([...spec.service_groups.map((g) => g.name), ...actual.groups.keys()])
  const volumes = new Set([...spec.volumes.map((v) => v.name), ...actual.volumes.keys()])
  for (const inst of spec.instances) {
    if (inst.service_group && !groups.has(inst.service_group))
      blockers.push(
        `instance '${inst.name}': service group '${inst.service_group}' is neither in the spec nor in the account`
      )
    for (const m of inst.volumes)
      if (m.name !== undefined && !volumes.has(m.name))
        blockers.push(
          `instance '${inst.name}': volume '${m.name}' is neither in the spec nor in the account`
        )
  }
  for (const name of externalRefs(spec).certificates)
    if (!actual.certificates.has(name))
      blockers.push(`certificate '${name}' is neither in the spec nor in the account`)
  return blockers
}

/** What the API this client speaks refuses that the spec would send (ukc/generation.ts). */
export type PlatformRules = Pick<
  Dialect,
  'refuseCreate' | 'autoscaleClones' | 'refuseVolume' | 'sharesReadOnlyVolumes'
>

const WRITES: readonly string[] = ['create', 'replace']

/** The writes this plan makes that the platform would refuse, said before any of them is sent. */
function platformRefusals(
  { instances, volumes }: Pick<DeployPlan, 'instances' | 'volumes'>,
  rules: PlatformRules
): string[] {
  const out: string[] = []
  // Every volume of the spec, made or not: a field the platform lacks is refused either way.
  for (const p of volumes) {
    const why = rules.refuseVolume({ name: p.name, size_mb: p.sizeMb, access_mode: p.accessMode })
    if (why) out.push(`volume '${p.name}': ${why}`)
  }
  for (const p of instances.filter((x) => WRITES.includes(x.action))) {
    const why = rules.refuseCreate(createRequest(p.spec, p.digest))
    if (why) out.push(`instance '${p.name}': ${why}`)
  }
  return out
}

export function planDeploy(
  spec: Spec,
  actual: Actual,
  strategy: 'rolling' | 'recreate',
  rules?: PlatformRules
): DeployPlan {
  const instances = planInstances(spec, actual, strategy, rules?.sharesReadOnlyVolumes)
  const volumes = planVolumes(spec, actual)
  // Classic autoscale clones the master, and replacing it resets autoscale; the new
  // platform's clones a template, made from the master's create body.
  const templated = rules?.autoscaleClones === 'template'
  const templates = templated
    ? planTemplates(spec, actual, instances)
    : { templates: [], wanted: undefined, blockers: [] }
  const replaced = templated
    ? new Set<string>()
    : new Set(instances.filter((p) => p.action === 'replace').map((p) => p.name))
  const autoscale = planAutoscale(spec, actual, replaced, templates.wanted)
  return {
    certificates: planCertificates(spec, actual),
    groups: planGroups(spec, actual),
    volumes,
    instances,
    templates: templates.templates,
    autoscale,
    leftovers: leftoverSurges(
      spec.instances.map((i) => i.name),
      actual.instanceNames
    ),
    blockers: [
      ...missingReferences(spec, actual),
      ...templates.blockers,
      ...(rules ? platformRefusals({ instances, volumes }, rules) : [])
    ]
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
    ...plan.templates,
    ...plan.instances
  ]).map(strip)
}
