/** `/v1/volumes`: persistent volumes, attach and detach (ukc-api.md §12). */
import {
  globalItems,
  identified,
  localOptions,
  localRef,
  wantsDetails,
  type Ctx,
  type Req,
  type Routes,
  pageOf,
  refuseNewMembers
} from '../context.js'
import { each, items, listAll, perItem, type Res } from '../envelope.js'
import { attachRefusal, volumeView } from '../model.js'
import { tagFilter, tagList } from '../policies.js'
import { ItemError, now, randomAlnum, type InstanceRec, type VolumeRec } from '../state.js'
import { BadRequest, bool, int, object, objectName, ref, str, type Ref } from '../validate.js'

const createShape = object(
  {
    name: objectName,
    size_mb: int({ min: 1, max: 1048576 }),
    // [N] model `CreateVolumeRequest.access_mode`; `rwx` needs virtiofs, not modelled here.
    access_mode: str({ oneOf: ['rwo', 'rox'] }),
    // [N] model `CreateVolumeRequest.tags`.
    tags: tagList
  },
  ['size_mb']
)
const attachOptions = { attach_to: ref, at: str(), readonly: bool }
const detachOptions = { from: ref }
const MOUNT_RE = /^(\/[ a-zA-Z0-9._-]*)+$/

async function create(ctx: Ctx, req: Req): Promise<Res> {
  refuseNewMembers(ctx.settings, req.body, ['access_mode', 'tags'])
  const list = Array.isArray(req.body)
    ? req.body.map((b, i) => createShape(b, `[${i}]`))
    : [createShape(req.body, '')]
  const results = []
  for (const body of list) {
    results.push(
      await perItem(body.name ? { name: body.name } : {}, () => {
        const { store } = ctx
        const { min_volume_mb: min, max_volume_mb: max } = store.quotas.limits
        if (body.size_mb! < min || body.size_mb! > max)
          throw new ItemError(7, `'size_mb' must be between ${min} and ${max}, got ${body.size_mb}`)
        if (body.name !== undefined && store.nameTaken(store.volumes, body.name))
          throw new ItemError(23, `A volume with the name '${body.name}' already exists`)
        store.checkQuota({ volumes: 1, total_volume_mb: body.size_mb! })
        const vol: VolumeRec = {
          uuid: store.newUuid(),
          name: body.name ?? `vol-${randomAlnum(5)}`,
          created_at: now(),
          size_mb: body.size_mb!,
          attached_to: [],
          persistent: true,
          access_mode: body.access_mode === 'rox' ? 'rox' : 'rwo',
          tags: body.tags ?? []
        }
        store.volumes.set(vol.uuid, vol)
        return { uuid: vol.uuid, name: vol.name, state: 'available' }
      })
    )
  }
  return items('volumes', results)
}

function get(ctx: Ctx, req: Req, refs: Ref[] | undefined): Res {
  const view = (v: VolumeRec) =>
    wantsDetails(req) ? volumeView(ctx, v) : { uuid: v.uuid, name: v.name }
  const tagged = tagFilter(req.query)
  if (!refs)
    return listAll(
      'volumes',
      pageOf(
        ctx.settings,
        req.query,
        [...ctx.store.volumes.values()].filter((v) => tagged(v.tags))
      ).map(view)
    )
  return each(
    'volumes',
    refs.map((ref) => ({ ref })),
    (it) => view(ctx.store.volume(it.ref))
  )
}

function remove(ctx: Ctx, refs: Ref[]): Res {
  return each(
    'volumes',
    refs.map((ref) => ({ ref })),
    (it) => {
      const vol = ctx.store.volume(it.ref)
      if (vol.attached_to.length > 0)
        // Assumption: code 15 (Attached) for deleting an attached volume (the code is unpublished).
        throw new ItemError(15, `Volume '${vol.name}' is attached to an instance; detach it first`)
      ctx.store.volumes.delete(vol.uuid)
      return { uuid: vol.uuid, name: vol.name }
    }
  )
}

