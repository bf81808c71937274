/** Service groups (ukc-api.md §7): published ports, domains, load balancing. */
import type { ApiResult } from './envelope.js'
import { checkName } from './names.js'
import { checkRefs, emptyResult, localPath } from './scope.js'
import type { Transport } from './transport.js'
import type { NewServiceGroup, ObjectRef, ServiceGroup } from './types.js'

const P = 'service_groups'

export class ServicesApi {
  constructor(private readonly t: Transport) {}

  /** One or more persistent groups in one request. */
  create(groups: readonly NewServiceGroup[]): Promise<ApiResult<ServiceGroup>> {
    if (groups.length === 0) return Promise.resolve(emptyResult())
    const body = groups.map((g) => (g.name !== undefined ? { ...g, name: checkName(g.name) } : g))
    return this.t.call({ method: 'POST', path: '/services', body, plural: P })
  }

  get(refs?: readonly ObjectRef[]): Promise<ApiResult<ServiceGroup>> {
    if (refs && refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'GET',
      path: '/services',
      body: refs ? checkRefs(refs) : undefined,
      plural: P
    })
  }

  getOne(uuid: string): Promise<ApiResult<ServiceGroup>> {
    return this.t.call({ method: 'GET', path: localPath('services', uuid), plural: P })
  }

  /** Refused per group while instances are still attached. */
  delete(refs: readonly ObjectRef[]): Promise<ApiResult<ServiceGroup>> {
    if (refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({ method: 'DELETE', path: '/services', body: checkRefs(refs), plural: P })
  }

  deleteOne(uuid: string): Promise<ApiResult<ServiceGroup>> {
    return this.t.call({ method: 'DELETE', path: localPath('services', uuid), plural: P })
  }
}
