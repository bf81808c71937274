/**
 * Rules and views shared by several API categories: the handler/port rules of services,
 * domain allocation, how an instance's deletion ripples to its group and volumes, and the
 * JSON shape of each object.
 */
import type { Ctx } from './context.js'
import {
  generatedGroupName,
  ItemError,
  now,
  randomAlnum,
  type CertificateRec,
  type Domain,
  type InstanceRec,
  type Service,
  type ServiceGroupRec,
  type VolumeRec
} from './state.js'
import { noteOccupancy, policyView } from './policies.js'
import { arrayOf, BadRequest, int, object, ref, str, type Ref } from './validate.js'

const HANDLERS = ['tls', 'http', 'redirect'] as const

export const serviceShape = object(
  {
    port: int({ min: 1, max: 65535 }),
    destination_port: int({ min: 1, max: 65535 }),
    handlers: arrayOf(str({ oneOf: HANDLERS }))
  },
  ['port']
)
export type ServiceInput = ReturnType<typeof serviceShape>
export const domainShape = object({ name: str(), certificate: ref }, ['name'])
export type DomainInput = ReturnType<typeof domainShape>

/** The gateway's rules for which handlers a published port may have (ukc-api.md §7.1). */
export function checkServices(services: ServiceInput[] | undefined, path: string): Service[] {
  const out: Service[] = []
  const seen = new Set<number>()
  for (const [i, s] of (services ?? []).entries()) {
    const at = `${path}[${i}]`
    const port = s.port!
    const handlers = s.handlers ?? []
    if (new Set(handlers).size !== handlers.length)
      throw new BadRequest(`'${at}.handlers' lists a handler twice`)
    if (seen.has(port)) throw new BadRequest(`'${at}.port' ${port} is published twice`)
    seen.add(port)
    const has = (h: string): boolean => handlers.includes(h)
    if (port === 80 && (!has('http') || has('tls')))
      throw new BadRequest(`'${at}': port 80 must have the http handler and must not have tls`)
    if (port === 443 && (!has('http') || !has('tls')))
      throw new BadRequest(`'${at}': port 443 must have the http and tls handlers`)
    if (has('redirect') && port !== 80)
      throw new BadRequest(`'${at}': the redirect handler is only allowed on port 80`)
    if (port !== 80 && port !== 443 && (!has('tls') || has('http')))
      throw new BadRequest(`'${at}': port ${port} must have the tls handler and must not have http`)
    out.push({ port, destination_port: s.destination_port ?? port, handlers })
  }
  return out
}

export function checkLimits(
  soft: number | undefined,
  hard: number | undefined
): { soft_limit: number; hard_limit: number } {
  const soft_limit = soft ?? 1
  const hard_limit = hard ?? 65535
  if (soft_limit > hard_limit)
    throw new BadRequest(
      `'soft_limit' (${soft_limit}) must not be greater than 'hard_limit' (${hard_limit})`
    )
  return { soft_limit, hard_limit }
}

const HOST_RE = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const SUBDOMAIN_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/
const RESERVED = new Set(['www', 'api', 'admin', 'mail'])

function certificateMatches(cert: CertificateRec, fqdn: string): boolean {
  const cn = cert.common_name
  if (cn.startsWith('*.'))
    return fqdn.endsWith(cn.slice(1)) && fqdn.split('.').length === cn.split('.').length
  return cn === fqdn
}

/**
 * Turns requested domains into FQDNs, checking every rule before anything is taken (400 for
 * malformed names, 23 for a name in use). An FQDN without a certificate gets a matching
 * uploaded one, or a platform certificate that starts `pending`.
 */
