/** The client against the emulator over loopback: every category, success and failure. */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from '@jest/globals'
import { UkcClient, type ClientOptions } from '../../src/ukc/client.js'
import type { CreateInstanceRequest } from '../../src/ukc/types.js'
import { decodeLog } from '../../src/ukc/instances.js'
import { useEmulator } from '../support/emulator.js'

const api = useEmulator()
const clients: UkcClient[] = []
function client(opts: Partial<ClientOptions> = {}): UkcClient {
  const c = new UkcClient({
    token: 'test-token',
    apiUrl: api.emu.baseUrl,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...opts
  })
  clients.push(c)
  return c
}
afterEach(() => {
  while (clients.length) clients.pop()!.close()
})

const https443 = { port: 443, destination_port: 8080, handlers: ['http' as const, 'tls' as const] }
const fixture = (f: string): string =>
  readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')

describe('instances', () => {
  it('creates with a wait, gets by name and UUID, lists, and deletes', async () => {
    const c = client()
    const created = await c.instances.create({
      name: 'web',
      image: 'nginx:latest',
      memory_mb: 256,
      autostart: true,
      wait_timeout_ms: 5000
    })
    expect(created.status).toBe('success')
    const inst = created.items[0].value
    expect(inst).toMatchObject({ name: 'web', state: 'running', private_fqdn: 'web.internal' })
    const got = await c.instances.get([{ name: 'web' }, { uuid: inst.uuid }])
    expect(got.items.map((i) => i.value.uuid)).toEqual([inst.uuid, inst.uuid])
    expect((await c.instances.get()).items).toHaveLength(1)
    expect((await c.instances.getOne(inst.uuid)).items[0].value.name).toBe('web')
    const del = await c.instances.delete([{ name: 'web' }])
    expect(del.items[0].value.previous_state).toBe('running')
  })

  it('reports already exists (23) as a failed item, not an exception', async () => {
    const c = client()
    await c.instances.create({ name: 'web', image: 'nginx:latest' })
    const again = await c.instances.create({ name: 'web', image: 'nginx:latest' })
    expect(again.status).toBe('error')
    expect(again.items[0]).toMatchObject({ ok: false, code: 23, codeName: 'AlreadyExists' })
  })

  it('starts, stops and waits for a whole set in one request each, with partial success', async () => {
    const c = client()
    for (const name of ['a', 'b', 'c']) await c.instances.create({ name, image: 'nginx:latest' })
    api.emu.journalLog.clear()
    const started = await c.instances.start([
      { name: 'a' },
      { name: 'b' },
      { name: 'c' },
      { name: 'ghost' }
    ])
    expect(started.status).toBe('partial_success')
    expect(started.items.map((i) => i.ok)).toEqual([true, true, true, false])
    expect(started.items[3]).toMatchObject({ code: 8, codeName: 'NotFound' })
    const waited = await c.instances.wait(
      ['a', 'b', 'c'].map((name) => ({ name, state: 'running' as const, timeout_ms: 5000 }))
    )
    expect(waited.items.every((i) => i.ok && i.value.state === 'running')).toBe(true)
    await c.instances.stop(['a', 'b', 'c'].map((name) => ({ name })))
    const stopped = await c.instances.wait(
      ['a', 'b', 'c'].map((name) => ({ name, state: 'stopped' as const, timeout_ms: 5000 }))
    )
    expect(stopped.status).toBe('success')
    expect(api.emu.journal().map((e) => `${e.method} ${e.path}`)).toEqual([
      'PUT /v1/instances/start',
      'GET /v1/instances/wait',
      'PUT /v1/instances/stop',
      'GET /v1/instances/wait'
    ])
  })

  it('marks the items of a wait that ran out as timed out', async () => {
    const c = client()
    await c.instances.create({
      name: 'a',
      image: 'nginx:latest',
      autostart: true,
      wait_timeout_ms: 5000
    })
    await c.instances.stop([{ name: 'a', drain_timeout_ms: 3000 }])
    const r = await c.instances.wait([{ name: 'a', state: 'stopped', timeout_ms: 100 }])
    expect(r.timedOut).toBe(true)
    expect(r.items[0]).toMatchObject({ ok: false, timedOut: true, value: { state: 'draining' } })
  })

  it('uses local scope for one instance by UUID', async () => {
    const c = client()
    const uuid = (await c.instances.create({ name: 'a', image: 'nginx:latest' })).items[0].value
      .uuid
    expect((await c.instances.startOne(uuid, { wait_timeout_ms: 5000 })).items[0].value.state).toBe(
      'running'
    )
    await c.instances.stopOne(uuid, { drain_timeout_ms: 10 })
    expect(
      (await c.instances.wait([{ uuid, state: 'stopped', timeout_ms: 5000 }])).items[0].value.state
    ).toBe('stopped')
    const log = await c.instances.logOne(uuid)
    expect(decodeLog(log.items[0].value)).toContain('stopped by user')
    expect((await c.instances.deleteOne(uuid)).status).toBe('success')
    expect(() => c.instances.getOne('web')).toThrow(/not a UUID/)
  })

  it('reads console logs and metrics in batch', async () => {
    const c = client()
    await c.instances.create({
      name: 'a',
      image: 'nginx:latest',
      autostart: true,
      wait_timeout_ms: 5000
    })
    const logs = await c.instances.logs([{ name: 'a', offset: -4096 }])
    expect(decodeLog(logs.items[0].value)).toContain('Listening on')
    const m = await c.instances.metrics([{ name: 'a' }])
    expect(m.items[0].value).toMatchObject({ name: 'a', state: 'running', start_count: 1 })
    expect(await c.instances.metricsText()).toContain('instance_start_count')
  })

  it('sends nothing for an empty batch', async () => {
    const c = client()
    for (const r of await Promise.all([
      c.instances.start([]),
      c.instances.stop([]),
      c.instances.wait([]),
      c.instances.delete([]),
      c.instances.get([])
    ]))
      expect(r).toEqual({ status: 'success', items: [], timedOut: false })
    expect(api.emu.journal()).toHaveLength(0)
  })
})

