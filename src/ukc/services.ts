/** Service groups (ukc-api.md §7): published ports, domains, load balancing. Deleting one is refused while instances are attached. */
import { CreatableCategory } from './category.js'
import type { Dialect } from './generation.js'
import type { Transport } from './transport.js'
import type { NewServiceGroup, ServiceGroup } from './types.js'

export class ServicesApi extends CreatableCategory<ServiceGroup, NewServiceGroup> {
  constructor(t: Transport, dialect: Dialect) {
    super(t, dialect, 'services', 'service_groups')
  }
}