function mustBeStopped(inst: InstanceRec, what: string): void {
  if (inst.state !== 'stopped')
    throw new ItemError(
      11,
      `Instance '${inst.name}' is ${inst.state}; it must be stopped to ${what}`
    )
}

function attach(
  ctx: Ctx,
  list: { ref: Ref; attach_to?: Ref; at?: string; readonly?: boolean }[]
): Res {
  list.forEach((it, i) => {
    if (!it.attach_to || it.at === undefined)
      throw new BadRequest(`'[${i}]' needs 'attach_to' and 'at'`, 13)
    if (!MOUNT_RE.test(it.at) || /(^|\/)\.\.?(\/|$)/.test(it.at))
      throw new BadRequest(`'[${i}].at' must be an absolute path without '.' or '..' components`)
  })
  return each('volumes', list, (it) => {
    const vol = ctx.store.volume(it.ref)
    const inst = ctx.store.instance(it.attach_to!)
    const refused = attachRefusal(ctx, vol, it.readonly ?? false)
    if (refused) throw new ItemError(15, refused)
    mustBeStopped(inst, 'attach a volume')
    if (inst.volumes.some((m) => m.at === it.at))
      throw new ItemError(7, `Instance '${inst.name}' already has a volume at '${it.at}'`)
    vol.attached_to.push(inst.uuid)
    inst.volumes.push({ uuid: vol.uuid, at: it.at!, readonly: it.readonly ?? false })
    return { uuid: vol.uuid, name: vol.name }
  })
}

/** Detaching from an instance that owned the volume makes it persistent (§12.4). */
function detach(ctx: Ctx, list: { ref: Ref; from?: Ref }[]): Res {
  return each('volumes', list, (it) => {
    const { store } = ctx
    const vol = store.volume(it.ref)
    const from = it.from ? [store.instance(it.from).uuid] : [...vol.attached_to]
    if (it.from && !vol.attached_to.includes(from[0]))
      throw new ItemError(21, `Volume '${vol.name}' is not attached to that instance`)
    if (from.length === 0) throw new ItemError(21, `Volume '${vol.name}' is not attached`)
    for (const u of from) mustBeStopped(store.instances.get(u)!, 'detach a volume')
    for (const u of from) {
      const inst = store.instances.get(u)!
      inst.volumes = inst.volumes.filter((m) => m.uuid !== vol.uuid)
      if (inst.owned_volumes.includes(vol.uuid)) {
        inst.owned_volumes = inst.owned_volumes.filter((v) => v !== vol.uuid)
        vol.persistent = true
      }
    }
    vol.attached_to = vol.attached_to.filter((u) => !from.includes(u))
    return { uuid: vol.uuid, name: vol.name }
  })
}

const bare = identified({})
const refsOf = (req: Req): Ref[] | undefined => globalItems(req, bare)?.map((i) => i.ref)
function need<T>(list: T[] | undefined, what: string): T[] {
  if (!list)
    throw new BadRequest(`The request body must be a JSON array naming the volumes to ${what}`)
  return list
}

export function volumeRoutes(ctx: Ctx): Routes {
  return {
    'POST /v1/volumes': (req) => create(ctx, req),
    'GET /v1/volumes': (req) => get(ctx, req, refsOf(req)),
    'DELETE /v1/volumes': (req) => remove(ctx, need(refsOf(req), 'delete')),
    'PUT /v1/volumes/attach': (req) =>
      attach(ctx, need(globalItems(req, identified(attachOptions)), 'attach')),
    'PUT /v1/volumes/detach': (req) =>
      detach(ctx, need(globalItems(req, identified(detachOptions)), 'detach')),
    'GET /v1/volumes/:uuid': (req) => get(ctx, req, [localRef(req)]),
    'DELETE /v1/volumes/:uuid': (req) => remove(ctx, [localRef(req)]),
    'PUT /v1/volumes/:uuid/attach': (req) =>
      attach(ctx, [{ ...localOptions(req, object(attachOptions)), ref: localRef(req) }]),
    'PUT /v1/volumes/:uuid/detach': (req) =>
      detach(ctx, [{ ...localOptions(req, object(detachOptions)), ref: localRef(req) }])
  }
}
