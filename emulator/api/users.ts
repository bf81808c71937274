/** `/v1/users/quotas`: what the account may use and what it uses (ukc-api.md §11). */
import { localRef, type Ctx, type Routes } from '../context.js'
import { items, type Res } from '../envelope.js'
import { NotFound } from '../state.js'

function quotas(ctx: Ctx, uuid?: string): Res {
  const { store } = ctx
  if (uuid !== undefined && uuid !== store.userUuid) {
    return items('quotas', [
      {
        status: 'error',
        uuid,
        message: new NotFound('instance', { uuid }).message.replace('instance', 'user'),
        error: 8
      }
    ])
  }
  return items('quotas', [
    {
      status: 'success',
      uuid: store.userUuid,
      used: store.usage(),
      hard: store.quotas.hard,
      limits: store.quotas.limits
    }
  ])
}

export function userRoutes(ctx: Ctx): Routes {
  return {
    'GET /v1/users/quotas': () => quotas(ctx),
    'GET /v1/users/:uuid/quotas': (req) => quotas(ctx, localRef(req).uuid)
  }
}
