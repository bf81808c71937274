/** Conformance: service groups, domains, volumes, certificates, autoscale, images and quotas. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'
import { eventually } from '../support/http.js'

const api = useEmulator()
const fixture = (f: string): string =>
  readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')
const https443 = { port: 443, destination_port: 8080, handlers: ['http', 'tls'] }
const inst = { image: 'nginx:latest', memory_mb: 128 }

describe('service groups', () => {
  it.each([
    [{ port: 80, handlers: ['tls'] }, 'port 80 must have the http handler'],
    [{ port: 80, handlers: ['http', 'tls'] }, 'port 80'],
    [{ port: 443, handlers: ['http'] }, 'port 443 must have the http and tls handlers'],
    [{ port: 8443, handlers: ['http', 'tls'] }, 'must not have http'],
    [{ port: 8443, handlers: [] }, 'must have the tls handler'],
    [
      { port: 443, handlers: ['http', 'tls', 'redirect'] },
      'redirect handler is only allowed on port 80'
    ],
    [{ port: 0, handlers: ['tls'] }, "'services[0].port' must be between 1 and 65535"],
    [{ port: 443, handlers: ['http', 'gzip'] }, 'must be one of tls, http, redirect']
  ])('refuses the service %j', async (service, message) => {
    const r = await api.call('POST', '/services', { name: 'g', services: [service] })
    expect(r.status).toBe(400)
    expect(r.json.message).toContain(message)
  })

  it('accepts the kraft shorthand pair and TLS on another port', async () => {
    const r = await api.call('POST', '/services', {
      name: 'g',
      services: [
        https443,
        { port: 80, destination_port: 443, handlers: ['http', 'redirect'] },
        { port: 5432, handlers: ['tls'] }
      ],
      domains: [{ name: 'myapp' }]
    })
    expect(r.json.status).toBe('success')
    const g = r.json.data.service_groups[0]
    expect(g).toMatchObject({ name: 'g', persistent: true, soft_limit: 1, hard_limit: 65535 })
    expect(g.domains).toEqual([{ fqdn: 'myapp.fra0.kraft.host' }])
    expect(g.services[2]).toEqual({ port: 5432, destination_port: 5432, handlers: ['tls'] })
  })

  it('refuses soft_limit above hard_limit with 400', async () => {
    const r = await api.call('POST', '/services', {
      services: [https443],
      soft_limit: 10,
      hard_limit: 5
    })
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(/soft_limit/)
  })

  it('refuses a name or a domain already taken (code 23), and reserved subdomains', async () => {
    await api.call('POST', '/services', {
      name: 'g',
      services: [https443],
      domains: [{ name: 'myapp' }]
    })
    const sameName = await api.call('POST', '/services', { name: 'g', services: [https443] })
    expect(sameName.json.data.service_groups[0].error).toBe(23)
    const sameDomain = await api.call('POST', '/services', {
      name: 'h',
      services: [https443],
      domains: [{ name: 'myapp' }]
    })
    expect(sameDomain.json.data.service_groups[0]).toMatchObject({
      error: 23,
      message: "The domain 'myapp.fra0.kraft.host' is already in use"
    })
    const www = await api.call('POST', '/services', {
      name: 'i',
      services: [https443],
      domains: [{ name: 'www' }]
    })
    expect(www.json.data.service_groups[0].status).toBe('error')
  })

  it('a group named without a domain gets <name>-<8 random>; a taken name is code 23', async () => {
    const r = await api.call('POST', '/services', { name: 'api', services: [https443] })
    expect(r.json.status).toBe('success')
    expect(r.json.data.service_groups[0].domains[0].fqdn).toMatch(
      /^api-[a-z0-9]{8}\.fra0\.kraft\.host$/
    )
    const again = await api.call('POST', '/services', { name: 'api', services: [https443] })
    expect(again.json.data.service_groups[0]).toMatchObject({ status: 'error', error: 23 })
  })

  it.each([
    ['/services', { name: 'api', services: [https443] }, 'not an array'],
    ['/services/autoscale', { name: 'g', master: { name: 'a' } }, 'not an array']
  ])(
    'POST %s takes one object; an array is refused with 400 naming the shape',
    async (path, one, words) => {
      const r = await api.call('POST', path, [one])
      expect(r.status).toBe(400)
      expect(JSON.stringify(r.json)).toContain(words)
    }
  )

  it('refuses to delete a group that still has instances, then deletes it when empty', async () => {
    await api.call('POST', '/services', { name: 'g', services: [https443] })
    await api.call('POST', '/instances', { ...inst, name: 'a', service_group: { name: 'g' } })
    const refused = await api.call('DELETE', '/services', [{ name: 'g' }])
    expect(refused.json.data.service_groups[0]).toMatchObject({ status: 'error', error: 15 })
    await api.call('DELETE', '/instances', [{ name: 'a' }])
    expect((await api.call('DELETE', '/services', [{ name: 'g' }])).json.status).toBe('success')
  })

  it('an implicit group dies with its only instance', async () => {
    const r = await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      service_group: { services: [https443] }
    })
    const groupUuid = r.json.data.instances[0].service_group.uuid
    expect(
      (await api.call('GET', '/services', [{ uuid: groupUuid }])).json.data.service_groups[0]
        .persistent
    ).toBe(false)
    await api.call('DELETE', '/instances', [{ name: 'a' }])
    expect(
      (await api.call('GET', '/services', [{ uuid: groupUuid }])).json.data.service_groups[0].error
    ).toBe(8)
  })

  it('a second instance joining an implicit group makes it persistent', async () => {
    const r = await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      service_group: { services: [https443] }
    })
    const groupUuid = r.json.data.instances[0].service_group.uuid
    await api.call('POST', '/instances', { ...inst, name: 'b', service_group: { uuid: groupUuid } })
    await api.call('DELETE', '/instances', [{ name: 'a' }, { name: 'b' }])
    expect(
      (await api.call('GET', '/services', [{ uuid: groupUuid }])).json.data.service_groups[0].status
    ).toBe('success')
  })

  it('an FQDN domain is taken as given and gets a platform certificate that turns valid', async () => {
    const r = await api.call('POST', '/services', {
      name: 'g',
      services: [https443],
      domains: [{ name: 'shop.example.org.' }]
    })
    const d = r.json.data.service_groups[0].domains[0]
    expect(d.fqdn).toBe('shop.example.org')
    expect(d.certificate.state).toBe('pending')
    const cert = await eventually(async () => {
      const c = (await api.call('GET', '/certificates', [{ uuid: d.certificate.uuid }])).json.data
        .certificates[0]
      return c.state === 'valid' ? c : undefined
    })
    expect(cert.common_name).toBe('shop.example.org')
  })
})

describe('volumes', () => {
  it('creates, attaches to a stopped instance, mounts on start, refuses deletion while attached', async () => {
    const v = await api.call('POST', '/volumes', { name: 'data', size_mb: 64 })
    expect(v.json.data.volumes[0]).toMatchObject({
      status: 'success',
      name: 'data',
      state: 'available'
    })
    await api.call('POST', '/instances', { ...inst, name: 'a' })
    const att = await api.call('PUT', '/volumes/attach', [
      { name: 'data', attach_to: { name: 'a' }, at: '/data' }
    ])
    expect(att.json.status).toBe('success')
    expect((await api.call('GET', '/volumes', [{ name: 'data' }])).json.data.volumes[0].state).toBe(
      'idle'
    )
    await api.call('PUT', '/instances/start', [{ name: 'a', wait_timeout_ms: 2000 }])
    const mounted = (await api.call('GET', '/volumes', [{ name: 'data' }])).json.data.volumes[0]
    expect(mounted).toMatchObject({
      state: 'mounted',
      attached_to: [{ name: 'a' }],
      mounted_by: [{ name: 'a', readonly: false }]
    })
    const del = await api.call('DELETE', '/volumes', [{ name: 'data' }])
    expect(del.json.data.volumes[0]).toMatchObject({ status: 'error', error: 15 })
    const det = await api.call('PUT', '/volumes/detach', [{ name: 'data' }])
    expect(det.json.data.volumes[0]).toMatchObject({ status: 'error', error: 11 })
  })

  it('refuses to attach to a running instance, and sizes outside the limits', async () => {
    await api.call('POST', '/volumes', { name: 'data', size_mb: 64 })
    await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    const r = await api.call('PUT', '/volumes/attach', [
      { name: 'data', attach_to: { name: 'a' }, at: '/data' }
    ])
    expect(r.json.data.volumes[0]).toMatchObject({ status: 'error', error: 11 })
    expect((await api.call('POST', '/volumes', { size_mb: 4 })).json.data.volumes[0].error).toBe(7)
  })

  it('a volume created with an instance goes with it unless detached first', async () => {
    const r = await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      volumes: [{ size_mb: 32, at: '/cache' }]
    })
    const vol = r.json.data.instances[0].volumes[0]
    expect(vol.name).toMatch(/^vol-[a-z0-9]{5}$/)
    await api.call('DELETE', '/instances', [{ name: 'a' }])
    expect(
      (await api.call('GET', '/volumes', [{ uuid: vol.uuid }])).json.data.volumes[0].error
    ).toBe(8)
  })

  it('refuses a reference mixed with a new-volume description, and bad mount paths', async () => {
    const mixed = await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      volumes: [{ name: 'data', size_mb: 32, at: '/d' }]
    })
    expect(mixed.status).toBe(400)
    expect(mixed.json.message).toContain(
      'Either a reference to an existing volume or the description of a new volume can be provided'
    )
    const dotdot = await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      volumes: [{ size_mb: 32, at: '/data/../etc' }]
    })
    expect(dotdot.status).toBe(400)
  })
})

describe('certificates', () => {
  const upload = {
    name: 'app-cert',
    cn: 'app.example.com',
    chain: fixture('app.example.com.crt.pem'),
    pkey: fixture('app.example.com.key.pem')
  }

  it('uploads a certificate and reads back its details', async () => {
    const r = await api.call('POST', '/certificates', upload)
    expect(r.json.data.certificates[0]).toMatchObject({ status: 'success', name: 'app-cert' })
    const c = (await api.call('GET', '/certificates', [{ name: 'app-cert' }])).json.data
      .certificates[0]
    expect(c).toMatchObject({ common_name: 'app.example.com', state: 'valid', service_groups: [] })
    expect(c.not_after).toMatch(/^2\d{3}-/)
  })

  it('refuses PEM text that is not a certificate or key, a key of another certificate, and a CN mismatch', async () => {
    expect((await api.call('POST', '/certificates', { ...upload, chain: 'hello' })).status).toBe(
      400
    )
    const wrongKey = await api.call('POST', '/certificates', {
      ...upload,
      pkey: fixture('other.example.com.key.pem')
    })
    expect(wrongKey.json.message).toMatch(/does not belong/)
    const mismatch = await api.call('POST', '/certificates', { ...upload, cn: 'shop.example.com' })
    expect(mismatch.json.data.certificates[0].error).toBe(30)
  })

  it('is used by a group whose FQDN matches, and cannot be deleted while in use', async () => {
    await api.call('POST', '/certificates', upload)
    const g = await api.call('POST', '/services', {
      name: 'g',
      services: [https443],
      domains: [{ name: 'app.example.com.' }]
    })
    expect(g.json.data.service_groups[0].domains[0].certificate).toMatchObject({
      name: 'app-cert',
      state: 'valid'
    })
    const del = await api.call('DELETE', '/certificates', [{ name: 'app-cert' }])
    expect(del.json.data.certificates[0]).toMatchObject({ status: 'error', error: 15 })
  })
})

describe('autoscale', () => {
  const step = {
    name: 'cpu',
    type: 'step',
    metric: 'cpu',
    adjustment_type: 'change',
    steps: [
      { lower_bound: 0, upper_bound: 500, adjustment: 0 },
      { lower_bound: 500, adjustment: 1 }
    ]
  }

  it('configures a group, reads it back, manages policies and deletes it', async () => {
    const g = (await api.call('POST', '/services', { name: 'g', services: [https443] })).json.data
      .service_groups[0]
    await api.call('POST', '/instances', { ...inst, name: 'a', service_group: { name: 'g' } })
    const unconfigured = await api.call('GET', '/services/autoscale', [{ name: 'g' }])
    expect(unconfigured.json.data.service_groups[0]).toMatchObject({
      status: 'unconfigured',
      enabled: false
    })
    const c = await api.call('POST', '/services/autoscale', {
      name: 'g',
      min_size: 1,
      max_size: 4,
      master: { name: 'a' },
      policies: [step]
    })
    expect(c.json.status).toBe('success')
    const got = (await api.call('GET', `/services/${g.uuid}/autoscale`)).json.data.service_groups[0]
    expect(got).toMatchObject({
      enabled: true,
      min_size: 1,
      max_size: 4,
      master: { name: 'a' },
      policies: [{ name: 'cpu', enabled: true }]
    })
    await api.call('POST', `/services/${g.uuid}/autoscale/policies`, {
      name: 'burst',
      type: 'on_demand'
    })
    const one = await api.call('GET', `/services/${g.uuid}/autoscale/policies/burst`)
    expect(one.json.data.policies[0].policy).toMatchObject({ name: 'burst', type: 'on_demand' })
    expect(
      (await api.call('DELETE', `/services/${g.uuid}/autoscale/policies/burst`)).json.status
    ).toBe('success')
    expect((await api.call('DELETE', '/services/autoscale', [{ name: 'g' }])).json.status).toBe(
      'success'
    )
  })

  it.each([
    [
      [{ lower_bound: 500, upper_bound: 100, adjustment: 1 }],
      'lower_bound must be less than upper_bound'
    ],
    [[{ adjustment: 1 }], 'must have a lower_bound or an upper_bound'],
    [
      [
        { upper_bound: 100, adjustment: 0 },
        { lower_bound: 50, adjustment: 1 }
      ],
      'overlaps'
    ],
    [
      [
        { upper_bound: 100, adjustment: 0 },
        { lower_bound: 200, adjustment: 1 }
      ],
      'gap'
    ],
    [
      Array.from({ length: 5 }, (_, i) => ({
        lower_bound: i * 10,
        upper_bound: i * 10 + 10,
        adjustment: 1
      })),
      'more than 4'
    ]
  ])('refuses the steps %j', async (steps, message) => {
    const g = (await api.call('POST', '/services', { name: 'g', services: [https443] })).json.data
      .service_groups[0]
    await api.call('POST', '/instances', { ...inst, name: 'a', service_group: { name: 'g' } })
    await api.call('POST', '/services/autoscale', { name: 'g', master: { name: 'a' } })
    const r = await api.call('POST', `/services/${g.uuid}/autoscale/policies`, { ...step, steps })
    expect(r.status).toBe(400)
    expect(r.json.message).toContain(message)
  })

  it('says "Autoscale not enabled for your account" (code 28) when the account lacks it, and 29 out of range', async () => {
    await api.call('POST', '/services', { name: 'g', services: [https443] })
    await api.call('POST', '/instances', { ...inst, name: 'a', service_group: { name: 'g' } })
    expect(
      (
        await api.call('POST', '/services/autoscale', {
          name: 'g',
          max_size: 99,
          master: { name: 'a' }
        })
      ).json.data.service_groups[0].error
    ).toBe(29)
    api.emu.configure({ autoscale_enabled: false })
    const r = await api.call('POST', '/services/autoscale', { name: 'g', master: { name: 'a' } })
    expect(r.json.data.service_groups[0]).toMatchObject({
      error: 28,
      message: 'Autoscale not enabled for your account'
    })
  })
})

describe('images', () => {
  it('resolves a tag to its digest, and follows the tag when a new digest is pushed', async () => {
    const first = api.emu.pushImage('acme/api:stable')
    const r1 = await api.call('GET', '/images/list', [{ tag: 'acme/api:stable' }])
    // `digest` is the full pinned reference (OpenAPI `image.digest` example).
    expect(r1.json.data.images[0]).toMatchObject({
      digest: `acme/api@${first.digest}`,
      tags: ['acme/api:stable']
    })
    await api.call('POST', '/instances', { image: 'acme/api:stable', name: 'a' })
    const second = api.emu.pushImage('acme/api:stable')
    expect(second.digest).not.toBe(first.digest)
    const r2 = await api.call('GET', '/images/list?tag=acme/api:stable')
    expect(r2.json.data.images[0].digest).toBe(`acme/api@${second.digest}`)
    const a = (await api.call('GET', '/instances', [{ name: 'a' }])).json.data.instances[0]
    expect(a.image).toBe(`acme/api@${first.digest}`)
    expect(a).not.toHaveProperty('features')
    const byDigest = await api.call('GET', '/images/list', [{ digest: a.image }])
    expect(byDigest.json.data.images[0].tags).toEqual([])
  })

  it('a create pins by the full reference; a reference pinned twice names no image', async () => {
    const img = api.emu.pushImage('acme/api:stable')
    const pin = `acme/api@${img.digest}`
    const ok = await api.call('POST', '/instances', { image: pin, name: 'a' })
    expect(ok.json.data.instances[0]).toMatchObject({ status: 'success' })
    const twice = await api.call('POST', '/instances', { image: `acme/api@${pin}`, name: 'b' })
    expect(twice.json.data.instances[0]).toMatchObject({ status: 'error', error: 8 })
    expect(twice.json.data.instances[0].message).toContain('No image')
  })

  it('in strict mode, an unknown image fails the create with code 8', async () => {
    api.emu.configure({ strict_images: true })
    const r = await api.call('POST', '/instances', { image: 'acme/unknown:1', name: 'a' })
    expect(r.json.data.instances[0]).toMatchObject({ status: 'error', error: 8 })
    expect(
      (await api.call('GET', '/images/list', [{ tag: 'acme/unknown:1' }])).json.data.images[0].error
    ).toBe(8)
  })

  it('normalises official references the way kraftkit does', async () => {
    const r = await api.call('GET', '/images/list', [{ tag: 'index.unikraft.io/official/nginx' }])
    expect(r.json.data.images[0].tags).toContain('nginx:latest')
  })
})

describe('quotas', () => {
  it('reports used, hard and limits, and counts live instances only while not stopped', async () => {
    await api.call('POST', '/instances', {
      ...inst,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    await api.call('POST', '/instances', { ...inst, name: 'b' })
    const q = (await api.call('GET', '/users/quotas')).json.data.quotas[0]
    expect(q.used).toMatchObject({ instances: 2, live_instances: 1, live_memory_mb: 128 })
    expect(q.hard.live_memory_mb).toBe(32768)
    expect(q.limits).toMatchObject({ min_memory_mb: 16, max_memory_mb: 8192 })
  })

  it('refuses what would pass a hard limit with code 19, and memory outside the limits with 7', async () => {
    api.emu.setQuotas({ hard: { live_memory_mb: 200, service_groups: 1, volumes: 1 } })
    await api.call('POST', '/instances', { ...inst, name: 'a', autostart: true })
    const over = await api.call('POST', '/instances', { ...inst, name: 'b', autostart: true })
    expect(over.json.data.instances[0]).toMatchObject({ error: 19 })
    expect(over.json.data.instances[0].message).toMatch(/live_memory_mb/)
    await api.call('POST', '/instances', { ...inst, name: 'c' })
    expect(
      (await api.call('PUT', '/instances/start', [{ name: 'c' }])).json.data.instances[0].error
    ).toBe(19)
    await api.call('POST', '/services', { services: [https443] })
    expect(
      (await api.call('POST', '/services', { services: [https443] })).json.data.service_groups[0]
        .error
    ).toBe(19)
    await api.call('POST', '/volumes', { size_mb: 8 })
    expect((await api.call('POST', '/volumes', { size_mb: 8 })).json.data.volumes[0].error).toBe(19)
    // Outside the OpenAPI's 16..4096 the request is malformed; inside it, the account decides.
    expect(
      (await api.call('POST', '/instances', { ...inst, name: 'd', memory_mb: 9000 })).status
    ).toBe(400)
    api.emu.setQuotas({ limits: { max_memory_mb: 1024 } })
    expect(
      (await api.call('POST', '/instances', { ...inst, name: 'd', memory_mb: 2048 })).json.data
        .instances[0].error
    ).toBe(7)
  })
})
