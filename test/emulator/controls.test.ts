/** Conformance of the test controls: fault injection, latency, the request journal, admin over HTTP. */
import { describe, expect, it } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'
import { raw } from '../support/http.js'

const api = useEmulator()
const web = { name: 'web', image: 'nginx:latest', autostart: true, wait_timeout_ms: 2000 }

describe('fault injection', () => {
  it('answers an injected 503 once, then normally', async () => {
    api.emu.addFault({ method: 'GET', path: '/v1/instances', kind: 'status', status: 503 })
    const first = await api.call('GET', '/instances')
    expect(first.status).toBe(503)
    expect(first.json.errors[0].status).toBe(503)
    expect((await api.call('GET', '/instances')).status).toBe(200)
  })

  it('repeats a fault N times and matches path prefixes', async () => {
    api.emu.addFault({ path: '/v1/instances*', kind: 'status', status: 502, times: 2 })
    expect((await api.call('PUT', '/instances/start', [])).status).toBe(502)
    expect((await api.call('GET', '/instances')).status).toBe(502)
    expect((await api.call('GET', '/instances')).status).toBe(200)
  })

  it('rate-limits with 429 and a Retry-After header', async () => {
    api.emu.addFault({ path: '/v1/instances', kind: 'rate_limit', retry_after_s: 2 })
    const r = await api.call('GET', '/instances')
    expect(r.status).toBe(429)
    expect(r.headers['retry-after']).toBe('2')
  })

  it('resets the connection', async () => {
    api.emu.addFault({ path: '/v1/instances', kind: 'reset' })
    await expect(api.call('GET', '/instances')).rejects.toThrow(/socket hang up|ECONNRESET/)
  })

  it('resets after acting: the create happened although its answer was lost', async () => {
    api.emu.addFault({ method: 'POST', path: '/v1/instances', kind: 'reset', when: 'after' })
    await expect(api.call('POST', '/instances', web)).rejects.toThrow()
    const r = await api.call('GET', '/instances', [{ name: 'web' }])
    expect(r.json.data.instances[0]).toMatchObject({ status: 'success', name: 'web' })
  })

  it('stalls a response by delay_ms', async () => {
    api.emu.addFault({ path: '/v1/instances', kind: 'delay', delay_ms: 200 })
    const t0 = Date.now()
    expect((await api.call('GET', '/instances')).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
  })

  it('sends malformed JSON and a proxy HTML page', async () => {
    api.emu.addFault({ path: '/v1/instances', kind: 'malformed' })
    const bad = await api.call('GET', '/instances')
    expect(bad.status).toBe(200)
    expect(bad.json).toBeUndefined()
    api.emu.addFault({ path: '/v1/instances', kind: 'html' })
    const html = await api.call('GET', '/instances')
    expect(html.status).toBe(502)
    expect(html.headers['content-type']).toBe('text/html')
    expect(html.text).toContain('<title>502 Bad Gateway</title>')
  })

  it('can answer 401 in the middle of a run', async () => {
    api.emu.addFault({ path: '/v1/instances/stop', kind: 'status', status: 401 })
    expect((await api.call('PUT', '/instances/stop', [{ name: 'x' }])).json).toEqual({
      status: 'error',
      errors: [{ status: 401 }]
    })
  })

  it('adds latency to every API request', async () => {
    api.emu.configure({ latency_ms: 100 })
    const t0 = Date.now()
    await api.call('GET', '/users/quotas')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95)
  })
})

describe('request journal', () => {
  it('records method, path, body, status and time of every API request', async () => {
    await api.call('POST', '/instances', web)
    await api.call('PUT', '/instances/stop', [{ name: 'web' }, { name: 'ghost' }])
    const j = api.emu.journal()
    expect(j.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /v1/instances 200',
      'PUT /v1/instances/stop 200'
    ])
    expect(j[1].body).toEqual([{ name: 'web' }, { name: 'ghost' }])
    expect(j[0].duration_ms).toBeGreaterThanOrEqual(0)
    expect(Date.parse(j[0].time)).not.toBeNaN()
  })

  it('marks faulted requests', async () => {
    api.emu.addFault({ path: '/v1/instances', kind: 'status', status: 500 })
    await api.call('GET', '/instances')
    expect(api.emu.journal()[0]).toMatchObject({ status: 500, fault: 'status 500' })
  })
})

describe('controls over HTTP (for the standalone emulator)', () => {
  const admin = (method: string, path: string, body?: unknown) =>
    raw(`${api.emu.url}/_emulator${path}`, method, body, { token: null })

  it('pushes images, sets config, injects faults, reads the journal and resets', async () => {
    const pushed = await admin('POST', '/images', { tag: 'acme/app:1' })
    expect(pushed.json.data.digest).toMatch(/^[a-z0-9/-]+@sha256:[0-9a-f]{64}$/)
    expect((await admin('PUT', '/config', { boot_delay_ms: 5 })).status).toBe(200)
    expect(
      (await admin('POST', '/faults', { path: '/v1/volumes', kind: 'status', status: 503 })).status
    ).toBe(200)
    expect((await admin('POST', '/faults', { path: '/v1/volumes', kind: 'explode' })).status).toBe(
      400
    )
    expect((await api.call('GET', '/volumes')).status).toBe(503)
    expect((await admin('GET', '/journal')).json.data.requests).toHaveLength(1)
    await api.call('POST', '/instances', { ...web, image: 'acme/app:1' })
    expect(
      (await admin('POST', '/instances/web/exit', { exit_code: 2, message: 'bye' })).status
    ).toBe(200)
    expect(
      (await admin('PUT', '/quotas', { hard: { instances: 1 } })).json.data.quotas.hard.instances
    ).toBe(1)
    await admin('POST', '/reset')
    expect((await api.call('GET', '/instances')).json.data.instances).toEqual([])
    expect((await admin('GET', '/journal')).json.data.requests).toHaveLength(1)
  })
})