export function planDomains(
  ctx: Ctx,
  requested: DomainInput[] | undefined,
  groupName: string | undefined,
  published: boolean
): { fqdn: string; certificate?: Ref; issue: boolean }[] {
  const { store, settings } = ctx
  const taken = new Set([...store.groups.values()].flatMap((g) => g.domains.map((d) => d.fqdn)))
  if (!requested || requested.length === 0) {
    if (!published) return []
    const label = groupName
      ? `${groupName.split('.')[0].slice(0, 50)}-${randomAlnum(8)}`
      : generatedGroupName()
    return [{ fqdn: `${label}.${settings.metroDomain}`, issue: false }]
  }
  return requested.map((d, i) => {
    const name = d.name!.toLowerCase()
    const isFqdn = name.endsWith('.')
    let fqdn: string
    if (isFqdn) {
      fqdn = name.slice(0, -1)
      if (!HOST_RE.test(fqdn))
        throw new BadRequest(`'domains[${i}].name' is not a valid domain name: '${d.name}'`)
    } else {
      if (d.certificate)
        throw new BadRequest(
          `'domains[${i}].certificate' can only be given for an FQDN (a name ending in '.')`
        )
      if (!SUBDOMAIN_RE.test(name))
        throw new BadRequest(`'domains[${i}].name' is not a valid subdomain: '${d.name}'`)
      if (RESERVED.has(name)) throw new ItemError(7, `The subdomain '${name}' is reserved`)
      fqdn = `${name}.${settings.metroDomain}`
    }
    // Assumption: the code for a domain in use is not published; 23 (AlreadyExists) is plausible.
    if (taken.has(fqdn)) throw new ItemError(23, `The domain '${fqdn}' is already in use`)
    taken.add(fqdn)
    if (d.certificate) {
      const cert = store.certificate(d.certificate)
      if (!certificateMatches(cert, fqdn))
        throw new ItemError(
          30,
          `Certificate '${cert.name}' (CN ${cert.common_name}) does not match '${fqdn}'`
        )
      return { fqdn, certificate: { uuid: cert.uuid }, issue: false }
    }
    if (!isFqdn) return { fqdn, issue: false }
    const match = [...store.certificates.values()].find(
      (c) => c.uploaded && certificateMatches(c, fqdn)
    )
    return match ? { fqdn, certificate: { uuid: match.uuid }, issue: false } : { fqdn, issue: true }
  })
}

