/** Users (ukc-api.md §11): quotas, used and hard limits. */
import type { ApiResult } from './envelope.js'
import { localPath } from './scope.js'
import type { Transport } from './transport.js'
import type { Quotas } from './types.js'

export class UsersApi {
  constructor(private readonly t: Transport) {}

  quotas(): Promise<ApiResult<Quotas>> {
    return this.t.call({ method: 'GET', path: '/users/quotas', plural: 'quotas' })
  }

  quotasOf(userUuid: string): Promise<ApiResult<Quotas>> {
    return this.t.call({
      method: 'GET',
      path: localPath('users', userUuid, 'quotas'),
      plural: 'quotas'
    })
  }
}
