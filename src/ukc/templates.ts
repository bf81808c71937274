/**
 * [N] Instance templates (ukc-api.md §6.13, new-platform-primitives §5): what autoscale clones
 * on the new platform. A template is made by converting an instance, in place and for good, so
 * the caller converts only an instance it made for that purpose.
 */
import { Category } from './category.js'
import type { ApiResult } from './envelope.js'
import { checkRefs } from './scope.js'
import type { Dialect } from './generation.js'
import type { Transport } from './transport.js'
import type { ObjectRef, Template } from './types.js'

export class TemplatesApi extends Category<Template> {
  constructor(t: Transport, dialect: Dialect) {
    // The SDK's answers list templates under `data.instances` (GetTemplateInstancesResponseData).
    super(t, dialect, 'instances/templates', 'instances')
  }

  /** `POST /v1/instances/templates` `[{uuid|name}]`: each instance becomes a template. */
  convert(refs: readonly ObjectRef[]): Promise<ApiResult<Template>> {
    return this.batch('POST', '', checkRefs(refs))
  }
}