describe('service groups, volumes, certificates', () => {
  it('creates, gets and deletes service groups; refuses to delete one in use (15)', async () => {
    const c = client()
    const g = await c.services.create({
      name: 'web',
      services: [https443],
      domains: [{ name: 'myapp' }]
    })
    expect(g.items[0].value.domains).toEqual([{ fqdn: 'myapp.fra0.kraft.host' }])
    await c.instances.create({ name: 'a', image: 'nginx:latest', service_group: { name: 'web' } })
    const refused = await c.services.delete([{ name: 'web' }])
    expect(refused.items[0]).toMatchObject({ ok: false, codeName: 'Attached' })
    await c.instances.delete([{ name: 'a' }])
    expect((await c.services.deleteOne(g.items[0].value.uuid)).status).toBe('success')
    expect((await c.services.get([{ name: 'web' }])).items[0].codeName).toBe('NotFound')
  })

  it('creates, attaches, detaches and deletes volumes', async () => {
    const c = client()
    const v = await c.volumes.create({ name: 'data', size_mb: 64 })
    expect(v.items[0].value.state).toBe('available')
    await c.instances.create({ name: 'a', image: 'nginx:latest' })
    expect(
      (await c.volumes.attach([{ name: 'data', attach_to: { name: 'a' }, at: '/data' }])).status
    ).toBe('success')
    expect((await c.volumes.get([{ name: 'data' }])).items[0].value.attached_to).toEqual([
      expect.objectContaining({ name: 'a' })
    ])
    expect((await c.volumes.detach([{ name: 'data' }])).status).toBe('success')
    expect((await c.volumes.delete([{ name: 'data' }])).status).toBe('success')
  })

  it('uploads, lists and deletes certificates', async () => {
    const c = client()
    const up = await c.certificates.upload({
      name: 'app-cert',
      cn: 'app.example.com',
      chain: fixture('app.example.com.crt.pem'),
      pkey: fixture('app.example.com.key.pem')
    })
    expect(up.status).toBe('success')
    expect((await c.certificates.get([{ name: 'app-cert' }])).items[0].value).toMatchObject({
      common_name: 'app.example.com',
      state: 'valid'
    })
    expect((await c.certificates.delete([{ name: 'app-cert' }])).status).toBe('success')
  })
})

