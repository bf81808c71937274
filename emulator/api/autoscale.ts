/** `/v1/services/.../autoscale`: configurations and policies (ukc-api.md §9). */
import { globalItems, identified, localRef, type Ctx, type Req, type Routes } from '../context.js'
import { each, items, type Item, type Res } from '../envelope.js'
import {
  ItemError,
  type AutoscaleConfig,
  type AutoscalePolicy,
  type ServiceGroupRec,
  type TemplateRec
} from '../state.js'
import {
  arrayOf,
  BadRequest,
  bool,
  int,
  object,
  ref,
  str,
  type Check,
  type Ref
} from '../validate.js'

const stepShape = object({ lower_bound: int(), upper_bound: int(), adjustment: int() }, [
  'adjustment'
])

/** The flat policy form the docs and the classic SDK send. */
const policyShape = object(
  {
    name: str({ pattern: /^[a-zA-Z0-9_-]{1,63}$/ }),
    type: str({ oneOf: ['step', 'on_demand', 'create', 'idle'] }),
    metric: str({ oneOf: ['cpu', 'inflight_reqs', 'reqs_per_sec'] }),
    adjustment_type: str({ oneOf: ['change', 'exact', 'percent'] }),
    steps: arrayOf(stepShape, { min: 1, max: 4 }),
    exclusive: bool,
    replace: bool,
    num_requests: int({ min: 1 }),
    idle_time_ms: int({ min: 1 })
  },
  ['name', 'type']
)

const MAX_POLICIES = 8

/** Step rules: bounds ordered, not both open, sorted, no overlap, no gap, at most four. */
function checkPolicy(p: ReturnType<typeof policyShape>, path: string): AutoscalePolicy {
  if (p.type === 'step') {
    if (!p.metric || !p.adjustment_type || !p.steps)
      throw new BadRequest(`'${path}': a step policy needs 'metric', 'adjustment_type' and 'steps'`)
    p.steps.forEach((s, i) => {
      const at = `${path}.steps[${i}]`
      if (s.lower_bound === undefined && s.upper_bound === undefined)
        throw new BadRequest(`'${at}' must have a lower_bound or an upper_bound`)
      if (
        s.lower_bound !== undefined &&
        s.upper_bound !== undefined &&
        s.lower_bound >= s.upper_bound
      )
        throw new BadRequest(`'${at}': lower_bound must be less than upper_bound`)
      if (i > 0) {
        const prev = p.steps![i - 1]
        if (prev.upper_bound === undefined || s.lower_bound === undefined)
          throw new BadRequest(
            `'${at}': steps must be sorted ascending and only the first and last may be open`
          )
        if (s.lower_bound < prev.upper_bound)
          throw new BadRequest(`'${at}' overlaps the step before it`)
        if (s.lower_bound > prev.upper_bound)
          throw new BadRequest(`'${at}' leaves a gap after the step before it`)
      }
    })
  } else if (p.metric || p.adjustment_type || p.steps) {
    throw new BadRequest(
      `'${path}': 'metric', 'adjustment_type' and 'steps' belong to step policies only`
    )
  }
  return p as AutoscalePolicy
}

/**
 * OpenAPI create-autoscale-config (0.6.0): sizes, times, the instance to clone (`master`),
 * policies. `create_args.template` is what the classic SDK sends since 2025-05 (commit
 * 11728a1), accepted as the other way to name what to clone. Assumption: `min_size` is bound
 * by the account's autoscale limits, not the OpenAPI's 1..1 (a slip).
 */
const configOptions = {
  min_size: int({ min: 0, max: 2147483647 }),
  max_size: int({ min: 1, max: 2147483647 }),
  warmup_time_ms: int({ min: 1, max: 2147483647 }),
  cooldown_time_ms: int({ min: 1, max: 2147483647 }),
  master: ref,
  create_args: object({ template: ref }, ['template']),
  template: ref,
  policies: arrayOf(policyShape, { max: MAX_POLICIES })
}
type ConfigInput = { ref: Ref } & {
  [K in keyof typeof configOptions]?: ReturnType<(typeof configOptions)[K]>
}