/** Takes planned domains: certificates the platform must issue start `pending`. */
export function takeDomains(ctx: Ctx, planned: ReturnType<typeof planDomains>): Domain[] {
  return planned.map((p) => {
    if (!p.issue) return { fqdn: p.fqdn, certificate: p.certificate?.uuid }
    const cert: CertificateRec = {
      uuid: ctx.store.newUuid(),
      name: `${p.fqdn}-${randomAlnum(5)}`,
      created_at: now(),
      common_name: p.fqdn,
      state: 'pending',
      uploaded: false,
      attempt: 1,
      not_before: now(),
      not_after: new Date(Date.now() + 90 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      serial_number: randomAlnum(16)
    }
    ctx.store.certificates.set(cert.uuid, cert)
    // Assumption: issuance time is the emulator's `cert_delay_ms` (real DNS-01 takes minutes).
    const t = setTimeout(() => {
      if (ctx.store.certificates.get(cert.uuid) === cert)
        cert.state = ctx.settings.certFailure ? 'error' : 'valid'
    }, ctx.settings.certDelayMs)
    t.unref()
    return { fqdn: p.fqdn, certificate: cert.uuid }
  })
}

export function newGroup(
  ctx: Ctx,
  fields: Omit<ServiceGroupRec, 'uuid' | 'created_at' | 'instances'>
): ServiceGroupRec {
  const group: ServiceGroupRec = {
    uuid: ctx.store.newUuid(),
    created_at: now(),
    instances: [],
    ...fields
  }
  ctx.store.groups.set(group.uuid, group)
  return group
}

/** Takes an instance out of its group; a non-persistent group left empty goes with it. */
export function leaveGroup(ctx: Ctx, inst: InstanceRec): void {
  const group = inst.service_group ? ctx.store.groups.get(inst.service_group) : undefined
  if (!group) return
  group.instances = group.instances.filter((u) => u !== inst.uuid)
  if (group.autoscale?.master === inst.uuid) group.autoscale = undefined
  if (!group.persistent && group.instances.length === 0) ctx.store.groups.delete(group.uuid)
  else noteOccupancy(ctx, group)
}

/** Deletes an instance; its implicit group and its own volumes go with it (§6.9). */
export function destroyInstance(ctx: Ctx, inst: InstanceRec): void {
  const { store } = ctx
  ctx.life.forget(inst)
  ctx.life.record(inst, 'deleted')
  store.instances.delete(inst.uuid)
  leaveGroup(ctx, inst)
  for (const m of inst.volumes) {
    const vol = store.volumes.get(m.uuid)
    if (!vol) continue
    vol.attached_to = vol.attached_to.filter((u) => u !== inst.uuid)
    if (inst.owned_volumes.includes(vol.uuid)) store.volumes.delete(vol.uuid)
  }
  ctx.life.notify()
}

const LIVE = new Set(['starting', 'running', 'draining', 'stopping'])

export function volumeState(ctx: Ctx, vol: VolumeRec): string {
  if (vol.attached_to.length === 0) return 'available'
  const mounted = vol.attached_to.some((u) =>
    LIVE.has(ctx.store.instances.get(u)?.state ?? 'stopped')
  )
  return mounted ? 'mounted' : 'idle'
}

const nameOf = (ctx: Ctx, uuid: string): { uuid: string; name: string } => ({
  uuid,
  name: ctx.store.instances.get(uuid)?.name ?? ''
})

function domainView(ctx: Ctx, d: Domain): Record<string, unknown> {
  const cert = d.certificate ? ctx.store.certificates.get(d.certificate) : undefined
  // [N] model `Domain.certificate` is a Certificate: it also carries created_at, common_name.
  const more =
    cert && ctx.settings.generation === 'new'
      ? { created_at: cert.created_at, common_name: cert.common_name }
      : {}
  return cert
    ? {
        fqdn: d.fqdn,
        certificate: { uuid: cert.uuid, name: cert.name, state: cert.state, ...more }
      }
    : { fqdn: d.fqdn }
}

export function groupView(ctx: Ctx, g: ServiceGroupRec): Record<string, unknown> {
  return {
    uuid: g.uuid,
    name: g.name,
    created_at: g.created_at,
    persistent: g.persistent,
    autoscale: g.autoscale !== undefined,
    soft_limit: g.soft_limit,
    hard_limit: g.hard_limit,
    services: g.services,
    domains: g.domains.map((d) => domainView(ctx, d)),
    instances: g.instances.map((u) => nameOf(ctx, u)),
    ...(g.autokill_ms !== undefined ? { autokill: { time_ms: g.autokill_ms } } : {})
  }
}

export function instanceView(ctx: Ctx, inst: InstanceRec): Record<string, unknown> {
  const group = inst.service_group ? ctx.store.groups.get(inst.service_group) : undefined
  const view: Record<string, unknown> = {
    uuid: inst.uuid,
    name: inst.name,
    created_at: inst.created_at,
    state: inst.state,
    // [N] answers the image as a URL (ukc-api.md §6.8: `oci://unikraft.io/<org>/app…@sha256:…`).
    image: ctx.settings.generation === 'new' ? `oci://unikraft.io/${inst.image}` : inst.image,
    memory_mb: inst.memory_mb,
    vcpus: inst.vcpus,
    args: inst.args,
    env: inst.env,
    // No `features`: the classic GET does not report them (OpenAPI `instance`, classic SDK
    // GetResponseItem); a client must not read their absence as a change.
    start_count: inst.start_count,
    restart_count: inst.restart_count,
    restart_policy: inst.restart_policy,
    private_fqdn: `${inst.name}.internal`,
    private_ip: inst.private_ip,
    volumes: inst.volumes.map((m) => ({
      uuid: m.uuid,
      name: ctx.store.volumes.get(m.uuid)?.name ?? '',
      at: m.at,
      readonly: m.readonly
    })),
    network_interfaces: [
      {
        uuid: inst.uuid.replace(/^.{8}/, '00000000'),
        private_ip: inst.private_ip,
        mac: '02:00:0a:00:00:01'
      }
    ]
  }
  // [N] reports `features` and the VM `type` (model `Instance`); classic does not (see above).
  if (ctx.settings.generation === 'new')
    Object.assign(view, { features: inst.features, type: 'micro' }, policyView(inst))
  if (inst.scale_to_zero)
    view.scale_to_zero = { enabled: inst.scale_to_zero.policy !== 'off', ...inst.scale_to_zero }
  if (group)
    view.service_group = {
      uuid: group.uuid,
      name: group.name,
      domains: group.domains.map((d) => domainView(ctx, d))
    }
  if (inst.started_at) view.started_at = inst.started_at
  if (inst.state === 'running' && inst.started_at)
    view.uptime_ms = Date.now() - Date.parse(inst.started_at)
  else view.uptime_ms = 0
  if (inst.boot_time_us !== undefined) view.boot_time_us = inst.boot_time_us
  if (inst.net_time_us !== undefined) view.net_time_us = inst.net_time_us
  if (inst.stopped_at) view.stopped_at = inst.stopped_at
  if (inst.previous_state) view.previous_state = inst.previous_state
  if (inst.stop_reason !== undefined && inst.state !== 'running' && inst.state !== 'starting') {
    view.stop_reason = inst.stop_reason
    if (inst.exit_code !== undefined) view.exit_code = inst.exit_code
    if (inst.stop_code !== undefined) view.stop_code = inst.stop_code
  }
  if (inst.restart_attempt > 0) view.restart = { attempt: inst.restart_attempt }
  return view
}

/**
 * Why a volume cannot take one more mount (code 15, as kraftkit reports a second attach), or
 * undefined. `rwo`: one instance at a time (classic volumes too). `rox`: any number of
 * read-only mounts [SDK: models `access_mode`; docs: volumes.mdx]; a read-write mount of one
 * only alone (assumption: the docs say "read-only many" and no more).
 */
export function attachRefusal(ctx: Ctx, vol: VolumeRec, readonly: boolean): string | undefined {
  if (vol.attached_to.length === 0) return undefined
  if (ctx.settings.generation === 'new' && vol.access_mode === 'rox') {
    const writer = vol.attached_to.some(
      (u) =>
        ctx.store.instances.get(u)?.volumes.find((m) => m.uuid === vol.uuid)?.readonly === false
    )
    if (readonly && !writer) return undefined
    return `Volume '${vol.name}' (access mode rox) is attached to another instance; only read-only mounts can share it`
  }
  return ctx.settings.generation === 'new'
    ? `Volume '${vol.name}' is attached to another instance (access mode rwo: one at a time)`
    : `Volume '${vol.name}' is attached to another instance`
}

export function volumeView(ctx: Ctx, vol: VolumeRec): Record<string, unknown> {
  return {
    uuid: vol.uuid,
    name: vol.name,
    created_at: vol.created_at,
    state: volumeState(ctx, vol),
    size_mb: vol.size_mb,
    attached_to: vol.attached_to.map((u) => nameOf(ctx, u)),
    mounted_by: vol.attached_to
      .filter((u) => LIVE.has(ctx.store.instances.get(u)?.state ?? 'stopped'))
      .map((u) => ({
        ...nameOf(ctx, u),
        readonly:
          ctx.store.instances.get(u)?.volumes.find((m) => m.uuid === vol.uuid)?.readonly ?? false
      })),
    persistent: vol.persistent,
    // [N] model `Volume.quota_policy` (required there; classic has none).
    ...(ctx.settings.generation === 'new'
      ? { quota_policy: 'static', access_mode: vol.access_mode, tags: vol.tags }
      : {})
  }
}
