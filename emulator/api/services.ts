/** `/v1/services`: service groups, their published ports and domains (ukc-api.md §7). */
import {
  globalItems,
  identified,
  localRef,
  wantsDetails,
  type Ctx,
  type Req,
  type Routes,
  pageOf,
  refuseNewMembers
} from '../context.js'
import { each, items, listAll, perItem, type Res } from '../envelope.js'
import {
  checkLimits,
  checkServices,
  domainShape,
  groupView,
  newGroup,
  planDomains,
  serviceShape,
  takeDomains
} from '../model.js'
import { groupAutokill, noteOccupancy } from '../policies.js'
import { ItemError } from '../state.js'
import { arrayOf, BadRequest, int, object, objectName, type Ref } from '../validate.js'

const createShape = object(
  {
    name: objectName,
    services: arrayOf(serviceShape, { min: 1, max: 253 }),
    domains: arrayOf(domainShape, { max: 253 }),
    soft_limit: int({ min: 1, max: 65535 }),
    hard_limit: int({ min: 1, max: 65535 }),
    // [N] model `CreateServiceGroupRequest.autokill`: deleted once empty this long.
    autokill: groupAutokill
  },
  ['services']
)

async function create(ctx: Ctx, req: Req): Promise<Res> {
  // One object, as the OpenAPI (`create-services`) and every SDK send it.
  if (Array.isArray(req.body))
    throw new BadRequest(
      'The request body must be one JSON object {name?, services: [...], domains?: [...], soft_limit?, hard_limit?}, not an array; create one service group per request'
    )
  refuseNewMembers(ctx.settings, req.body, ['autokill'])
  const list = [createShape(req.body, '')]
  // Shape rules abort the whole request before any group is made.
  const checked = list.map((b, i) => ({
    body: b,
    services: checkServices(b.services, list.length > 1 ? `[${i}].services` : 'services'),
    limits: checkLimits(b.soft_limit, b.hard_limit)
  }))
  const results = []
  for (const { body, services, limits } of checked) {
    results.push(
      await perItem(body.name ? { name: body.name } : {}, () => {
        const { store } = ctx
        if (body.name !== undefined && store.nameTaken(store.groups, body.name))
          throw new ItemError(23, `A service group with the name '${body.name}' already exists`)
        const planned = planDomains(ctx, body.domains, body.name, true)
        store.checkQuota({ service_groups: 1, services: services.length })
        const group = newGroup(ctx, {
          name: body.name ?? planned[0].fqdn.split('.')[0],
          persistent: true,
          services,
          domains: takeDomains(ctx, planned),
          ...limits
        })
        if (body.autokill?.time_ms) {
          group.autokill_ms = body.autokill.time_ms
          noteOccupancy(ctx, group)
        }
        return groupView(ctx, group)
      })
    )
  }
  return items('service_groups', results)
}

function get(ctx: Ctx, req: Req, refs: Ref[] | undefined): Res {
  const view = (g: Parameters<typeof groupView>[1]) =>
    wantsDetails(req) ? groupView(ctx, g) : { uuid: g.uuid, name: g.name }
  if (!refs)
    return listAll(
      'service_groups',
      pageOf(ctx.settings, req.query, [...ctx.store.groups.values()]).map(view)
    )
  return each(
    'service_groups',
    refs.map((ref) => ({ ref })),
    (it) => view(ctx.store.group(it.ref))
  )
}

/** Deleting a group releases its domains; it is refused while instances are attached. */
function remove(ctx: Ctx, refs: Ref[]): Res {
  return each(
    'service_groups',
    refs.map((ref) => ({ ref })),
    (it) => {
      const group = ctx.store.group(it.ref)
      // Docs: refused while instances are attached. Assumption: with code 15 (Attached).
      if (group.instances.length > 0)
        throw new ItemError(
          15,
          `Service group '${group.name}' still has ${group.instances.length} instance(s) attached`
        )
      ctx.store.groups.delete(group.uuid)
      return { uuid: group.uuid, name: group.name }
    }
  )
}

const bare = identified({})
const refsOf = (req: Req): Ref[] | undefined => globalItems(req, bare)?.map((i) => i.ref)

export function serviceRoutes(ctx: Ctx): Routes {
  return {
    'POST /v1/services': (req) => create(ctx, req),
    'GET /v1/services': (req) => get(ctx, req, refsOf(req)),
    'DELETE /v1/services': (req) => {
      const refs = refsOf(req)
      if (!refs)
        throw new BadRequest(
          'The request body must be a JSON array naming the service groups to delete'
        )
      return remove(ctx, refs)
    },
    'GET /v1/services/:uuid': (req) => get(ctx, req, [localRef(req)]),
    'DELETE /v1/services/:uuid': (req) => remove(ctx, [localRef(req)])
  }
}
