/** Helpers shared by the API categories: naming objects, and batches that may be empty. */
import type { ApiResult } from './envelope.js'
import { checkName, isUuid } from './names.js'
import type { ObjectRef } from './types.js'

/** `{uuid}` when the text is a UUID, otherwise `{name}` after the naming rules are checked. */
export function toRef(nameOrUuid: string): ObjectRef {
  const v = nameOrUuid.trim()
  return isUuid(v) ? { uuid: v.toLowerCase() } : { name: checkName(v) }
}

/** Checks the names inside refs before they go on the wire. */
export function checkRefs<T extends ObjectRef>(items: readonly T[]): T[] {
  return items.map((item) =>
    item.name !== undefined ? { ...item, name: checkName(item.name) } : item
  )
}

/** A batch of nothing needs no request. */
export function emptyResult<T>(): ApiResult<T> {
  return { status: 'success', items: [], timedOut: false }
}

/** How long a request that makes the server wait up to `waitMs` may take (-1: as long as allowed). */
export function waitingTimeout(waitMs: number | undefined, margin = 10000): number | undefined {
  if (waitMs === undefined || waitMs === 0) return undefined
  return waitMs < 0 ? 24 * 3600 * 1000 : waitMs + margin
}

export function localPath(category: string, uuid: string, endpoint?: string): string {
  if (!isUuid(uuid))
    throw new Error(`'${uuid}' is not a UUID; local-scope calls address one object by UUID`)
  return `/${category}/${uuid.toLowerCase()}${endpoint ? `/${endpoint}` : ''}`
}
