/**
 * What every API category shares (ukc-api.md §2): a set of objects by name or UUID in one
 * global-scope request, one object by UUID in local scope, and no request at all for an
 * empty set. Names are checked against the naming rules before anything is sent.
 */
import type { ApiResult, ItemResult } from './envelope.js'
import { ErrorCode } from './errors.js'
import type { Dialect, Shaped } from './generation.js'
import { checkName } from './names.js'
import { checkRefs, emptyResult, localPath } from './scope.js'
import type { Method, RequestSpec, Transport } from './transport.js'
import type { ObjectRef } from './types.js'

type Extra = Partial<Pick<RequestSpec, 'timeoutMs' | 'query'>>

/**
 * [N] The page size of a full listing: the official SDK's default, with the last item's UUID
 * as the next page's `from` and a short page as the end [SDK: core/pagination.js].
 */
export const PAGE_SIZE = 100

/** Whether an answered item is about this object (an error item echoes what was asked). */
function about(item: ItemResult<unknown>, ref: ObjectRef): boolean {
  const v = item.value as { uuid?: string; name?: string } | undefined
  return ref.uuid !== undefined ? v?.uuid === ref.uuid : v?.name === ref.name
}

/**
 * Answers to objects named in query parameters, one per object in the order given. Matched by
 * UUID or name, since nothing documents that such answers keep the order or list the objects
 * not found; by sent position when an item names neither and the counts agree; otherwise an
 * object without an answer reads as not found.
 */
function matched<R>(shaped: Shaped, items: ItemResult<R>[]): ItemResult<R>[] {
  const refs = shaped.refs!
  const order = shaped.order ?? refs.map((_, i) => i)
  const bySent = new Map(order.map((given, sent) => [given, items[sent]]))
  const taken = new Set<ItemResult<R>>()
  return refs.map((ref, i) => {
    const found =
      items.find((it) => !taken.has(it) && about(it, ref)) ??
      (items.length === refs.length && !taken.has(bySent.get(i)!) ? bySent.get(i) : undefined)
    if (found) {
      taken.add(found)
      return found
    }
    return {
      ok: false,
      status: 'error',
      code: ErrorCode.NotFound,
      codeName: 'NotFound',
      message: `the API answered nothing for ${ref.uuid ?? `'${ref.name}'`}`,
      timedOut: false,
      value: { ...ref } as R
    }
  })
}

export class Scope {
  constructor(
    protected readonly t: Transport,
    /** The generation's shapes (where a GET's names travel, among others). */
    protected readonly dialect: Dialect,
    /** The path segment: `instances`, `services`, `volumes`, `certificates`. */
    protected readonly path: string,
    /** The key of the list in `data`. */
    protected readonly plural: string
  ) {}

  /**
   * Global scope: `items` is the array body, or on a GET the objects named as the generation
   * names them; undefined lists everything; empty sends nothing.
   */
  protected batch<R>(
    method: Method,
    endpoint: string,
    items: readonly object[] | undefined,
    extra: Extra = {}
  ): Promise<ApiResult<R>> {
    if (items && items.length === 0) return Promise.resolve(emptyResult<R>())
    if (method === 'GET' && items === undefined && this.dialect.generation === 'new')
      return this.pages<R>(endpoint, extra)
    const shaped =
      method === 'GET' ? this.dialect.filter(items as ObjectRef[] | undefined) : { body: items }
    return this.shaped(method, endpoint, shaped, extra)
  }

  /**
   * [N] Every object, page by page: a listing answers one page (the platform's default size
   * when no `count` is given), so an account with more objects than a page is read whole only
   * by following `from`. A page that fails ends the listing with its answer.
   */
  private async pages<R>(endpoint: string, extra: Extra): Promise<ApiResult<R>> {
    const all: ApiResult<R> = { status: 'success', items: [], timedOut: false }
    for (let from: string | undefined; ;) {
      const query = { ...extra.query, count: String(PAGE_SIZE), ...(from ? { from } : {}) }
      const page = await this.shaped<R>('GET', endpoint, { query }, extra)
      all.items.push(...page.items)
      if (page.status !== 'success') return { ...page, items: all.items }
      const last = page.items.at(-1)?.value as { uuid?: string } | undefined
      if (page.items.length < PAGE_SIZE || !last?.uuid) return all
      from = last.uuid
    }
  }

  /** Global scope with a body and query the dialect shaped; answers in the order given. */
  protected async shaped<R>(
    method: Method,
    endpoint: string,
    shaped: Shaped,
    extra: Extra = {}
  ): Promise<ApiResult<R>> {
    const result = await this.t.call<R>({
      method,
      path: `/${this.path}${endpoint}`,
      body: shaped.body,
      plural: this.plural,
      timeoutMs: extra.timeoutMs,
      query: shaped.query || extra.query ? { ...shaped.query, ...extra.query } : undefined
    })
    return shaped.refs ? { ...result, items: matched(shaped, result.items) } : result
  }

  /** Local scope: one object by UUID. */
  protected one<R>(
    method: Method,
    uuid: string,
    endpoint?: string,
    body?: object,
    extra: Extra & { plural?: string } = {}
  ): Promise<ApiResult<R>> {
    return this.t.call({
      method,
      path: localPath(this.path, uuid, endpoint),
      body,
      plural: extra.plural ?? this.plural,
      ...extra
    })
  }
}

export class Category<T> extends Scope {
  /** The named objects in one request, or every object when `refs` is omitted. */
  get(refs?: readonly ObjectRef[]): Promise<ApiResult<T>> {
    return this.batch('GET', '', refs && checkRefs(refs))
  }

  getOne(uuid: string): Promise<ApiResult<T>> {
    return this.one('GET', uuid)
  }

  /**
   * [N] Every object carrying all of `tags`, filtered by the platform (`?tags=`, repeated as
   * the JS SDK sends arrays) and paged like any listing. Callers check the tags again: the
   * filter is the platform's, ownership is the caller's to prove.
   */
  tagged(tags: readonly string[]): Promise<ApiResult<T>> {
    return this.batch('GET', '', undefined, { query: { tags } })
  }

  delete(refs: readonly ObjectRef[]): Promise<ApiResult<T>> {
    return this.batch('DELETE', '', checkRefs(refs))
  }

  deleteOne(uuid: string): Promise<ApiResult<T>> {
    return this.one('DELETE', uuid)
  }
}

/**
 * Categories whose create takes one object per request (service groups, volumes,
 * certificates): the shape the official classic SDK sends (ukc-api.md §0.1).
 */
export class CreatableCategory<T, New extends { name?: string }> extends Category<T> {
  create(item: New): Promise<ApiResult<T>> {
    const body = item.name !== undefined ? { ...item, name: checkName(item.name) } : item
    return this.t.call({ method: 'POST', path: `/${this.path}`, body, plural: this.plural })
  }
}
