/** Autoscale (ukc-api.md §9): per-group configuration and its scaling policies. */
import { Scope } from './category.js'
import type { ApiResult } from './envelope.js'
import { checkRefs } from './scope.js'
import type { Dialect } from './generation.js'
import type { Transport } from './transport.js'
import type {
  AutoscaleConfig,
  AutoscaleConfigRequest,
  AutoscalePolicy,
  ObjectRef
} from './types.js'

type GroupRef = { uuid: string; name: string }
type PolicyItem = { policy: AutoscalePolicy & { enabled?: boolean } }

export class AutoscaleApi extends Scope {
  constructor(t: Transport, dialect: Dialect) {
    super(t, dialect, 'services', 'service_groups')
  }

  /**
   * One group's configuration, naming the group and what autoscale clones: classic takes one
   * object with the instance (`master`, OpenAPI `create-autoscale-config`, the classic SDK),
   * the new platform an array with an instance template (`create_args`). Code 28: not
   * enabled for the account.
   */
  configure(config: ObjectRef & AutoscaleConfigRequest): Promise<ApiResult<GroupRef>> {
    const [checked] = checkRefs([config])
    return this.t.call({
      method: 'POST',
      path: '/services/autoscale',
      body: this.dialect.autoscale(checked).body,
      plural: this.plural
    })
  }

  /** Items of unconfigured groups come back with status `unconfigured` (ok, `enabled: false`). */
  get(refs: readonly ObjectRef[]): Promise<ApiResult<AutoscaleConfig>> {
    return this.batch('GET', '/autoscale', checkRefs(refs))
  }

  getOne(groupUuid: string): Promise<ApiResult<AutoscaleConfig>> {
    return this.one('GET', groupUuid, 'autoscale')
  }

  delete(refs: readonly ObjectRef[]): Promise<ApiResult<GroupRef>> {
    return this.batch('DELETE', '/autoscale', checkRefs(refs))
  }

  deleteOne(groupUuid: string): Promise<ApiResult<GroupRef>> {
    return this.one('DELETE', groupUuid, 'autoscale')
  }

  /** Policies go in the flat form the docs and SDKs send. */
  addPolicy(groupUuid: string, policy: AutoscalePolicy): Promise<ApiResult<{ name: string }>> {
    return this.one('POST', groupUuid, 'autoscale/policies', policy, { plural: 'policies' })
  }

  policies(groupUuid: string): Promise<ApiResult<PolicyItem>> {
    return this.one('GET', groupUuid, 'autoscale/policies', undefined, { plural: 'policies' })
  }

  policy(groupUuid: string, name: string): Promise<ApiResult<PolicyItem>> {
    return this.one('GET', groupUuid, `autoscale/policies/${encodeURIComponent(name)}`, undefined, {
      plural: 'policies'
    })
  }

  deletePolicy(groupUuid: string, name: string): Promise<ApiResult<{ name: string }>> {
    return this.one(
      'DELETE',
      groupUuid,
      `autoscale/policies/${encodeURIComponent(name)}`,
      undefined,
      { plural: 'policies' }
    )
  }
}