function findTemplate(ctx: Ctx, ref: Ref): TemplateRec | undefined {
  try {
    return ctx.store.template(ref)
  } catch {
    return undefined
  }
}

function enabledGroup(ctx: Ctx, r: Ref): ServiceGroupRec {
  if (!ctx.store.autoscaleEnabled) throw new ItemError(28, 'Autoscale not enabled for your account')
  return ctx.store.group(r)
}

/**
 * [C] names what to clone as `master` (OpenAPI 0.6.0) or `create_args.template` (classic SDK);
 * [N] as `create_args.template` (model) or a top-level `template` (docs), and it must be an
 * instance template ("Autoscale requires an instance template", unikraft-cloud/docs
 * features/autoscale), made by `POST /v1/instances/templates` (api/templates.ts).
 */
function checkMembers(ctx: Ctx, list: ConfigInput[]): void {
  list.forEach((c, i) => {
    const at = list.length > 1 || ctx.settings.generation === 'new' ? `[${i}]` : ''
    if (ctx.settings.generation === 'new' && c.master !== undefined)
      throw new BadRequest(
        `'${at ? `${at}.` : ''}master' is not a valid member of ${at || 'the request'}`
      )
    if (ctx.settings.generation === 'classic' && c.template !== undefined)
      throw new BadRequest(
        `'${at ? `${at}.` : ''}template' is not a valid member of ${at || 'the request'}`
      )
    c.policies?.forEach((p, j) => checkPolicy(p, `${at}.policies[${j}]`.replace(/^\./, '')))
  })
}

function configure(ctx: Ctx, list: ConfigInput[]): Res {
  checkMembers(ctx, list)
  return each('service_groups', list, (c) => {
    const group = enabledGroup(ctx, c.ref)
    if (group.autoscale)
      throw new ItemError(26, `Autoscale is already configured for service group '${group.name}'`)
    const { min_autoscale_size: lo, max_autoscale_size: hi } = ctx.store.quotas.limits
    const min = c.min_size ?? 1
    const max = c.max_size ?? 4
    if (min < lo || max > hi || min > max)
      throw new ItemError(
        29,
        `Autoscale size out of range: min_size ${min} and max_size ${max} must satisfy ${lo} <= min_size <= max_size <= ${hi}`
      )
    // Autoscale clones an instance of the group ([C]) or an instance template ([N]).
    const masterRef = c.master ?? c.create_args?.template ?? c.template
    if (!masterRef)
      throw new ItemError(
        13,
        ctx.settings.generation === 'new'
          ? `Autoscale needs the instance template to clone: give 'create_args.template' ({uuid} or {name} of an instance template)`
          : `Autoscale needs the instance to clone: give 'master' ({uuid} or {name} of an instance in service group '${group.name}')`
      )
    let clones: Pick<AutoscaleConfig, 'master' | 'template'>
    if (ctx.settings.generation === 'new') {
      const template = findTemplate(ctx, masterRef)
      if (!template) {
        const named = masterRef.name ?? masterRef.uuid
        throw new ItemError(
          8,
          `No instance template '${named}': autoscale clones an instance template (create one from an instance first)`
        )
      }
      clones = { template: template.uuid }
    } else {
      const master = ctx.store.instance(masterRef)
      if (master.service_group !== group.uuid)
        throw new ItemError(25, `Instance '${master.name}' is not in service group '${group.name}'`)
      clones = { master: master.uuid }
    }
    const names = (c.policies ?? []).map((p) => p.name!)
    if (new Set(names).size !== names.length)
      throw new ItemError(23, 'Two policies have the same name')
    const config: AutoscaleConfig = {
      min_size: min,
      max_size: max,
      warmup_time_ms: c.warmup_time_ms ?? 1000,
      cooldown_time_ms: c.cooldown_time_ms ?? 1000,
      ...clones,
      policies: (c.policies ?? []).map((p) => p as AutoscalePolicy)
    }
    group.autoscale = config
    return { uuid: group.uuid, name: group.name }
  })
}

