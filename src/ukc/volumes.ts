/** Volumes (ukc-api.md §12): persistent storage, attached to stopped instances. */
import { CreatableCategory } from './category.js'
import type { ApiResult } from './envelope.js'
import { checkRefs } from './scope.js'
import type { Dialect } from './generation.js'
import type { Transport } from './transport.js'
import type { AttachItem, CreateVolumeRequest, DetachItem, ObjectRef, Volume } from './types.js'

export class VolumesApi extends CreatableCategory<Volume, CreateVolumeRequest> {
  constructor(t: Transport, dialect: Dialect) {
    super(t, dialect, 'volumes', 'volumes')
  }

  attach(items: readonly (ObjectRef & AttachItem)[]): Promise<ApiResult<Volume>> {
    return this.batch('PUT', '/attach', checkRefs(items))
  }

  /** Without `from`, detaches from every instance. */
  detach(items: readonly (ObjectRef & DetachItem)[]): Promise<ApiResult<Volume>> {
    return this.batch('PUT', '/detach', checkRefs(items))
  }
}
