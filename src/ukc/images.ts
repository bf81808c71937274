/** Images (ukc-api.md §10): what a tag points to, so a deploy can tell a new digest from an old one. */
import { describeItem, type ApiResult, type ItemResult } from './envelope.js'
import { ErrorCode, UkcError } from './errors.js'
import type { Dialect, Shaped } from './generation.js'
import type { Transport } from './transport.js'
import type { Image } from './types.js'

const P = 'images'

/**
 * `index.unikraft.io/official/nginx` → `nginx:latest`, as kraftkit normalises references. The
 * new platform answers URLs (`oci://unikraft.io/acme/app:1@sha256:…`, ukc-api.md §6.8): the
 * scheme goes too, and a pinned reference keeps only repository and digest.
 */
export function normaliseImageRef(ref: string): string {
  let r = ref
    .trim()
    .replace(/^oci:\/\//, '')
    .replace(/^(index\.)?unikraft\.io\//, '')
    .replace(/^official\//, '')
  const at = r.indexOf('@')
  if (at >= 0) {
    const name = r.slice(0, at)
    const colon = name.lastIndexOf(':')
    return `${colon > name.lastIndexOf('/') ? name.slice(0, colon) : name}${r.slice(at)}`
  }
  if (r.lastIndexOf(':') <= r.lastIndexOf('/')) r = `${r}:latest`
  return r
}

/** Whether two references name the same image (as each generation writes them). */
export function sameImage(a: string, b: string): boolean {
  return normaliseImageRef(a) === normaliseImageRef(b)
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
  return digest.includes('@') ? normaliseImageRef(digest) : `${repositoryOf(ref)}@${digest}`
}

/** `acme/api@sha256:0123456789ab…` (either generation's form): short enough for a plan line. */
export function shortPin(pin: string): string {
  const at = pin.lastIndexOf('@')
  if (at < 0) return pin
  const ref = normaliseImageRef(pin)
  const cut = ref.lastIndexOf('@')
  return `${ref.slice(0, cut)}@${ref.slice(cut + 1, cut + 20)}…`
}

/** What a lookup that listed no image for a tag means. */
function notFound(tag: string): ItemResult<Image> {
  return {
    ok: false,
    status: 'error',
    code: ErrorCode.NotFound,
    codeName: 'NotFound',
    message: `No image with tag '${tag}'`,
    timedOut: false,
    value: { tags: [] }
  }
}

export class ImagesApi {
  constructor(
    private readonly t: Transport,
    private readonly dialect: Dialect
  ) {}

  /** All images visible to the account, optionally below a namespace (classic only). */
  list(opts: { namespace?: string; tagged?: boolean } = {}): Promise<ApiResult<Image>> {
    return this.t.call({
      method: 'GET',
      path: this.dialect.images.path,
      query: { namespace: opts.namespace, tagged: opts.tagged },
      plural: P
    })
  }

  /** Set once a metro answered that it has no image store (an older metro): not asked again. */
  private noImageStore = false

  /**
   * Looks up tags, answered in the order given: classic in one request (`{tag}` is what the
   * classic SDK sends, images/image_get.go), the new platform one `?tag=` request each.
   */
  async lookup(tags: readonly string[]): Promise<ApiResult<Image>> {
    const wanted = tags.map(normaliseImageRef)
    const shapes = this.dialect.images.requests(wanted)
    // One request a tag (the new platform; classic with one tag): its first image, or — when
    // it lists none — a tag not found. Classic answers a batch in the order asked.
    const items =
      shapes.length === wanted.length
        ? await Promise.all(
            shapes.map(async (shaped, i) => (await this.first(shaped)) ?? notFound(wanted[i]))
          )
        : (await this.ask(this.dialect.images.path, shapes[0])).items
    const failed = items.filter((i) => !i.ok).length
    return {
      status: failed === 0 ? 'success' : failed === items.length ? 'error' : 'partial_success',
      items,
      timedOut: false
    }
  }

  private ask(path: string, shaped: Shaped): Promise<ApiResult<Image>> {
    return this.t.call<Image>({ method: 'GET', path, ...shaped, plural: P })
  }

  /**
   * The first image one lookup answers: from the image store, and where it lists none (or the
   * metro has none), from the fallback; the fallback's answer wins when both fail.
   */
  private async first(shaped: Shaped): Promise<ItemResult<Image> | undefined> {
    const { path, fallback } = this.dialect.images
    if (!fallback) return (await this.ask(path, shaped)).items[0]
    let stored: ItemResult<Image> | undefined
    if (!this.noImageStore) {
      try {
        stored = (await this.ask(path, shaped)).items[0]
      } catch (err) {
        if (!(err instanceof UkcError && (err.status === 404 || err.status === 405))) throw err
        this.noImageStore = true
      }
      if (stored?.ok && this.dialect.images.pinOf(stored.value)) return stored
    }
    return (await this.ask(fallback, shaped)).items[0] ?? stored
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
    const result = await this.lookup(tags)
    if (result.items.length !== tags.length)
      throw new UkcError(
        `the image lookup answered ${result.items.length} items for ${tags.length} tags`,
        { kind: 'parse', method: 'GET', path: `/v1${this.dialect.images.path}` }
      )
    tags.forEach((tag, i) => {
      const item = result.items[i]
      const pin = item.ok ? this.dialect.images.pinOf(item.value) : undefined
      out.set(tag, !item.ok ? { error: describeItem(item) } : this.pinned(tag, pin))
    })
    return out
  }

  /**
   * What a lookup's answer pins the tag to: only a `sha256:` digest pins an image, so an answer
   * without one (a URL with only a tag, another generation's shape) is an error naming the image.
   */
  private pinned(tag: string, answered: string | undefined): { digest?: string; error?: string } {
    if (answered === undefined)
      return {
        error: `the image lookup answered no digest for '${tag}' (does the endpoint speak the other API generation than ${this.dialect.generation}?)`
      }
    const digest = digestOf(answered) ?? (answered.startsWith('sha256:') ? answered : undefined)
    if (!digest?.startsWith('sha256:'))
      return {
        error: `the image lookup answered '${answered}' for '${tag}', which has no @sha256: digest, so the image cannot be pinned; push the image again or name it by digest (repo@sha256:…)`
      }
    return { digest: pinOf(tag, answered) }
  }
}
