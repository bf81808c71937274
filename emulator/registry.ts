/**
 * The image registry behind the API: tags resolve to digests, and instances pin the digest.
 * Outwards a digest is always the full reference `user/app@sha256:<hex>` (OpenAPI
 * `image.digest` example; kraftkit's `img remove --all` matches it by the user-name prefix);
 * inside, images are kept by the bare `sha256:<hex>`.
 */
import { digestOf, ItemError, now, type ImageRec, type Store } from './state.js'

/** `index.unikraft.io/official/nginx` → `nginx:latest`, the way kraftkit normalises (§10). */
export function normaliseRef(ref: string): { repository: string; tag?: string; digest?: string } {
  let r = ref
    .trim()
    .replace(/^(index\.)?unikraft\.io\//, '')
    .replace(/^official\//, '')
  const at = r.indexOf('@')
  if (at >= 0) return { repository: r.slice(0, at), digest: r.slice(at + 1) }
  const colon = r.lastIndexOf(':')
  if (colon <= r.lastIndexOf('/')) r = `${r}:latest`
  const c = r.lastIndexOf(':')
  return { repository: r.slice(0, c), tag: r.slice(c + 1) }
}

export function tagOf(repository: string, tag: string): string {
  return `${repository}:${tag}`
}

/** Puts `digest` under `tag`, moving the tag off whatever image held it before. */
export function pushImage(
  store: Store,
  ref: string,
  opts: { digest?: string; args?: string[]; crash?: ImageRec['crash'] } = {}
): ImageRec {
  const { repository, tag } = normaliseRef(ref)
  const fullTag = tagOf(repository, tag ?? 'latest')
  // A digest may be given bare or as the full reference the API answers.
  const given = opts.digest?.slice(opts.digest.lastIndexOf('@') + 1)
  const digest = given ?? digestOf(`${fullTag}#${Date.now()}#${Math.random()}`)
  for (const img of store.images.values()) img.tags = img.tags.filter((t) => t !== fullTag)
  const existing = store.images.get(digest)
  const image: ImageRec = existing ?? {
    digest,
    repository,
    created_at: now(),
    tags: [],
    args: opts.args ?? ['/server'],
    size_in_bytes: 4 * 1024 * 1024 + (parseInt(digest.slice(7, 13), 16) % 1048576)
  }
  image.tags.push(fullTag)
  if (opts.crash !== undefined) image.crash = opts.crash
  store.images.set(digest, image)
  return image
}

/**
 * Resolves what a user wrote to one image. Unknown tags fail in strict mode (what the real
 * registry does); otherwise — a convenience of the emulator, not API behaviour —
 * they are registered with a digest derived from the name, so a demo needs no seeding.
 */
export function resolveImage(store: Store, ref: string, strict: boolean): ImageRec {
  const { repository, tag, digest } = normaliseRef(ref)
  if (digest !== undefined) {
    // `acme/api@acme/api@sha256:…` (a full reference pinned twice) names no image.
    if (!DIGEST_RE.test(digest)) throw new ItemError(8, `No image '${ref}'`)
    const img = store.images.get(digest)
    if (img && img.repository === repository) return img
    if (!strict) return pushImage(store, `${repository}:latest`, { digest })
    throw new ItemError(8, `No image with digest '${digest}' in '${repository}'`)
  }
  const fullTag = tagOf(repository, tag!)
  for (const img of store.images.values()) if (img.tags.includes(fullTag)) return img
  if (!strict) return pushImage(store, fullTag, { digest: digestOf(fullTag) })
  throw new ItemError(8, `No image with tag '${fullTag}'`)
}

export const pinned = (img: ImageRec): string => `${img.repository}@${img.digest}`

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

/**
 * The image a full reference names (`user/app@sha256:<hex>`), for lookups by digest.
 * Assumption: a bare `sha256:<hex>` is not found — every source shows the full form.
 */
export function imageByReference(store: Store, ref: string): ImageRec | undefined {
  const { repository, digest } = normaliseRef(ref)
  if (digest === undefined || !DIGEST_RE.test(digest)) return undefined
  const img = store.images.get(digest)
  return img && img.repository === repository ? img : undefined
}
