/**
 * [N] `PATCH /v1/instances` (an array of `{uuid|name, id?, prop, op, value}`) and
 * `PATCH /v1/instances/{uuid}` (one `{id?, prop, op, value}`): the metadata and policy an
 * instance carries — tags, annotations, delete_lock, schedules, autokill — with one answer
 * per item `{status, uuid, name, id?}` (model UpdateInstancesRequestItem,
 * UpdateInstancesResponseUpdatedInstance; new-platform-primitives.md §2). Items are applied
 * one by one; a failing item does not undo the others (the envelope is partial_success).
 * The other mutable properties (image, args, env, memory…) are queued by the platform until
 * the next stop; the emulator does not model that and refuses them by name.
 */
import {
  globalItems,
  identified,
  localOptions,
  localRef,
  type Ctx,
  type Req,
  type Routes
} from '../context.js'
import { perItem, items, type Item, type Res } from '../envelope.js'
import {
  annotationMap,
  instanceAutokill,
  MAX_TAGS,
  scheduleList,
  tagList,
  type ScheduleRec
} from '../policies.js'
import { ItemError, type InstanceRec } from '../state.js'
import { arrayOf, BadRequest, bool, object, str, type Ref } from '../validate.js'

/** model MutableInstanceProperty */
const PROPS = [
  'image',
  'args',
  'env',
  'memory_mb',
  'vcpus',
  'scale_to_zero',
  'tags',
  'delete_lock',
  'schedules',
  'autokill',
  'hostname',
  'roms',
  'dependencies',
  'sched_priority',
  'plugins',
  'annotations'
] as const
const MODELLED = new Set(['tags', 'delete_lock', 'schedules', 'autokill', 'annotations'])

const updateFields = {
  id: str({ maxLength: 256 }),
  prop: str({ oneOf: PROPS }),
  op: str({ oneOf: ['set', 'add', 'del'] }),
  value: (v: unknown) => v
}
const updateItem = identified(updateFields)
const localUpdate = object(updateFields, ['prop', 'op'])

interface Update {
  ref: Ref
  id?: string
  prop: string
  op: 'set' | 'add' | 'del'
  value: unknown
}

/** Names for a `del`: one string or a list of them. */
const names = (value: unknown, path: string): string[] =>
  typeof value === 'string' ? [value] : arrayOf(str())(value, path)

/** The change as a function of the instance, checked before anything is applied. */
function change(u: Update, path: string): (inst: InstanceRec) => void {
  const at = `${path}.value`
  const { prop, op, value } = u
  if (!MODELLED.has(prop))
    throw new BadRequest(
      `'${path}.prop': the emulator does not model PATCH of '${prop}' (only ${[...MODELLED].join(', ')})`
    )
  if (prop === 'delete_lock') {
    if (op !== 'set') throw new BadRequest(`'${path}.op': delete_lock takes only 'set'`)
    const lock = bool(value, at)
    return (inst) => {
      inst.delete_lock = lock
    }
  }
  if (prop === 'autokill') {
    if (op === 'del')
      return (inst) => {
        inst.autokill = undefined
      }
    // docs autokill.mdx: the new value replaces the whole policy.
    const policy = instanceAutokill(value, at)
    return (inst) => {
      inst.autokill = policy
    }
  }
  if (prop === 'tags') {
    if (op === 'del') {
      const gone = new Set(names(value, at))
      return (inst) => {
        inst.tags = inst.tags.filter((t) => !gone.has(t))
      }
    }
    const tags = tagList(value, at)
    return (inst) => {
      const next = op === 'set' ? tags : [...new Set([...inst.tags, ...tags])]
      if (next.length > MAX_TAGS)
        throw new ItemError(
          7,
          `'${at}' would give '${inst.name}' ${next.length} tags; at most ${MAX_TAGS}`
        )
      inst.tags = next
    }
  }
  if (prop === 'annotations') {
    if (op === 'del') {
      const gone = names(value, at)
      return (inst) => {
        for (const k of gone) delete inst.annotations[k]
      }
    }
    const map = annotationMap(value, at)
    return (inst) => {
      inst.annotations = op === 'set' ? { ...map } : { ...inst.annotations, ...map }
    }
  }
  // schedules
  if (op === 'del') {
    const gone = new Set(names(value, at))
    return (inst) => {
      inst.schedules = inst.schedules.filter((s) => !gone.has(s.name))
    }
  }
  const list = scheduleList(value, at)
  return (inst) => {
    const copy = (s: ScheduleRec): ScheduleRec => ({ ...s })
    if (op === 'set') {
      inst.schedules = list.map(copy)
      return
    }
    const clash = list.find((s) => inst.schedules.some((h) => h.name === s.name))
    if (clash)
      throw new ItemError(7, `Instance '${inst.name}' already has a schedule named '${clash.name}'`)
    inst.schedules.push(...list.map(copy))
  }
}

async function update(ctx: Ctx, list: Update[]): Promise<Res> {
  // Every item's shape is checked before any item is applied.
  const changes = list.map((u, i) => change(u, `[${i}]`))
  const results: Item[] = []
  for (const [i, u] of list.entries()) {
    const echo: Item = {
      ...(u.ref.uuid !== undefined ? { uuid: u.ref.uuid } : { name: u.ref.name }),
      ...(u.id !== undefined ? { id: u.id } : {})
    }
    results.push(
      await perItem(echo, () => {
        const inst = ctx.store.instance(u.ref)
        changes[i](inst)
        return { uuid: inst.uuid, name: inst.name, ...(u.id !== undefined ? { id: u.id } : {}) }
      })
    )
  }
  return items('instances', results)
}

const asUpdate = (p: {
  ref: Ref
  id?: string
  prop?: string
  op?: string
  value?: unknown
}): Update => {
  if (p.prop === undefined) throw new BadRequest("'prop' is required", 13)
  if (p.op === undefined) throw new BadRequest("'op' is required", 13)
  return { ref: p.ref, id: p.id, prop: p.prop, op: p.op as Update['op'], value: p.value }
}

export function instanceUpdateRoutes(ctx: Ctx): Routes {
  if (ctx.settings.generation !== 'new') return {}
  return {
    'PATCH /v1/instances': (req: Req) => {
      if (!Array.isArray(req.body))
        throw new BadRequest(
          'The request body must be a JSON array of {uuid|name, prop, op, value} updates'
        )
      return update(ctx, (globalItems(req, updateItem) ?? []).map(asUpdate))
    },
    'PATCH /v1/instances/:uuid': (req: Req) =>
      update(ctx, [asUpdate({ ...localOptions(req, localUpdate), ref: localRef(req) })])
  }
}
