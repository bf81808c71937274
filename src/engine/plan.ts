/**
 * Desired (the spec) against actual (what the API holds): per object, create, keep, replace
 * (and how), or refuse — each kind's own planner (kinds/), composed. Pure: no requests, so
 * `plan` and `deploy` decide exactly alike.
 */
import { externalRefs } from '../spec/check.js'
import type { Spec } from '../spec/schema.js'
import { planAutoscale, type AutoscalePlan } from './kinds/autoscale.js'
import { planCertificates, type CertificatePlan } from './kinds/certificate.js'
import { planInstances, type InstancePlan } from './kinds/instance.js'
import { planGroups, type GroupPlan } from './kinds/service-group.js'
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

export function planDeploy(
  spec: Spec,
  actual: Actual,
  strategy: 'rolling' | 'recreate'
): DeployPlan {
  const instances = planInstances(spec, actual, strategy)
  const replaced = new Set(instances.filter((p) => p.action === 'replace').map((p) => p.name))
  return {
    certificates: planCertificates(spec, actual),
    groups: planGroups(spec, actual),
    volumes: planVolumes(spec, actual),
    instances,
    autoscale: planAutoscale(spec, actual, replaced),
    leftovers: leftoverSurges(
      spec.instances.map((i) => i.name),
      actual.instanceNames
    ),
    blockers: missingReferences(spec, actual)
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
