/**
 * Service groups (ukc-api.md §7): created once with their services and domains, which the API
 * cannot change afterwards — a group that differs from its spec is a conflict, never an update.
 */
import type { ServiceGroupSpec, Spec } from '../../spec/schema.js'
import type { NewServiceGroup, ServiceGroup } from '../../ukc/types.js'
import { expiryOf, GROUP_AUTOKILL_MS } from '../lifetime.js'
import type { DeployContext } from '../context.js'
import { createNamed } from '../create.js'
import { byName, type Actual } from '../observe.js'
import type { PlanEntry } from '../types.js'
import { sameList } from '../same.js'

export type GroupPlan = PlanEntry & { kind: 'service_group'; spec: ServiceGroupSpec }

/** Why an existing group cannot serve as the spec's, if it cannot. */
export function groupConflict(want: ServiceGroupSpec, have: ServiceGroup): string | undefined {
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

/** Per group: create, keep, or refuse (the API has no update). */
export function planGroups(spec: Spec, actual: Actual): GroupPlan[] {
  return spec.service_groups.map((g) => {
    const base = { kind: 'service_group' as const, name: g.name, spec: g }
    const have = actual.groups.get(g.name)
    if (!have) return { ...base, action: 'create', reason: 'new' }
    const conflict = groupConflict(g, have)
    if (conflict) return { ...base, action: 'conflict', reason: conflict }
    return { ...base, action: 'unchanged', reason: 'exists with the same services and domains' }
  })
}

/**
 * The create body: the spec's group, domains naming their certificates; [N] a preview's with
 * an autokill, so the platform deletes it once its instances expired (lifetime.ts).
 */
function createBody(g: ServiceGroupSpec, expires: boolean): NewServiceGroup & { name: string } {
  return {
    ...(expires ? { autokill: { time_ms: GROUP_AUTOKILL_MS } } : {}),
    name: g.name,
    services: g.services,
    ...(g.domains.length > 0
      ? {
          domains: g.domains.map((d) => ({
            name: d.name,
            ...(d.certificate ? { certificate: { name: d.certificate } } : {})
          }))
        }
      : {}),
    ...(g.soft_limit !== undefined ? { soft_limit: g.soft_limit } : {}),
    ...(g.hard_limit !== undefined ? { hard_limit: g.hard_limit } : {})
  }
}

/**
 * Phase: the new groups, one create each (the API's shape), all at once; a group whose
 * domain names a certificate that did not make it is not created.
 */
export async function createGroups(ctx: DeployContext): Promise<void> {
  const { client, log, progress } = ctx
  const { ledger, notes } = progress
  const usable = ctx.plan.groups
    .filter((g) => g.action === 'create')
    .map((g) => g.spec)
    .filter((g) => {
      const bad = g.domains.find(
        (d) => d.certificate && ledger.failed('certificate', d.certificate)
      )
      if (bad)
        ledger.fail('service_group', g.name, `its certificate '${bad.certificate}' is not usable`)
      return !bad
    })
  if (usable.length === 0) return
  const made = await log.group(`Creating ${usable.length} service group(s)`, () =>
    createNamed(
      usable.map((g) => createBody(g, expiryOf(ctx.opts, client) !== undefined)),
      (g) => g.name,
      (group) => client.services.create(group),
      async (names) =>
        byName(await client.services.get(names.map((name) => ({ name }))), 'service groups'),
      log
    )
  )
  for (const [name, r] of made) {
    if (r.adopted) notes.push(`service group '${name}': ${r.adopted}`)
    if (!r.value) {
      ledger.fail('service_group', name, `create failed: ${r.error}`)
      continue
    }
    ctx.madeGroups.push(r.value)
    ledger.fromGroup(name, r.value, {
      action: r.ours ? 'created' : 'unchanged',
      createdByRun: r.ours
    })
  }
}