function configView(ctx: Ctx, group: ServiceGroupRec): Item {
  const a = group.autoscale
  // [C] marks the item `unconfigured`; [N] types item statuses as success|error|partial_success
  // and only the top level as `unconfigured` (model GetAutoscaleConfigurationsResponse).
  if (!a)
    return {
      status: ctx.settings.generation === 'new' ? 'success' : 'unconfigured',
      uuid: group.uuid,
      name: group.name,
      enabled: false
    }
  const master = a.master ? ctx.store.instances.get(a.master) : undefined
  const template = a.template ? ctx.store.templates.get(a.template) : undefined
  return {
    status: 'success',
    uuid: group.uuid,
    name: group.name,
    enabled: true,
    min_size: a.min_size,
    max_size: a.max_size,
    warmup_time_ms: a.warmup_time_ms,
    cooldown_time_ms: a.cooldown_time_ms,
    ...(master ? { master: { uuid: master.uuid, name: master.name } } : {}),
    // [N] the template it clones (docs: features/autoscale.mdx, the GET example).
    ...(template ? { template: { uuid: template.uuid, name: template.name } } : {}),
    policies: a.policies.map((p) => ({ ...p, enabled: true }))
  }
}

function getConfig(ctx: Ctx, refs: Ref[]): Res {
  const res = each(
    'service_groups',
    refs.map((ref) => ({ ref })),
    (it) => configView(ctx, enabledGroup(ctx, it.ref))
  )
  const list = (res.body as { data: { service_groups: Item[] } }).data.service_groups
  // An unconfigured group is not an error; the top level says so when none is configured.
  if (list.length > 0 && list.every((i) => i.enabled === false))
    (res.body as Record<string, unknown>).status = 'unconfigured'
  return res
}

function removeConfig(ctx: Ctx, refs: Ref[]): Res {
  return each(
    'service_groups',
    refs.map((ref) => ({ ref })),
    (it) => {
      const group = enabledGroup(ctx, it.ref)
      if (!group.autoscale)
        throw new ItemError(27, `Autoscale is not configured for service group '${group.name}'`)
      group.autoscale = undefined
      return { uuid: group.uuid, name: group.name }
    }
  )
}

function configured(ctx: Ctx, req: Req): { group: ServiceGroupRec; config: AutoscaleConfig } {
  const group = enabledGroup(ctx, localRef(req))
  if (!group.autoscale)
    throw new ItemError(27, `Autoscale is not configured for service group '${group.name}'`)
  return { group, config: group.autoscale }
}

function addPolicy(ctx: Ctx, req: Req): Res {
  const policy = checkPolicy(policyShape(req.body, ''), 'policy')
  return each('policies', [{ ref: { name: policy.name } }], () => {
    const { config } = configured(ctx, req)
    if (config.policies.length >= MAX_POLICIES)
      throw new ItemError(5, `A service group can have at most ${MAX_POLICIES} policies`)
    if (config.policies.some((p) => p.name === policy.name))
      throw new ItemError(23, `A policy with the name '${policy.name}' already exists`)
    config.policies.push(policy)
    return { name: policy.name }
  })
}

function getPolicies(ctx: Ctx, req: Req, names: string[] | undefined): Res {
  const { config } = configured(ctx, req)
  const chosen = names ?? config.policies.map((p) => p.name)
  return each(
    'policies',
    chosen.map((name) => ({ ref: { name } })),
    (it) => {
      const p = config.policies.find((x) => x.name === it.ref.name)
      if (!p) throw new ItemError(8, `No policy with name '${it.ref.name}'`)
      return { policy: { ...p, enabled: true } }
    }
  )
}

