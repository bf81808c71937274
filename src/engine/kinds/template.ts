/**
 * [N] Instance templates: what autoscale clones on the new platform (new-platform-primitives
 * §5 and §9). A configuration's `create_args` takes only a template, and converting an
 * instance into one consumes it, so a serving instance is never converted: for each autoscaled
 * group the deploy makes a stopped instance from the master's create body, named by a hash of
 * that body (`<group>-tpl-<6 hex>`), and converts it. The master itself keeps serving. A new
 * image or any other create-argument change is a new name, hence a new template; the old one
 * is deleted once the group's autoscale no longer clones it.
 */
import { createHash } from 'node:crypto'
import type { Spec } from '../../spec/schema.js'
import { describeItem } from '../../ukc/envelope.js'
import type { CreateInstanceRequest, Template } from '../../ukc/types.js'
import type { DeployContext } from '../context.js'
import { createRequest, safeCreate, type Created } from '../create.js'
import type { Actual } from '../observe.js'
import type { PlanEntry } from '../types.js'
import type { InstancePlan } from './instance.js'

export interface TemplatePlan extends PlanEntry {
  kind: 'template'
  /** The service group whose autoscale clones it. */
  group: string
  /** For a create: the stopped instance that is converted. */
  body?: CreateInstanceRequest
}

const SUFFIX = /-tpl-[0-9a-f]{6}$/

/** The group a template of ours belongs to, from its name (undefined: not one of ours). */
export function templateGroup(name: string): string | undefined {
  return SUFFIX.test(name) ? name.replace(SUFFIX, '') : undefined
}

/** Keys sorted at every level, so the same create arguments always hash alike. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, stable((value as Record<string, unknown>)[k])])
    )
  return value
}

/**
 * The create body of the instance a template is made from: the master's, pinned image and
 * all, without what does not belong to a template — its group (autoscale puts clones in the
 * configured group; the docs' example converts an instance and makes the group anew), its
 * name, a start, a wait, and `scale_to_zero`, which the platform takes only with a group.
 */
export function templateBody(master: InstancePlan): Omit<CreateInstanceRequest, 'name'> {
  const {
    name: _name,
    service_group: _group,
    wait_timeout_ms: _wait,
    scale_to_zero: _stz,
    volumes: _volumes,
    ...body
  } = createRequest(master.spec, master.digest)
  return { ...body, autostart: false }
}

export function templateName(group: string, body: Omit<CreateInstanceRequest, 'name'>): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(stable(body)))
    .digest('hex')
  return `${group}-tpl-${hash.slice(0, 6)}`
}

/** Why a group's autoscale cannot be given a template as the spec stands (undefined: it can). */
function unfit(
  master: InstancePlan | undefined,
  masterName: string | undefined
): string | undefined {
  if (!master)
    return `its autoscale master '${masterName ?? '(none)'}' is not an instance of the spec`
  if (master.spec.volumes.length > 0)
    return `its autoscale master '${master.name}' mounts volumes; a template made from it would turn them into volume templates, which ukc-deploy does not manage — autoscale a group whose master mounts no volumes`
  return undefined
}

export interface TemplatePlanning {
  templates: TemplatePlan[]
  /** Per autoscaled group: the template its autoscale should clone. */
  wanted: Map<string, string>
  blockers: string[]
}

/**
 * Per autoscaled group: keep the template whose name matches the master's create body, or
 * make it; every other template of a spec group is deleted (after autoscale is re-pointed).
 */
export function planTemplates(
  spec: Spec,
  actual: Actual,
  instances: readonly InstancePlan[]
): TemplatePlanning {
  const templates: TemplatePlan[] = []
  const wanted = new Map<string, string>()
  const blockers: string[] = []
  for (const g of spec.service_groups) {
    const mine = [...actual.templates.values()].filter((t) => templateGroup(t.name) === g.name)
    let keep: string | undefined
    if (g.autoscale) {
      const master = instances.find((p) => p.name === g.autoscale!.master)
      const why = unfit(master, g.autoscale.master)
      if (why) blockers.push(`service group '${g.name}': autoscale: ${why}`)
      else if (master!.digest !== undefined) {
        const body = templateBody(master!)
        keep = templateName(g.name, body)
        wanted.set(g.name, keep)
        const have = actual.templates.get(keep)
        templates.push(
          have
            ? {
                kind: 'template',
                name: keep,
                group: g.name,
                action: 'unchanged',
                reason: `autoscale of '${g.name}' clones it: made from '${master!.name}' as the spec has it`
              }
            : {
                kind: 'template',
                name: keep,
                group: g.name,
                action: 'create',
                body: { ...body, name: keep },
                reason: `autoscale of '${g.name}' clones it: made from a stopped copy of '${master!.name}' (${master!.spec.image}), never from the serving instance${master!.spec.scale_to_zero ? '; scale_to_zero stays with the master (the platform takes it only with a service group, and a template has none)' : ''}`
              }
        )
      }
    }
    for (const t of mine.filter((x) => x.name !== keep))
      templates.push({
        kind: 'template',
        name: t.name,
        group: g.name,
        action: 'delete',
        reason: keep
          ? `replaced by '${keep}': deleted once autoscale of '${g.name}' clones that one`
          : `the spec no longer configures autoscale for '${g.name}'`
      })
  }
  return { templates, wanted, blockers }
}

