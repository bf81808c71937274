/**
 * Autoscale of a spec's service groups (ukc-api.md §9): configured, or replaced when it
 * differs (the API has no update), or reset when the spec no longer asks for it. Classic
 * clones the master instance; the new platform clones an instance template (template.ts),
 * so there a new master version is a new template, and autoscale is re-pointed to it only
 * once the new master is proven.
 */
import type { AutoscaleSpec, Spec } from '../../spec/schema.js'
import { describeItem, type ItemResult } from '../../ukc/envelope.js'
import { ErrorCode } from '../../ukc/errors.js'
import type { AutoscaleConfig } from '../../ukc/types.js'
import type { DeployContext } from '../context.js'
import type { Actual } from '../observe.js'
import type { PlanEntry } from '../types.js'

const DEFAULTS = { min_size: 1, max_size: 4, warmup_time_ms: 1000, cooldown_time_ms: 1000 }

/** The comparable shape of a configuration, defaults filled, policies sorted, echoes dropped. */
function canonical(
  a: Omit<Partial<AutoscaleSpec>, 'master'> & { policies?: unknown[] },
  master?: string
): string {
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
    master,
    min_size: a.min_size ?? DEFAULTS.min_size,
    max_size: a.max_size ?? DEFAULTS.max_size,
    warmup_time_ms: a.warmup_time_ms ?? DEFAULTS.warmup_time_ms,
    cooldown_time_ms: a.cooldown_time_ms ?? DEFAULTS.cooldown_time_ms,
    policies
  })
}

const describe = (a: Partial<AutoscaleSpec>, template?: boolean): string =>
  `${a.min_size ?? DEFAULTS.min_size}..${a.max_size ?? DEFAULTS.max_size} instances, ${a.policies?.length ?? 0} polic${a.policies?.length === 1 ? 'y' : 'ies'}${a.master ? `, cloning ${template ? 'template ' : ''}'${a.master}'` : ''}`

export type AutoscalePlan = PlanEntry & {
  want?: AutoscaleSpec
  /** Reset by the API itself when its master is replaced: nothing to remove first. */
  masterReplaced?: boolean
  /** [N] The template it clones (the spec's `master` names the instance it is made from). */
  template?: string
  /** [N] The template it cloned before, when this plan re-points it. */
  previousTemplate?: string
  /**
   * [N] Removed only once the new master is proven, right before it is configured anew: until
   * then the old configuration keeps cloning the old template, which still exists.
   */
  deferred?: boolean
  /** [N] This platform's autoscale clones a template. */
  clonesTemplate?: boolean
}

/**
 * Per group: configure, keep, replace (the API has no update), or remove. `replaced` names the
 * spec instances this deploy replaces: deleting an autoscale master resets the group's
 * autoscale (ukc-api.md §6.9), so a configuration cloning one of them is configured again.
 */
