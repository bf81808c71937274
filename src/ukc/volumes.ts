/** Volumes (ukc-api.md §12): persistent storage, attached to stopped instances. */
import type { ApiResult } from './envelope.js'
import { checkName } from './names.js'
import { checkRefs, emptyResult, localPath } from './scope.js'
import type { Transport } from './transport.js'
import type { AttachItem, CreateVolumeRequest, DetachItem, ObjectRef, Volume } from './types.js'

const P = 'volumes'

export class VolumesApi {
  constructor(private readonly t: Transport) {}

  create(volumes: readonly CreateVolumeRequest[]): Promise<ApiResult<Volume>> {
    if (volumes.length === 0) return Promise.resolve(emptyResult())
    const body = volumes.map((v) => (v.name !== undefined ? { ...v, name: checkName(v.name) } : v))
    return this.t.call({ method: 'POST', path: '/volumes', body, plural: P })
  }

  get(refs?: readonly ObjectRef[]): Promise<ApiResult<Volume>> {
    if (refs && refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'GET',
      path: '/volumes',
      body: refs ? checkRefs(refs) : undefined,
      plural: P
    })
  }

  getOne(uuid: string): Promise<ApiResult<Volume>> {
    return this.t.call({ method: 'GET', path: localPath(P, uuid), plural: P })
  }

  attach(items: readonly (ObjectRef & AttachItem)[]): Promise<ApiResult<Volume>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'PUT',
      path: '/volumes/attach',
      body: checkRefs(items),
      plural: P
    })
  }

  attachOne(uuid: string, item: AttachItem): Promise<ApiResult<Volume>> {
    return this.t.call({ method: 'PUT', path: localPath(P, uuid, 'attach'), body: item, plural: P })
  }

  /** Without `from`, detaches from every instance. */
  detach(items: readonly (ObjectRef & DetachItem)[]): Promise<ApiResult<Volume>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'PUT',
      path: '/volumes/detach',
      body: checkRefs(items),
      plural: P
    })
  }

  detachOne(uuid: string, item: DetachItem = {}): Promise<ApiResult<Volume>> {
    return this.t.call({ method: 'PUT', path: localPath(P, uuid, 'detach'), body: item, plural: P })
  }

  /** Refused per volume while it is attached. */
  delete(refs: readonly ObjectRef[]): Promise<ApiResult<Volume>> {
    if (refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({ method: 'DELETE', path: '/volumes', body: checkRefs(refs), plural: P })
  }

  deleteOne(uuid: string): Promise<ApiResult<Volume>> {
    return this.t.call({ method: 'DELETE', path: localPath(P, uuid), plural: P })
  }
}