describe('autoscale, images, quotas', () => {
  it('configures autoscale with policies and reads it back', async () => {
    const c = client()
    const g = (await c.services.create({ name: 'web', services: [https443] })).items[0].value
    await c.instances.create({ name: 'a', image: 'nginx:latest', service_group: { name: 'web' } })
    const conf = await c.autoscale.configure({
      name: 'web',
      min_size: 1,
      max_size: 3,
      master: { name: 'a' }
    })
    expect(conf.status).toBe('success')
    await c.autoscale.addPolicy(g.uuid, {
      name: 'cpu',
      type: 'step',
      metric: 'cpu',
      adjustment_type: 'change',
      steps: [
        { upper_bound: 500, adjustment: 0 },
        { lower_bound: 500, adjustment: 1 }
      ]
    })
    const got = await c.autoscale.getOne(g.uuid)
    expect(got.items[0].value).toMatchObject({
      enabled: true,
      max_size: 3,
      policies: [expect.objectContaining({ name: 'cpu' })]
    })
    expect((await c.autoscale.policy(g.uuid, 'cpu')).items[0].value.policy.type).toBe('step')
    expect((await c.autoscale.deletePolicy(g.uuid, 'cpu')).status).toBe('success')
    expect((await c.autoscale.delete([{ name: 'web' }])).status).toBe('success')
    expect((await c.autoscale.get([{ name: 'web' }])).items[0]).toMatchObject({
      ok: true,
      status: 'unconfigured'
    })
  })

  it('reports autoscale not enabled for the account as code 28', async () => {
    const c = client()
    await c.services.create({ name: 'web', services: [https443] })
    api.emu.configure({ autoscale_enabled: false })
    const r = await c.autoscale.configure({ name: 'web', master: { name: 'a' } })
    expect(r.items[0]).toMatchObject({ ok: false, code: 28, codeName: 'AutoscaleDisabled' })
  })

  it('resolves tags to digests in one request, and sees a pushed digest', async () => {
    const c = client()
    const first = api.emu.pushImage('acme/api:stable')
    const m = await c.images.resolve(['acme/api:stable', 'nginx', 'acme/api@sha256:abc'])
    // The full pinned reference, as the images API answers `digest`.
    expect(m.get('acme/api:stable')).toEqual({ digest: `acme/api@${first.digest}` })
    expect(m.get('nginx')?.digest).toMatch(/^nginx@sha256:[0-9a-f]{64}$/)
    expect(m.get('acme/api@sha256:abc')).toEqual({ digest: 'acme/api@sha256:abc' })
    const second = api.emu.pushImage('acme/api:stable')
    expect((await c.images.resolve(['acme/api:stable'])).get('acme/api:stable')?.digest).toBe(
      `acme/api@${second.digest}`
    )
    api.emu.configure({ strict_images: true })
    expect((await c.images.resolve(['acme/none:1'])).get('acme/none:1')).toEqual({
      error: "No image with tag 'acme/none:1' (code 8 NotFound)"
    })
    expect((await c.images.list({ namespace: 'acme' })).items.length).toBe(2)
  })

  it('reads quotas', async () => {
    const q = await client().users.quotas()
    expect(q.items[0].value.hard.live_memory_mb).toBe(32768)
  })
})