function removePolicies(ctx: Ctx, req: Req, names: string[]): Res {
  const { config } = configured(ctx, req)
  return each(
    'policies',
    names.map((name) => ({ ref: { name } })),
    (it) => {
      const i = config.policies.findIndex((x) => x.name === it.ref.name)
      if (i < 0) throw new ItemError(8, `No policy with name '${it.ref.name}'`)
      config.policies.splice(i, 1)
      return { name: it.ref.name }
    }
  )
}

const nameItem = object({ name: str() }, ['name'])
/** Policy names from `{name}` (Go SDK) or `[{name}]` ([C] OpenAPI). */
function policyNames(req: Req): string[] | undefined {
  if (req.body === undefined) return undefined
  const list = Array.isArray(req.body) ? req.body : [req.body]
  return list.map((b, i) => nameItem(b, `[${i}]`).name!)
}

/** Local scope answers for one group; an error there is still one item (§3.3). */
function guarded(req: Req, plural: string, fn: () => Res): Res {
  try {
    return fn()
  } catch (err) {
    if (err instanceof ItemError || (err as { code?: number }).code === 8) {
      const e = err as ItemError
      return items(plural, [
        { status: 'error', uuid: req.params.uuid, message: e.message, error: e.code }
      ])
    }
    throw err
  }
}

const configItem = identified(configOptions) as Check<ConfigInput>
const bare = identified({})

export function autoscaleRoutes(ctx: Ctx): Routes {
  const need = <T>(list: T[] | undefined): T[] => {
    if (!list)
      throw new BadRequest(
        'The request body must name the service groups (a JSON array of {uuid} or {name})'
      )
    return list
  }
  return {
    // [C] one object (OpenAPI create-autoscale-config; the classic SDK's CreateRequest);
    // [N] an array of configurations (model CreateAutoscaleConfigurationsRequestConfiguration[]).
    'POST /v1/services/autoscale': (req) => {
      if (ctx.settings.generation === 'new')
        return configure(ctx, need(globalItems(req, configItem)))
      if (Array.isArray(req.body))
        throw new BadRequest(
          'The request body must be one JSON object {uuid|name, master: {uuid|name}, min_size?, max_size?, warmup_time_ms?, cooldown_time_ms?, policies?}, not an array; configure one service group per request'
        )
      return configure(ctx, [configItem(req.body, '')])
    },
    'GET /v1/services/autoscale': (req) =>
      getConfig(
        ctx,
        need(globalItems(req, bare)).map((i) => i.ref)
      ),
    'DELETE /v1/services/autoscale': (req) =>
      removeConfig(
        ctx,
        need(globalItems(req, bare)).map((i) => i.ref)
      ),
    'POST /v1/services/:uuid/autoscale': (req) =>
      configure(ctx, [
        {
          ...(object(configOptions)(req.body ?? {}, '') as Omit<ConfigInput, 'ref'>),
          ref: localRef(req)
        }
      ]),
    'GET /v1/services/:uuid/autoscale': (req) => getConfig(ctx, [localRef(req)]),
    'DELETE /v1/services/:uuid/autoscale': (req) => removeConfig(ctx, [localRef(req)]),
    'POST /v1/services/:uuid/autoscale/policies': (req) =>
      guarded(req, 'policies', () => addPolicy(ctx, req)),
    'GET /v1/services/:uuid/autoscale/policies': (req) =>
      guarded(req, 'policies', () => getPolicies(ctx, req, policyNames(req))),
    'DELETE /v1/services/:uuid/autoscale/policies': (req) =>
      guarded(req, 'policies', () => removePolicies(ctx, req, policyNames(req) ?? [])),
    'GET /v1/services/:uuid/autoscale/policies/:name': (req) =>
      guarded(req, 'policies', () => getPolicies(ctx, req, [req.params.name])),
    'DELETE /v1/services/:uuid/autoscale/policies/:name': (req) =>
      guarded(req, 'policies', () => removePolicies(ctx, req, [req.params.name]))
  }
}
