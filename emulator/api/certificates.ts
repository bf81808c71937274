/** `/v1/certificates`: uploaded TLS certificates and the ones the platform issues (ukc-api.md §8). */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { globalItems, identified, localRef, type Ctx, type Req, type Routes } from '../context.js'
import { each, items, listAll, perItem, type Res } from '../envelope.js'
import { ItemError, now, randomAlnum, type CertificateRec } from '../state.js'
import { BadRequest, object, objectName, str, type Ref } from '../validate.js'

const uploadShape = object(
  {
    name: objectName,
    cn: str({ maxLength: 255 }),
    chain: str({ pattern: /^-----BEGIN CERTIFICATE-----/ }),
    pkey: str({ pattern: /^-----BEGIN PRIVATE KEY-----/ })
  },
  // OpenAPI create-certificate: cn, chain and pkey are required (`common_name` is the new platform's).
  ['cn', 'chain', 'pkey']
)

const CN_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/

const iso = (d: string): string => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Parses and checks one upload; every problem with the PEM text is the request's fault (400). */
function readUpload(body: ReturnType<typeof uploadShape>, path: string) {
  const cn = body.cn!.toLowerCase()
  if (!CN_RE.test(cn))
    throw new BadRequest(`'${path}cn' must be a fully-qualified domain name, got '${cn}'`)
  let cert: X509Certificate
  try {
    cert = new X509Certificate(body.chain!)
  } catch {
    throw new BadRequest(`'${path}chain' is not a valid PEM certificate chain`)
  }
  let key
  try {
    key = createPrivateKey(body.pkey!)
  } catch {
    throw new BadRequest(`'${path}pkey' is not a valid PEM private key`)
  }
  if (!cert.checkPrivateKey(key))
    throw new BadRequest(`'${path}pkey' does not belong to the certificate in 'chain'`)
  return { cn: cn.replace(/\.$/, ''), cert }
}

async function upload(ctx: Ctx, req: Req): Promise<Res> {
  // One object, as the OpenAPI (`create-certificate`) and every SDK send it.
  if (Array.isArray(req.body))
    throw new BadRequest(
      'The request body must be one JSON object {name?, cn, chain, pkey}, not an array; upload one certificate per request'
    )
  const bodies = [uploadShape(req.body, '')]
  const parsed = bodies.map((b, i) => ({
    body: b,
    ...readUpload(b, bodies.length > 1 ? `[${i}].` : '')
  }))
  const results = []
  for (const { body, cn, cert } of parsed) {
    results.push(
      await perItem(body.name ? { name: body.name } : {}, () => {
        const { store } = ctx
        const names = [
          cert.subject.match(/CN=([^\n,]+)/)?.[1],
          ...(cert.subjectAltName ?? '').split(/,\s*/).map((s) => s.replace(/^DNS:/, ''))
        ]
        if (!names.some((n) => n?.toLowerCase() === cn))
          throw new ItemError(
            30,
            `The certificate is not valid for '${cn}' (it names ${names.filter(Boolean).join(', ')})`
          )
        const name = body.name ?? `${cn.replace(/^\*\./, '')}-${randomAlnum(5)}`
        if (store.nameTaken(store.certificates, name))
          throw new ItemError(23, `A certificate with the name '${name}' already exists`)
        const rec: CertificateRec = {
          uuid: store.newUuid(),
          name,
          created_at: now(),
          common_name: cn,
          state: 'valid',
          uploaded: true,
          attempt: 0,
          not_before: iso(cert.validFrom),
          not_after: iso(cert.validTo),
          serial_number: cert.serialNumber.toLowerCase()
        }
        store.certificates.set(rec.uuid, rec)
        // [N] answers the whole certificate (model CreateCertificateResponse); [C] uuid and name.
        return ctx.settings.generation === 'new'
          ? view(ctx, rec)
          : { uuid: rec.uuid, name: rec.name }
      })
    )
  }
  return items('certificates', results)
}

function view(ctx: Ctx, c: CertificateRec): Record<string, unknown> {
  const groups = [...ctx.store.groups.values()].filter((g) =>
    g.domains.some((d) => d.certificate === c.uuid)
  )
  const v: Record<string, unknown> = {
    uuid: c.uuid,
    name: c.name,
    created_at: c.created_at,
    common_name: c.common_name,
    state: c.state,
    subject: `CN=${c.common_name}`,
    issuer: c.uploaded ? `CN=${c.common_name}` : "CN=R11,O=Let's Encrypt,C=US",
    serial_number: c.serial_number,
    not_before: c.not_before,
    not_after: c.not_after,
    service_groups: groups.map((g) => ({ uuid: g.uuid, name: g.name }))
  }
  if (c.state === 'pending')
    v.validation = { attempt: c.attempt, next: new Date(Date.now() + 60000).toISOString() }
  return v
}

function get(ctx: Ctx, refs: Ref[] | undefined): Res {
  if (!refs)
    return listAll(
      'certificates',
      [...ctx.store.certificates.values()].map((c) => view(ctx, c))
    )
  return each(
    'certificates',
    refs.map((ref) => ({ ref })),
    (it) => view(ctx, ctx.store.certificate(it.ref))
  )
}

function remove(ctx: Ctx, refs: Ref[]): Res {
  return each(
    'certificates',
    refs.map((ref) => ({ ref })),
    (it) => {
      const cert = ctx.store.certificate(it.ref)
      const user = [...ctx.store.groups.values()].find((g) =>
        g.domains.some((d) => d.certificate === cert.uuid)
      )
      if (user)
        throw new ItemError(
          15,
          `Certificate '${cert.name}' is in use by service group '${user.name}'`
        )
      ctx.store.certificates.delete(cert.uuid)
      return { uuid: cert.uuid, name: cert.name }
    }
  )
}

const bare = identified({})
const refsOf = (req: Req): Ref[] | undefined => globalItems(req, bare)?.map((i) => i.ref)

export function certificateRoutes(ctx: Ctx): Routes {
  return {
    'POST /v1/certificates': (req) => upload(ctx, req),
    'GET /v1/certificates': (req) => get(ctx, refsOf(req)),
    'DELETE /v1/certificates': (req) => {
      const refs = refsOf(req)
      if (!refs)
        throw new BadRequest(
          'The request body must be a JSON array naming the certificates to delete'
        )
      return remove(ctx, refs)
    },
    'GET /v1/certificates/:uuid': (req) => get(ctx, [localRef(req)]),
    'DELETE /v1/certificates/:uuid': (req) => remove(ctx, [localRef(req)])
  }
}