export function planAutoscale(
  spec: Spec,
  actual: Actual,
  replaced: ReadonlySet<string> = new Set(),
  /** [N] Per group, the template its autoscale should clone (undefined: classic, the master). */
  templates?: ReadonlyMap<string, string>
): AutoscalePlan[] {
  const out: AutoscalePlan[] = []
  for (const g of spec.service_groups) {
    const asked = g.autoscale
    const template = templates?.get(g.name)
    // What is compared and shown: the clone source as this platform names it.
    const want = asked && templates ? { ...asked, master: template } : asked
    const have: AutoscaleConfig | undefined = actual.autoscale.get(g.name)
    const on = have?.enabled === true
    const cloned = templates ? have?.template?.name : have?.master?.name
    const t = templates !== undefined
    const base = {
      kind: 'autoscale' as const,
      name: g.name,
      want: asked,
      template,
      clonesTemplate: t
    }
    if (want && !on) out.push({ ...base, action: 'create', reason: `new: ${describe(want, t)}` })
    else if (want && on && canonical(want, want.master) !== canonical(have!, cloned)) {
      const before = describe({ ...(have as Omit<AutoscaleSpec, 'master'>), master: cloned }, t)
      const onlyClone = canonical(want, cloned) === canonical(have!, cloned)
      out.push({
        ...base,
        action: 'replace',
        deferred: t,
        ...(t && cloned !== template ? { previousTemplate: cloned } : {}),
        reason:
          t && onlyClone
            ? `clones '${template}' instead of '${cloned}' (its master's create arguments changed): removed and configured anew once the new master runs; the platform drains and deletes the instances it cloned from '${cloned}'`
            : `${before} → ${describe(want, t)} (the API has no update: removed and configured anew)`
      })
    } else if (want && want.master && !t && replaced.has(want.master))
      out.push({
        ...base,
        action: 'replace',
        masterReplaced: true,
        reason: `its master '${want.master}' is replaced, which resets autoscale; configured again once the new one runs`
      })
    else if (want) out.push({ ...base, action: 'unchanged', reason: describe(want, t) })
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

/**
 * Phase, before the instances change: configurations the spec drops or changes are removed
 * (the API has no update), so nothing scales on an old configuration while the new one is made.
 */
export async function removeAutoscale({
  client,
  plan: { autoscale: plan },
  log,
  progress: { ledger }
}: DeployContext): Promise<void> {
  for (const p of plan)
    if (p.action === 'unchanged')
      ledger.set('autoscale', p.name, { action: 'unchanged', state: p.reason })
  for (const p of plan.filter(
    (x) => x.action !== 'unchanged' && ledger.failed('service_group', x.name)
  ))
    ledger.fail('autoscale', p.name, `its service group '${p.name}' is not usable`)
  const reset = plan.filter(
    (p) =>
      (p.action === 'delete' || (p.action === 'replace' && !p.masterReplaced && !p.deferred)) &&
      !ledger.failed('service_group', p.name)
  )
  if (reset.length === 0) return
  await log.group(`Removing ${reset.length} autoscale configuration(s)`, async () => {
    const r = await client.autoscale.delete(reset.map((p) => ({ name: p.name })))
    reset.forEach((p, i) => {
      const item = r.items[i]
      if (item?.ok || item?.code === ErrorCode.AutoscaleNotConfigured) {
        if (p.action === 'delete')
          ledger.set('autoscale', p.name, { action: 'deleted', state: 'off' })
      } else ledger.fail('autoscale', p.name, item ? explain(item, p.name) : 'no answer')
    })
  })
}

/**
 * Phase, after the instances: autoscale clones its master (or [N] the template made from it),
 * so it is configured once that instance runs — one object a request (the API's shape), all
 * at once. A deferred replacement removes the old configuration first, in one request.
 */
export async function configureAutoscale({
  client,
  plan: { autoscale: plan },
  log,
  progress: { ledger, notes }
}: DeployContext): Promise<void> {
  const wanted = plan.filter(
    (p) =>
      (p.action === 'create' || p.action === 'replace') &&
      !ledger.failed('service_group', p.name) &&
      !ledger.failed('autoscale', p.name)
  )
  const ready = wanted.filter((p) => {
    const why = notReady(p, ledger)
    if (!why) return true
    ledger.fail('autoscale', p.name, why)
    return false
  })
  if (ready.length === 0) return
  await log.group(`Configuring autoscale of ${ready.length} service group(s)`, async () => {
    const reset = ready.filter((p) => p.deferred)
    const removed = new Set(ready.filter((p) => !p.deferred))
    if (reset.length > 0) {
      const r = await client.autoscale.delete(reset.map((p) => ({ name: p.name })))
      reset.forEach((p, i) => {
        const item = r.items[i]
        if (item?.ok || item?.code === ErrorCode.AutoscaleNotConfigured) removed.add(p)
        else ledger.fail('autoscale', p.name, item ? explain(item, p.name) : 'no answer')
      })
    }
    const go = ready.filter((p) => removed.has(p))
    const answers = await Promise.all(
      go.map((p) => {
        const { master, policies, ...sizes } = p.want!
        return client.autoscale
          .configure({ name: p.name, master: { name: p.template ?? master! }, ...sizes, policies })
          .then((r) => r.items[0])
          .catch((err: unknown) => err as Error)
      })
    )
    go.forEach((p, i) => {
      const item = answers[i]
      const shown = { ...p.want!, master: p.template ?? p.want!.master }
      if (item instanceof Error) ledger.fail('autoscale', p.name, item.message)
      else if (item?.ok) {
        ledger.set('autoscale', p.name, {
          uuid: item.value.uuid,
          action: p.action === 'create' ? 'created' : 'replaced',
          state: describe(shown, p.template !== undefined)
        })
        if (p.previousTemplate)
          notes.push(
            `autoscale of '${p.name}' now clones '${p.template}': the platform drained and deletes the instances it had cloned from '${p.previousTemplate}' (within cooldown_time_ms) and clones the new template as load needs`
          )
      } else ledger.fail('autoscale', p.name, item ? explain(item, p.name) : 'no answer')
    })
  })
}

/** Why a configuration cannot be made yet (undefined: it can). */
function notReady(
  p: AutoscalePlan,
  ledger: DeployContext['progress']['ledger']
): string | undefined {
  const master = p.want!.master!
  const row = ledger.get('instance', master)
  const kept =
    p.deferred && p.previousTemplate
      ? `; autoscale still clones '${p.previousTemplate}', the version that serves`
      : ''
  if (!row?.uuid || row.action === 'failed')
    return `its master instance '${master}' is not running${row?.error ? ` (${row.error})` : ''}; autoscale clones ${p.template ? 'the template made from it' : 'it'}, so it is configured by the next deploy that brings it up${kept}`
  if (p.template === undefined && p.clonesTemplate)
    return `no template could be made from '${master}' (its image did not resolve)${kept}`
  if (p.template !== undefined) {
    const t = ledger.get('template', p.template)
    if (!t?.uuid || t.action === 'failed')
      return `its template '${p.template}' was not made${t?.error ? ` (${t.error})` : ''}${kept}`
  }
  return undefined
}