/** Rows for the templates that exist as found. */
export function reportTemplates({ plan, actual, progress: { ledger } }: DeployContext): void {
  for (const p of plan.templates) {
    const have: Template | undefined = actual.templates.get(p.name)
    if (have)
      ledger.set('template', p.name, {
        uuid: have.uuid,
        state: have.state ?? 'template',
        action: 'unchanged',
        detail: `clones for '${p.group}'`
      })
  }
}

/**
 * Phase, before the instances change: each new template is a stopped instance, made as safely
 * as any create (a lost answer is looked up, never sent twice), then converted in one request.
 * An instance found under the name that is not stopped is never converted. A conversion that
 * fails deletes the stopped instance, so nothing is left behind.
 */
export async function makeTemplates({
  client,
  plan,
  log,
  progress: { ledger }
}: DeployContext): Promise<void> {
  const todo = plan.templates.filter((p) => p.action === 'create')
  for (const p of todo.filter((x) => ledger.failed('service_group', x.group)))
    ledger.fail('template', p.name, `its service group '${p.group}' is not usable`)
  const ready = todo.filter((p) => !ledger.failed('service_group', p.group))
  if (ready.length === 0) return
  await log.group(`Making ${ready.length} instance template(s) for autoscale`, async () => {
    const made = await Promise.all(ready.map((p) => safeCreate(client, p.body!, log)))
    const stopped = convertible(ready, made, ledger)
    if (stopped.length === 0) return
    const r = await client.templates.convert(stopped.map((s) => ({ uuid: s.uuid })))
    const leftovers: string[] = []
    stopped.forEach(({ plan: p, uuid }, i) => {
      const item = r.items[i]
      if (item?.ok)
        ledger.set('template', p.name, {
          uuid,
          action: 'created',
          state: 'template',
          createdByRun: true,
          detail: `clones for '${p.group}'`
        })
      else {
        leftovers.push(uuid)
        ledger.fail(
          'template',
          p.name,
          `converting it failed: ${item ? describeItem(item) : 'no answer'}`,
          { uuid }
        )
      }
    })
    if (leftovers.length > 0) await client.instances.delete(leftovers.map((uuid) => ({ uuid })))
  })
}

/** The made instances that may be converted: stopped ones; any other is a failed row. */
function convertible(
  ready: TemplatePlan[],
  made: Created[],
  ledger: DeployContext['progress']['ledger']
): { plan: TemplatePlan; uuid: string }[] {
  const stopped: { plan: TemplatePlan; uuid: string }[] = []
  ready.forEach((p, i) => {
    const { instance, error, holder } = made[i]
    if (!instance)
      ledger.fail(
        'template',
        p.name,
        `the instance to convert was not made: ${error ?? 'no answer'}`,
        holder ? { uuid: holder.uuid } : {}
      )
    else if (instance.state !== undefined && instance.state !== 'stopped')
      ledger.fail(
        'template',
        p.name,
        `instance '${p.name}' is ${instance.state}; only a stopped instance made for the template is converted, so it was left alone`,
        { uuid: instance.uuid }
      )
    else stopped.push({ plan: p, uuid: instance.uuid })
  })
  return stopped
}

/**
 * Phase, after autoscale: the templates the plan retires, once nothing clones them — a group
 * whose autoscale was not re-pointed keeps its old template, since it still clones it.
 */
export async function retireTemplates({
  client,
  plan,
  log,
  progress: { ledger }
}: DeployContext): Promise<void> {
  const doomed = plan.templates.filter(
    (p) => p.action === 'delete' && !ledger.failed('autoscale', p.group)
  )
  for (const p of plan.templates.filter(
    (x) => x.action === 'delete' && ledger.failed('autoscale', x.group)
  ))
    ledger.set('template', p.name, {
      action: 'unchanged',
      state: 'template',
      detail: `kept: autoscale of '${p.group}' still clones it`
    })
  if (doomed.length === 0) return
  await log.group(`Deleting ${doomed.length} template(s) nothing clones any more`, async () => {
    const r = await client.templates.delete(doomed.map((p) => ({ name: p.name })))
    doomed.forEach((p, i) => {
      const item = r.items[i]
      if (item?.ok) ledger.set('template', p.name, { action: 'deleted', state: 'deleted' })
      else
        ledger.fail('template', p.name, `delete failed: ${item ? describeItem(item) : 'no answer'}`)
    })
  })
}
