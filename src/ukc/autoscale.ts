/** Autoscale (ukc-api.md §9): per-group configuration and its scaling policies. */
import type { ApiResult } from './envelope.js'
import { checkRefs, emptyResult, localPath } from './scope.js'
import type { Transport } from './transport.js'
import type {
  AutoscaleConfig,
  AutoscaleConfigRequest,
  AutoscalePolicy,
  ObjectRef
} from './types.js'

const G = 'service_groups'
const PP = 'policies'

export class AutoscaleApi {
  constructor(private readonly t: Transport) {}

  /** Configurations for several groups in one request. Code 28: not enabled for the account. */
  configure(
    items: readonly (ObjectRef & AutoscaleConfigRequest)[]
  ): Promise<ApiResult<{ uuid: string; name: string }>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'POST',
      path: '/services/autoscale',
      body: checkRefs(items),
      plural: G
    })
  }

  configureOne(
    groupUuid: string,
    config: AutoscaleConfigRequest
  ): Promise<ApiResult<{ uuid: string; name: string }>> {
    return this.t.call({
      method: 'POST',
      path: localPath('services', groupUuid, 'autoscale'),
      body: config,
      plural: G
    })
  }

  /** Items of unconfigured groups come back with status `unconfigured` (ok, `enabled: false`). */
  get(refs: readonly ObjectRef[]): Promise<ApiResult<AutoscaleConfig>> {
    if (refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'GET',
      path: '/services/autoscale',
      body: checkRefs(refs),
      plural: G
    })
  }

  getOne(groupUuid: string): Promise<ApiResult<AutoscaleConfig>> {
    return this.t.call({
      method: 'GET',
      path: localPath('services', groupUuid, 'autoscale'),
      plural: G
    })
  }

  delete(refs: readonly ObjectRef[]): Promise<ApiResult<{ uuid: string; name: string }>> {
    if (refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'DELETE',
      path: '/services/autoscale',
      body: checkRefs(refs),
      plural: G
    })
  }

  deleteOne(groupUuid: string): Promise<ApiResult<{ uuid: string; name: string }>> {
    return this.t.call({
      method: 'DELETE',
      path: localPath('services', groupUuid, 'autoscale'),
      plural: G
    })
  }

  /** Policies go in the flat form the docs and SDKs send. */
  addPolicy(groupUuid: string, policy: AutoscalePolicy): Promise<ApiResult<{ name: string }>> {
    return this.t.call({
      method: 'POST',
      path: localPath('services', groupUuid, 'autoscale/policies'),
      body: policy,
      plural: PP
    })
  }

  policies(
    groupUuid: string
  ): Promise<ApiResult<{ policy: AutoscalePolicy & { enabled?: boolean } }>> {
    return this.t.call({
      method: 'GET',
      path: localPath('services', groupUuid, 'autoscale/policies'),
      plural: PP
    })
  }

  policy(
    groupUuid: string,
    name: string
  ): Promise<ApiResult<{ policy: AutoscalePolicy & { enabled?: boolean } }>> {
    return this.t.call({
      method: 'GET',
      path: localPath('services', groupUuid, `autoscale/policies/${encodeURIComponent(name)}`),
      plural: PP
    })
  }

  deletePolicy(groupUuid: string, name: string): Promise<ApiResult<{ name: string }>> {
    return this.t.call({
      method: 'DELETE',
      path: localPath('services', groupUuid, `autoscale/policies/${encodeURIComponent(name)}`),
      plural: PP
    })
  }
}
