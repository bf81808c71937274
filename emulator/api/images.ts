/** `/v1/images`: what the registry holds; a tag resolves to a digest (ukc-api.md §10). */
import { coerceQuery, type Ctx, type Req, type Routes } from '../context.js'
import { each, listAll, requestError, type Res } from '../envelope.js'
import { imageByReference, normaliseRef, pinned, resolveImage } from '../registry.js'
import { ItemError, type ImageRec } from '../state.js'
import { bool, object, str } from '../validate.js'

const lookupShape = object({ digest: str(), tag: str(), tagged: str() })

/** [N] model `Image`: a URL with the digest in it, no `digest` member. */
function newView(img: ImageRec): Record<string, unknown> {
  return {
    url: `unikraft.io/${pinned(img)}`,
    created_at: img.created_at,
    initrd_or_rom: false,
    size_in_bytes: img.size_in_bytes,
    args: img.args,
    env: {},
    tags: img.tags
  }
}

function classicView(img: ImageRec): Record<string, unknown> {
  return {
    digest: pinned(img),
    tags: img.tags,
    initrd: false,
    size_in_bytes: img.size_in_bytes,
    args: img.args.join(' '),
    kernel_args: '',
    labels: {}
  }
}

/**
 * Body `[{digest}|{tag}]` (classic SDK images/image_get.go; the OpenAPI calls the tag key
 * `tagged`, accepted too) or `?digest=&tag=` ([N] JS SDK). A digest is a full reference.
 */
function list(ctx: Ctx, req: Req): Res {
  const { store, settings } = ctx
  const view = settings.generation === 'new' ? newView : classicView
  let lookups: { digest?: string; tag?: string }[] | undefined
  if (Array.isArray(req.body)) {
    lookups = req.body.map((b, i) => {
      const l = lookupShape(b, `[${i}]`)
      return { digest: l.digest, tag: l.tag ?? l.tagged }
    })
  } else if (req.query.has('digest') || req.query.has('tag')) {
    lookups = [
      ...req.query.getAll('digest').map((digest) => ({ digest })),
      ...req.query.getAll('tag').map((tag) => ({ tag }))
    ]
  }
  if (!lookups) {
    const namespace = req.query.get('namespace')
    const taggedOnly = req.query.has('tagged')
      ? bool(coerceQuery(req.query.get('tagged')!), 'tagged')
      : false
    const all = [...store.images.values()].filter(
      (i) =>
        (!namespace || i.repository === namespace || i.repository.startsWith(`${namespace}/`)) &&
        (!taggedOnly || i.tags.length > 0)
    )
    return listAll('images', all.map(view))
  }
  return each(
    'images',
    lookups.map((l) => ({ ...l, ref: l.tag !== undefined ? { name: l.tag } : { uuid: l.digest } })),
    (l) => {
      if (l.digest !== undefined) {
        const img = imageByReference(store, l.digest)
        if (!img) throw new ItemError(8, `No image with digest '${l.digest}'`)
        return view(img)
      }
      const { tag } = normaliseRef(l.tag!)
      if (tag === undefined) throw new ItemError(7, `'${l.tag}' is not a tag`)
      return view(resolveImage(store, l.tag!, settings.strictImages))
    }
  )
}

/**
 * [C] `GET /v1/images/list` only; [N] `GET /v1/images` (JS SDK) and `/v1/images/list` (the
 * generated Go SDK still uses it, ukc-api.md §10), and the metro's image store
 * `GET /v1/image-store` (JS SDK api/platform/images.gen.js), which holds the same images here.
 */
export function imageRoutes(ctx: Ctx): Routes {
  if (ctx.settings.generation !== 'new') return { 'GET /v1/images/list': (req) => list(ctx, req) }
  return {
    'GET /v1/images/list': (req) => list(ctx, req),
    'GET /v1/images': (req) => list(ctx, req),
    // Assumption: an older metro without a store answers as for any unknown endpoint.
    'GET /v1/image-store': (req) =>
      ctx.settings.imageStore
        ? list(ctx, req)
        : requestError(404, 'No API endpoint /v1/image-store', 3)
  }
}
