/**
 * [N] `/v1/instances/templates`: instance templates, made by converting an instance (ukc-api.md
 * §6.13, new-platform-primitives §5). Converting is in place and irreversible: the instance
 * becomes the template (same UUID and name) and is no longer an instance; the group it alone
 * was in goes with it (docs: features/autoscale.mdx, "Converting the instance into a template
 * consumes it, so the service … no longer exists").
 */
import {
  globalItems,
  identified,
  localRef,
  pageOf,
  type Ctx,
  type Req,
  type Routes
} from '../context.js'
import { each, listAll, type Item, type Res } from '../envelope.js'
import { leaveGroup } from '../model.js'
import { ItemError, type TemplateRec } from '../state.js'
import { BadRequest, int, object, type Ref } from '../validate.js'

const convertItem = identified({
  timeout_s: int({ min: -1 }),
  autokill: object({ time_ms: int({ min: 0 }) })
})
const bare = identified({})

function view(t: TemplateRec): Item {
  return {
    uuid: t.uuid,
    name: t.name,
    created_at: t.created_at,
    state: 'template',
    // [N] model `Instance.type` (required); every instance here is a `micro` VM.
    type: 'micro',
    image: t.image,
    memory_mb: t.memory_mb,
    vcpus: t.vcpus,
    args: t.args,
    env: t.env,
    restart_policy: t.restart_policy,
    ...(t.scale_to_zero ? { scale_to_zero: t.scale_to_zero } : {})
  }
}

/** The instance becomes a template: it leaves the instances, its group and the lifecycle. */
function convert(ctx: Ctx, ref: Ref): Item {
  const { store, life } = ctx
  const inst = store.instance(ref)
  if (inst.deleting) throw new ItemError(11, `Instance '${inst.name}' is being deleted`)
  // Assumption: attached volumes become volume templates [docs: instances.mdx], which this
  // emulator does not model; it refuses rather than pretend.
  if (inst.volumes.length > 0)
    throw new ItemError(
      1,
      `Instance '${inst.name}' has volumes attached; this emulator does not model volume templates`
    )
  life.forget(inst)
  store.instances.delete(inst.uuid)
  leaveGroup(ctx, inst)
  const t: TemplateRec = {
    uuid: inst.uuid,
    name: inst.name,
    created_at: inst.created_at,
    image: inst.image,
    memory_mb: inst.memory_mb,
    vcpus: inst.vcpus,
    args: inst.args,
    env: inst.env,
    restart_policy: inst.restart_policy,
    scale_to_zero: inst.scale_to_zero
  }
  store.templates.set(t.uuid, t)
  life.notify()
  return { uuid: t.uuid, name: t.name, state: 'template' }
}

/** The autoscale configuration that clones this template, if any. */
function usedBy(ctx: Ctx, t: TemplateRec): string | undefined {
  for (const g of ctx.store.groups.values()) if (g.autoscale?.template === t.uuid) return g.name
  return undefined
}

function remove(ctx: Ctx, refs: Ref[]): Res {
  return each(
    'instances',
    refs.map((ref) => ({ ref })),
    (it) => {
      const t = ctx.store.template(it.ref)
      const group = usedBy(ctx, t)
      // Assumption (code and words): the platform reference-counts templates
      // [docs: features/templates.mdx]; one an autoscale configuration clones is in use.
      if (group)
        throw new ItemError(
          15,
          `Template '${t.name}' is in use by the autoscale configuration of service group '${group}'`
        )
      ctx.store.templates.delete(t.uuid)
      return { uuid: t.uuid, name: t.name }
    }
  )
}

function get(ctx: Ctx, req: Req, refs: Ref[] | undefined): Res {
  if (!refs)
    return listAll(
      'instances',
      pageOf(ctx.settings, req.query, [...ctx.store.templates.values()].map(view))
    )
  return each(
    'instances',
    refs.map((ref) => ({ ref })),
    (it) => view(ctx.store.template(it.ref))
  )
}

function need<T>(list: T[] | undefined, what: string): T[] {
  if (!list) throw new BadRequest(`The request body must be a JSON array naming the ${what}`)
  return list
}

export function templateRoutes(ctx: Ctx): Routes {
  if (ctx.settings.generation !== 'new') return {}
  const refs = (req: Req): Ref[] | undefined => globalItems(req, bare)?.map((i) => i.ref)
  return {
    'POST /v1/instances/templates': (req) =>
      each('instances', need(globalItems(req, convertItem), 'instances to convert'), (it) =>
        convert(ctx, it.ref)
      ),
    'GET /v1/instances/templates': (req) => get(ctx, req, refs(req)),
    'DELETE /v1/instances/templates': (req) => remove(ctx, need(refs(req), 'templates to delete')),
    'GET /v1/instances/templates/:uuid': (req) => get(ctx, req, [localRef(req)]),
    'DELETE /v1/instances/templates/:uuid': (req) => remove(ctx, [localRef(req)])
  }
}
