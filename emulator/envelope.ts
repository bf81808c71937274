/** The response envelope exactly as ukc-api.md §3 and §14 describe it. */
import { ItemError, NotFound } from './state.js'
import { BadRequest, type Ref } from './validate.js'

export interface Res {
  status: number
  body: unknown
  headers?: Record<string, string>
  /** Text bodies (Prometheus metrics) are sent as-is. */
  text?: boolean
}

export type Item = Record<string, unknown>

export const FAILED_ALL = 'Failed to perform all operations'

/** 200 with one item per requested object; top-level status summarises the items. */
export function items(plural: string, list: Item[], message?: string): Res {
  const failed = list.filter((i) => i.status === 'error').length
  const status = failed === 0 ? 'success' : failed === list.length ? 'error' : 'partial_success'
  const body: Record<string, unknown> = { status }
  if (message) body.message = message
  else if (failed > 0) body.message = FAILED_ALL
  body.data = { [plural]: list }
  return { status: 200, body }
}

/** List-all responses carry no per-item status ([C] OpenAPI note in §3.2). */
export function listAll(plural: string, list: Item[]): Res {
  return { status: 200, body: { status: 'success', data: { [plural]: list } } }
}

export function requestError(httpStatus: number, message?: string, code?: number): Res {
  const error: Record<string, unknown> = { status: httpStatus }
  if (message) error.message = message
  if (code !== undefined) error.error = code
  const body: Record<string, unknown> = { status: 'error' }
  if (message) body.message = message
  body.errors = [error]
  return { status: httpStatus, body }
}

/** 401 (the classic SDK's metro probe); Assumption: the body, which no source shows. */
export const unauthorized = (): Res => ({
  status: 401,
  body: { status: 'error', errors: [{ status: 401 }] }
})

/** A per-object failure becomes an error item that echoes how the object was named. */
function failedItem(echo: Item, err: unknown): Item {
  if (err instanceof NotFound || err instanceof ItemError) {
    return { status: 'error', ...echo, message: err.message, error: err.code }
  }
  throw err
}

/** Runs `fn` for one object; a per-object failure becomes an error item, anything else propagates. */
export async function perItem(echo: Item, fn: () => Item | Promise<Item>): Promise<Item> {
  try {
    return { status: 'success', ...(await fn()) }
  } catch (err) {
    return failedItem(echo, err)
  }
}

/** One result per requested object, in request order (a batch never stops at the first failure). */
export function each<T extends { ref: Ref }>(plural: string, list: T[], fn: (it: T) => Item): Res {
  return items(
    plural,
    list.map((it) => {
      try {
        return { status: 'success', ...fn(it) }
      } catch (err) {
        return failedItem(
          it.ref.uuid !== undefined ? { uuid: it.ref.uuid } : { name: it.ref.name },
          err
        )
      }
    })
  )
}

export function toErrorResponse(err: unknown): Res {
  // 400 for invalid requests: the docs name it for some cases; Assumption: for all of them.
  if (err instanceof BadRequest) return requestError(400, err.message, err.code)
  const message = err instanceof Error ? err.message : String(err)
  return requestError(500, `Internal emulator error: ${message}`)
}