describe('failures and retries', () => {
  it('401: a typed error with method, path, host and status, never the token', async () => {
    api.emu.configure({ token: 'right-token' })
    const err = await client({ token: 'secret-wrong-token' })
      .instances.get()
      .catch((e) => e)
    expect(err).toMatchObject({
      name: 'UkcError',
      kind: 'http',
      status: 401,
      method: 'GET',
      path: '/v1/instances'
    })
    expect(err.message).toContain(
      `GET /v1/instances on ${new URL(api.emu.url).host}: HTTP 401 Unauthorized`
    )
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(
      'secret-wrong-token'
    )
    api.emu.configure({ token: null })
  })

  it('400 carries the server message (an unknown field)', async () => {
    const c = client()
    // A field the API does not know, smuggled past the types the way a careless caller might.
    const body = {
      name: 'a',
      image: 'nginx:latest',
      colour: 'blue'
    } as unknown as CreateInstanceRequest
    const err = await c.instances.create(body).catch((e) => e)
    expect(err).toMatchObject({
      kind: 'http',
      status: 400,
      serverMessage: "'colour' is not a valid member of the request",
      ambiguous: false
    })
  })

  it('checks names before sending anything', async () => {
    const c = client()
    expect(() => c.instances.create({ name: 'bad_name', image: 'nginx' })).toThrow(
      "'bad_name' is not a valid name: '_' is not allowed"
    )
    expect(() => c.instances.stop([{ name: '-x' }])).toThrow(/must start with a letter/)
    expect(api.emu.journal()).toHaveLength(0)
  })

  it('retries a 503 on a read and succeeds', async () => {
    api.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'status',
      status: 503,
      times: 2
    })
    expect((await client().instances.get()).status).toBe('success')
    expect(api.emu.journal().map((e) => e.status)).toEqual([503, 503, 200])
  })

  it('honours Retry-After on a 429', async () => {
    const slept: number[] = []
    const c = client({ sleep: async (ms) => void slept.push(ms) })
    api.emu.addFault({ path: '/v1/instances/stop', kind: 'rate_limit', retry_after_s: 3 })
    expect((await c.instances.stop([{ name: 'ghost' }])).items[0].code).toBe(8)
    expect(slept).toHaveLength(1)
    expect(slept[0]).toBeGreaterThanOrEqual(3000)
  })

  it('gives up when Retry-After is beyond the retry budget, saying so', async () => {
    api.emu.addFault({ path: '/v1/instances', kind: 'rate_limit', retry_after_s: 120 })
    const err = await client({ retry: { maxTotalMs: 1000 } })
      .instances.get()
      .catch((e) => e)
    expect(err.message).toMatch(/HTTP 429.*retry after 120 s, beyond the time left/)
  })

  it('times out a request that does not answer, and retries reads that time out', async () => {
    api.emu.addFault({ path: '/v1/users/quotas', kind: 'delay', delay_ms: 1500 })
    const c = client({ requestTimeoutMs: 200 })
    expect((await c.users.quotas()).status).toBe('success')
    api.emu.addFault({ path: '/v1/users/quotas', kind: 'delay', delay_ms: 1500, times: -1 })
    const err = await client({ requestTimeoutMs: 100, retry: { maxAttempts: 2 } })
      .users.quotas()
      .catch((e) => e)
    expect(err).toMatchObject({ kind: 'timeout', attempts: 2 })
    expect(err.message).toMatch(
      /GET \/v1\/users\/quotas on .*: no complete answer within 0.1 s \(request timeout\) \(after 2 attempts\)/
    )
    api.emu.faults.clear()
  })

  it('retries reads through a connection reset, malformed JSON and a proxy HTML page', async () => {
    api.emu.addFault({ path: '/v1/volumes', kind: 'reset' })
    api.emu.addFault({ path: '/v1/volumes', kind: 'malformed' })
    api.emu.addFault({ path: '/v1/volumes', kind: 'html' })
    expect((await client().volumes.get()).status).toBe('success')
    expect(api.emu.journal()).toHaveLength(4)
  })

  it('describes a proxy HTML page when retries run out', async () => {
    api.emu.addFault({ path: '/v1/volumes', kind: 'html', times: -1 })
    const err = await client({ retry: { maxAttempts: 2 } })
      .volumes.get()
      .catch((e) => e)
    expect(err.message).toMatch(
      /HTTP 502 with a non-JSON body \(text\/html\): '502 Bad Gateway'; a proxy or gateway may have answered/
    )
    api.emu.faults.clear()
  })

  it('never retries a create: a lost answer is an ambiguous error, and the instance exists', async () => {
    api.emu.addFault({ method: 'POST', path: '/v1/instances', kind: 'reset', when: 'after' })
    const c = client()
    const err = await c.instances.create({ name: 'web', image: 'nginx:latest' }).catch((e) => e)
    expect(err).toMatchObject({ kind: 'network', ambiguous: true, method: 'POST' })
    expect(api.emu.journal().filter((e) => e.method === 'POST')).toHaveLength(1)
    expect((await c.instances.get([{ name: 'web' }])).items[0].ok).toBe(true)
  })

  it('a 5xx on a create is ambiguous and not retried', async () => {
    api.emu.addFault({ method: 'POST', path: '/v1/instances', kind: 'status', status: 503 })
    const err = await client()
      .instances.create({ name: 'web', image: 'nginx:latest' })
      .catch((e) => e)
    expect(err).toMatchObject({ status: 503, ambiguous: true })
    expect(api.emu.journal()).toHaveLength(1)
  })

  it('stops at the run deadline', async () => {
    const err = await client({ deadline: Date.now() - 1 })
      .instances.get()
      .catch((e) => e)
    expect(err).toMatchObject({ kind: 'timeout' })
    expect(err.message).toMatch(/overall timeout ran out/)
    expect(api.emu.journal()).toHaveLength(0)
  })

  it('a network error names the host', async () => {
    const err = await client({ apiUrl: 'http://127.0.0.1:9/v1', retry: { maxAttempts: 1 } })
      .instances.get()
      .catch((e) => e)
    expect(err.message).toMatch(
      /GET \/v1\/instances on 127\.0\.0\.1:9: network error: ECONNREFUSED/
    )
  })

  it('sends a JSON array body on GET and a user agent with the product and version', async () => {
    await client().instances.get([{ name: 'x' }])
    // Found by its body: a slow request of an earlier test may still land in the journal.
    const e = api.emu
      .journal()
      .find((j) => j.method === 'GET' && JSON.stringify(j.body) === '[{"name":"x"}]')!
    expect(e.query).toBe('')
    expect(e.user_agent).toMatch(/^ukc-deploy\/\d+\.\d+\.\d+ /)
  })

  it('refuses to start without a token', () => {
    expect(() => new UkcClient({ token: '', apiUrl: api.emu.baseUrl })).toThrow(/no UKC API token/)
  })
})

