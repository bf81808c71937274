/** Images (ukc-api.md §10): what a tag points to, so a deploy can tell a new digest from an old one. */
import type { ApiResult } from './envelope.js'
import { describeItem } from './envelope.js'
import { UkcError } from './errors.js'
import { emptyResult } from './scope.js'
import type { Transport } from './transport.js'
import type { Image } from './types.js'

const P = 'images'

/** `index.unikraft.io/official/nginx` → `nginx:latest`, as kraftkit normalises references. */
export function normaliseImageRef(ref: string): string {
  let r = ref
    .trim()
    .replace(/^(index\.)?unikraft\.io\//, '')
    .replace(/^official\//, '')
  if (r.includes('@')) return r
  if (r.lastIndexOf(':') <= r.lastIndexOf('/')) r = `${r}:latest`
  return r
}

/** The digest in a pinned reference (`repo@sha256:…`), if there is one. */
export function digestOf(ref: string): string | undefined {
  const at = ref.lastIndexOf('@')
  return at >= 0 ? ref.slice(at + 1) : undefined
}

/** The repository of a reference: `acme/api` for `acme/api:1`, `acme/api@sha256:…` or `acme/api`. */
export function repositoryOf(ref: string): string {
  const r = normaliseImageRef(ref)
  return r.includes('@') ? r.slice(0, r.indexOf('@')) : r.slice(0, r.lastIndexOf(':'))
}

/**
 * The full pinned reference a create sends and an instance reports: `user/app@sha256:<hex>`.
 * The images API answers `digest` in that form already (OpenAPI `image.digest` example; kraftkit
 * deletes images by it); a bare `sha256:…` is qualified with the repository it was looked up by.
 */
export function pinOf(ref: string, digest: string): string {
  return digest.includes('@') ? digest : `${repositoryOf(ref)}@${digest}`
}

/** `acme/api@sha256:0123456789ab…`: short enough for a plan line. */
export function shortPin(pin: string): string {
  const at = pin.lastIndexOf('@')
  return at < 0 ? pin : `${pin.slice(0, at)}@${pin.slice(at + 1, at + 20)}…`
}

export class ImagesApi {
  constructor(private readonly t: Transport) {}

  /** All images visible to the account, optionally below a namespace. */
  list(opts: { namespace?: string; tagged?: boolean } = {}): Promise<ApiResult<Image>> {
    return this.t.call({
      method: 'GET',
      path: '/images/list',
      query: { namespace: opts.namespace, tagged: opts.tagged },
      plural: P
    })
  }

  /**
   * Looks up several tags or digests in one request: `{tag}` is what the classic SDK sends
   * (images/image_get.go; the OpenAPI names it `tagged`), `{digest}` a full pinned reference.
   */
  lookup(items: readonly ({ tag: string } | { digest: string })[]): Promise<ApiResult<Image>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    const body = items.map((i) => ('tag' in i ? { tag: normaliseImageRef(i.tag) } : i))
    return this.t.call({ method: 'GET', path: '/images/list', body, plural: P })
  }

  /**
   * Reference → full pinned reference (`user/app@sha256:…`) for several references in one
   * request; a reference that is pinned already needs no lookup. An unknown tag maps to
   * `{ error }` with the API's words.
   */
  async resolve(
    refs: readonly string[]
  ): Promise<Map<string, { digest?: string; error?: string }>> {
    const out = new Map<string, { digest?: string; error?: string }>()
    const tags = [...new Set(refs.filter((r) => digestOf(r) === undefined))]
    for (const r of refs)
      if (digestOf(r) !== undefined) out.set(r, { digest: normaliseImageRef(r) })
    const result = await this.lookup(tags.map((tag) => ({ tag })))
    if (result.items.length !== tags.length)
      throw new UkcError(
        `the image lookup answered ${result.items.length} items for ${tags.length} tags`,
        {
          kind: 'parse',
          method: 'GET',
          path: '/v1/images/list'
        }
      )
    tags.forEach((tag, i) => {
      const item = result.items[i]
      out.set(
        tag,
        item.ok ? { digest: pinOf(tag, item.value.digest) } : { error: describeItem(item) }
      )
    })
    return out
  }
}
