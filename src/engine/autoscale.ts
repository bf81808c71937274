/**
 * Autoscale of a spec's service groups (ukc-api.md §9): configured, or replaced when it
 * differs (the API has no update), or reset when the spec no longer asks for it.
 */
import type { AutoscaleSpec, Spec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { describeItem, type ItemResult } from '../ukc/envelope.js'
import { ErrorCode } from '../ukc/errors.js'
import type { AutoscaleConfig } from '../ukc/types.js'
import type { Progress } from './ledger.js'
import type { Actual } from './observe.js'
import type { Logger, PlanEntry } from './types.js'

const DEFAULTS = { min_size: 1, max_size: 4, warmup_time_ms: 1000, cooldown_time_ms: 1000 }

/** The comparable shape of a configuration, defaults filled, policies sorted, echoes dropped. */
function canonical(a: Partial<AutoscaleSpec> & { policies?: unknown[] }): string {
  const policies = (a.policies ?? [])
    .map((p) =>
      Object.fromEntries(
        Object.entries(p as unknown as Record<string, unknown>).filter(
          ([k]) => k !== 'enabled' && k !== 'status'
        )
      )
    )
    .sort((x, y) => String(x.name).localeCompare(String(y.name)))
  return JSON.stringify({
    min_size: a.min_size ?? DEFAULTS.min_size,
    max_size: a.max_size ?? DEFAULTS.max_size,
    warmup_time_ms: a.warmup_time_ms ?? DEFAULTS.warmup_time_ms,
    cooldown_time_ms: a.cooldown_time_ms ?? DEFAULTS.cooldown_time_ms,
    policies
  })
}

const describe = (a: Partial<AutoscaleSpec>): string =>
  `${a.min_size ?? DEFAULTS.min_size}..${a.max_size ?? DEFAULTS.max_size} instances, ${a.policies?.length ?? 0} polic${a.policies?.length === 1 ? 'y' : 'ies'}`

export function planAutoscale(
  spec: Spec,
  actual: Actual
): (PlanEntry & { want?: AutoscaleSpec })[] {
  const out: (PlanEntry & { want?: AutoscaleSpec })[] = []
  for (const g of spec.service_groups) {
    const want = g.autoscale
    const have: AutoscaleConfig | undefined = actual.autoscale.get(g.name)
    const on = have?.enabled === true
    const base = { kind: 'autoscale' as const, name: g.name, want }
    if (want && !on) out.push({ ...base, action: 'create', reason: `new: ${describe(want)}` })
    else if (want && on && canonical(want) !== canonical(have!))
      out.push({
        ...base,
        action: 'replace',
        reason: `${describe(have as Partial<AutoscaleSpec>)} → ${describe(want)} (the API has no update: removed and configured anew)`
      })
    else if (want) out.push({ ...base, action: 'unchanged', reason: describe(want) })
    else if (on)
      out.push({
        ...base,
        action: 'delete',
        reason: 'the spec no longer configures autoscale for this group'
      })
  }
  return out
}

function explain(item: ItemResult<unknown>, group: string): string {
  if (item.code === ErrorCode.AutoscaleDisabled)
    return `Autoscale not enabled for your account (code 28): ask Unikraft Cloud support to enable autoscale, or remove 'autoscale' from service group '${group}'`
  return describeItem(item)
}

export async function applyAutoscale(
  client: UkcClient,
  plan: ReturnType<typeof planAutoscale>,
  log: Logger,
  { ledger }: Progress
): Promise<void> {
  for (const p of plan)
    if (p.action === 'unchanged')
      ledger.set('autoscale', p.name, { action: 'unchanged', state: p.reason })
  const reset = plan.filter(
    (p) =>
      (p.action === 'replace' || p.action === 'delete') && !ledger.failed('service_group', p.name)
  )
  const configure = plan.filter(
    (p) =>
      (p.action === 'create' || p.action === 'replace') && !ledger.failed('service_group', p.name)
  )
  for (const p of plan.filter(
    (x) => x.action !== 'unchanged' && ledger.failed('service_group', x.name)
  ))
    ledger.fail('autoscale', p.name, `its service group '${p.name}' is not usable`)
  if (reset.length + configure.length === 0) return
  await log.group('Configuring autoscale', async () => {
    if (reset.length > 0) {
      const r = await client.autoscale.delete(reset.map((p) => ({ name: p.name })))
      reset.forEach((p, i) => {
        const item = r.items[i]
        if (item?.ok || item?.code === ErrorCode.AutoscaleNotConfigured) {
          if (p.action === 'delete')
            ledger.set('autoscale', p.name, { action: 'deleted', state: 'off' })
        } else ledger.fail('autoscale', p.name, item ? explain(item, p.name) : 'no answer')
      })
    }
    const ready = configure.filter((p) => !ledger.failed('autoscale', p.name))
    const r = await client.autoscale.configure(
      ready.map((p) => ({
        name: p.name,
        ...(p.want!.min_size !== undefined ? { min_size: p.want!.min_size } : {}),
        ...(p.want!.max_size !== undefined ? { max_size: p.want!.max_size } : {}),
        ...(p.want!.warmup_time_ms !== undefined ? { warmup_time_ms: p.want!.warmup_time_ms } : {}),
        ...(p.want!.cooldown_time_ms !== undefined
          ? { cooldown_time_ms: p.want!.cooldown_time_ms }
          : {}),
        policies: p.want!.policies
      }))
    )
    ready.forEach((p, i) => {
      const item = r.items[i]
      if (item?.ok)
        ledger.set('autoscale', p.name, {
          uuid: item.value.uuid,
          action: p.action === 'create' ? 'created' : 'replaced',
          state: describe(p.want!)
        })
      else ledger.fail('autoscale', p.name, item ? explain(item, p.name) : 'no answer')
    })
  })
}

/** For delete: autoscale goes before its group. Groups without it are fine. */
export async function resetAutoscale(client: UkcClient, groups: string[]): Promise<void> {
  if (groups.length === 0) return
  try {
    await client.autoscale.delete(groups.map((name) => ({ name })))
  } catch {
    // Best effort: the group delete that follows reports what matters.
  }
}