describe('the new platform', () => {
  const fresh = useEmulator({ generation: 'new' })
  const c = (): UkcClient =>
    new UkcClient({ token: 't', apiUrl: fresh.emu.baseUrl, generation: 'new' })

  it('answers a GET that names objects by UUID and by name in the order they were given', async () => {
    const client = c()
    const a = (await client.instances.create({ name: 'a', image: 'nginx:latest' })).items[0].value
    await client.instances.create({ name: 'b', image: 'nginx:latest' })
    const got = await client.instances.get([{ name: 'b' }, { uuid: a.uuid }, { name: 'zz' }])
    expect(got.items.map((i) => [i.ok, i.value.name ?? i.codeName])).toEqual([
      [true, 'b'],
      [true, 'a'],
      [false, 'zz']
    ])
    const q = fresh.emu.journal().at(-1)!
    expect([q.query, q.body]).toEqual([`?uuid=${a.uuid}&name=b&name=zz`, undefined])
    const waited = await client.instances.wait([
      { name: 'b', state: 'stopped', timeout_ms: 1000 },
      { uuid: a.uuid, state: 'stopped', timeout_ms: 1000 }
    ])
    expect(waited.items.map((i) => i.value.name)).toEqual(['b', 'a'])
  })

  it('treats a retained instance as gone, and frees its name when one is made under it', async () => {
    const client = c()
    await client.instances.create({ name: 'a', image: 'nginx:latest' })
    await fresh.call('DELETE', '/instances', [{ name: 'a' }])
    expect((await client.instances.get()).items).toEqual([])
    const byName = (await client.instances.get([{ name: 'a' }])).items[0]
    expect([byName.ok, byName.codeName, byName.message]).toEqual([
      false,
      'NotFound',
      expect.stringContaining("instance 'a' was deleted (retained until")
    ])
    const made = await client.instances.create({ name: 'a', image: 'nginx:latest' })
    expect(made.items[0].ok).toBe(true)
    expect((await client.instances.get()).items.map((i) => i.value.name)).toEqual(['a'])
  })

  it('matches answers to what was asked when the server reorders them or leaves one out', async () => {
    fresh.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'answer',
      body: {
        status: 'success',
        op_time_us: 1,
        data: {
          instances: [
            {
              status: 'success',
              uuid: '00000000-0000-4000-8000-000000000002',
              name: 'b',
              state: 'running'
            },
            {
              status: 'success',
              uuid: '00000000-0000-4000-8000-000000000001',
              name: 'a',
              state: 'running'
            }
          ]
        }
      }
    })
    const got = await c().instances.get([{ name: 'a' }, { name: 'zz' }, { name: 'b' }])
    expect(got.items.map((i) => [i.ok, i.value.name, i.codeName])).toEqual([
      [true, 'a', undefined],
      [false, 'zz', 'NotFound'],
      [true, 'b', undefined]
    ])
  })

  it('reads a listing longer than a page whole, following the last UUID as the cursor', async () => {
    fresh.emu.setQuotas({ hard: { instances: 1000, live_instances: 1000 } })
    fresh.emu.configure({ page_size: 100 })
    const client = c()
    for (let i = 0; i < 250; i++)
      await fresh.call('POST', '/instances', { name: `n-${i}`, image: 'nginx:latest' })
    fresh.emu.journalLog.clear()
    const all = await client.instances.get()
    expect(all.items.map((i) => i.value.name)).toEqual(
      Array.from({ length: 250 }, (_, i) => `n-${i}`)
    )
    const pages = fresh.emu.journal().map((e) => new URLSearchParams(e.query))
    expect(pages.map((q) => [q.get('count'), q.get('from')])).toEqual([
      ['100', null],
      ['100', all.items[99].value.uuid],
      ['100', all.items[199].value.uuid]
    ])
  })

  const answerImages = (path: string, images: object[]): void =>
    fresh.emu.addFault({
      method: 'GET',
      path,
      kind: 'answer',
      body: { status: 'success', op_time_us: 1, data: { images } }
    })

  it('reads a tag the image lookup lists nothing for as not found', async () => {
    answerImages('/v1/image-store', [])
    answerImages('/v1/images', [])
    // One tag a request: the fault meets exactly this one.
    const gone = await c().images.resolve(['acme/gone:1'])
    expect(gone.get('acme/gone:1')).toEqual({
      error: "No image with tag 'acme/gone:1' (code 8 NotFound)"
    })
    const found = await c().images.resolve(['nginx:latest'])
    expect(found.get('nginx:latest')?.digest).toMatch(/^nginx@sha256:/)
  })

  it('asks the image store first, then the image list when the store lists nothing', async () => {
    const client = c()
    fresh.emu.journalLog.clear()
    expect((await client.images.resolve(['nginx:latest'])).get('nginx:latest')?.digest).toMatch(
      /^nginx@sha256:/
    )
    expect(fresh.emu.journal().map((e) => e.path)).toEqual(['/v1/image-store'])
    answerImages('/v1/image-store', [])
    fresh.emu.journalLog.clear()
    expect((await client.images.resolve(['nginx:latest'])).get('nginx:latest')?.digest).toMatch(
      /^nginx@sha256:/
    )
    expect(fresh.emu.journal().map((e) => e.path)).toEqual(['/v1/image-store', '/v1/images'])
  })

  it('falls back to the image list on a metro with no image store, and asks the store once', async () => {
    fresh.emu.configure({ image_store: false })
    const client = c()
    fresh.emu.journalLog.clear()
    const got = await client.images.resolve(['nginx:latest'])
    expect(got.get('nginx:latest')?.digest).toMatch(/^nginx@sha256:/)
    await client.images.resolve(['nginx:1.25'])
    expect(fresh.emu.journal().map((e) => [e.path, e.status])).toEqual([
      ['/v1/image-store', 404],
      ['/v1/images', 200],
      ['/v1/images', 200]
    ])
  })

  it('refuses to pin an image whose answered URL has no sha256 digest, naming the image', async () => {
    answerImages('/v1/image-store', [{ url: 'oci://unikraft.io/acme/app:1', tags: ['1'] }])
    const got = await c().images.resolve(['acme/app:1'])
    expect(got.get('acme/app:1')).toEqual({
      error: expect.stringMatching(
        /^the image lookup answered 'oci:\/\/unikraft.io\/acme\/app:1' for 'acme\/app:1', which has no @sha256: digest/
      )
    })
  })
})
