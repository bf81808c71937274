/**
 * Certificates of a spec (ukc-api.md §8): uploaded once, recognised by their serial number on
 * later runs, and — for custom FQDNs without one — the platform's issuance followed until
 * valid or the run's timeout.
 */
import { X509Certificate } from 'node:crypto'
import type { CertificateSpec, Spec } from '../../spec/schema.js'
import type { Certificate, ServiceGroup } from '../../ukc/types.js'
import type { DeployContext } from '../context.js'
import { createNamed } from '../create.js'
import { byName, type Actual } from '../observe.js'
import type { PlanEntry } from '../types.js'

export type CertificatePlan = PlanEntry & { spec: CertificateSpec }

function serialOf(pem: string | undefined): string | undefined {
  try {
    return pem ? new X509Certificate(pem).serialNumber.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

/** Per certificate: upload, keep (the same serial number), or refuse (another one holds the name). */
export function planCertificates(spec: Spec, actual: Actual): CertificatePlan[] {
  return spec.certificates.map((c) => {
    const base = { kind: 'certificate' as const, name: c.name, spec: c }
    const have = actual.certificates.get(c.name)
    const serial = serialOf(c.chain)
    if (!have) return { ...base, action: 'create' as const, reason: `new, for ${c.cn}` }
    if (serial && have.serial_number?.toLowerCase() === serial)
      return {
        ...base,
        action: 'unchanged' as const,
        reason: `the same certificate (serial ${serial.slice(0, 16)}…), ${have.state}`
      }
    return {
      ...base,
      action: 'conflict' as const,
      reason: `it holds another certificate (serial ${have.serial_number ?? '?'}, the spec's is ${serial ?? 'unreadable'}); a certificate in use cannot be replaced in place: upload the new one under a new name and point the domain at it`
    }
  })
}

/** Phase: rows for the certificates that exist, and one upload each for the new ones. */
export async function uploadCertificates({
  client,
  plan: { certificates: plan },
  actual,
  log,
  progress: { ledger, notes }
}: DeployContext): Promise<void> {
  for (const p of plan) {
    const have = actual.certificates.get(p.name)
    if (p.action === 'conflict')
      ledger.fail('certificate', p.name, p.reason, { uuid: have?.uuid, state: have?.state })
    else if (p.action === 'unchanged')
      ledger.set('certificate', p.name, {
        uuid: have?.uuid,
        state: have?.state,
        action: 'unchanged'
      })
  }
  const fresh = plan.filter((p) => p.action === 'create').map((p) => p.spec)
  if (fresh.length === 0) return
  await log.group(`Uploading ${fresh.length} certificate(s)`, async () => {
    const made = await createNamed(
      fresh.map((c) => ({ name: c.name, cn: c.cn, chain: c.chain!, pkey: c.pkey! })),
      (c) => c.name,
      (cert) => client.certificates.upload(cert),
      async (names) =>
        byName(await client.certificates.get(names.map((name) => ({ name }))), 'certificates'),
      log
    )
    for (const [name, r] of made) {
      if (r.adopted) notes.push(`certificate '${name}': ${r.adopted}`)
      if (r.value)
        ledger.set('certificate', name, {
          uuid: r.value.uuid,
          state: r.value.state ?? 'valid',
          action: r.ours ? 'created' : 'unchanged',
          createdByRun: r.ours
        })
      else ledger.fail('certificate', name, `upload failed: ${r.error}`)
    }
  })
}

const POLL_MS = 2000

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** The spec's service groups as they now stand: made by this run, or found. */
function servedGroups({ spec, actual, madeGroups }: DeployContext): ServiceGroup[] {
  const found = spec.service_groups
    .map((g) => actual.groups.get(g.name))
    .filter((g): g is ServiceGroup => g !== undefined)
  return [...madeGroups, ...found]
}

/**
 * Phase: custom FQDNs without an uploaded certificate get one from the platform (Let's
 * Encrypt, DNS-01), which starts `pending`. There is no server-side wait for certificates, so
 * this is polled (every 2 s) until each is valid or in error, or the run's time is up.
 */
export async function awaitIssuance(ctx: DeployContext): Promise<void> {
  const {
    client,
    log,
    opts: { deadline },
    progress: { ledger, notes }
  } = ctx
  const pending = servedGroups(ctx).flatMap((g) =>
    (g.domains ?? [])
      .filter((d) => d.certificate && d.certificate.state === 'pending')
      .map((d) => ({ group: g.name, fqdn: d.fqdn, uuid: d.certificate!.uuid }))
  )
  if (pending.length === 0) return
  let latest = new Map<string, Certificate>()
  await log.group(
    `Waiting for the platform to issue ${pending.length} certificate(s)`,
    async () => {
      for (;;) {
        const r = await client.certificates.get(pending.map((p) => ({ uuid: p.uuid })))
        latest = new Map(r.items.filter((i) => i.ok).map((i) => [i.value.uuid, i.value]))
        if (
          pending.every((p) => latest.get(p.uuid)?.state !== 'pending') ||
          Date.now() + POLL_MS >= deadline
        )
          return
        await sleep(POLL_MS)
      }
    }
  )
  for (const p of pending) {
    const c = latest.get(p.uuid)
    if (c?.state === 'valid') log.info(`certificate for ${p.fqdn}: valid`)
    else if (c?.state === 'error')
      ledger.fail(
        'service_group',
        p.group,
        `the platform could not issue a certificate for ${p.fqdn} (state error); check that its DNS points at the metro, then upload one or redeploy`
      )
    else
      notes.push(
        `certificate for ${p.fqdn} is still pending (validation attempt ${c?.validation?.attempt ?? '?'}) when the timeout ran out; the domain serves HTTPS once it is issued — check its DNS record`
      )
  }
}
