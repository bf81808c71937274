/** Conformance: the envelope, authentication, strict validation and addressing (ukc-api.md §2–§4, §14.1). */
import { describe, expect, it } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'

const api = useEmulator()
const web = {
  name: 'web',
  image: 'nginx:latest',
  memory_mb: 256,
  autostart: true,
  wait_timeout_ms: 5000
}

describe('authentication', () => {
  it('answers 401 with the documented body without a bearer token', async () => {
    const r = await api.call('GET', '/instances', undefined, { token: null })
    expect(r.status).toBe(401)
    expect(r.json).toEqual({ status: 'error', errors: [{ status: 401 }] })
  })

  it('accepts only the configured token when one is set', async () => {
    api.emu.configure({ token: 'right' })
    expect((await api.call('GET', '/instances', undefined, { token: 'wrong' })).status).toBe(401)
    expect((await api.call('GET', '/instances', undefined, { token: 'right' })).status).toBe(200)
    api.emu.configure({ token: null })
  })
})

describe('strict validation', () => {
  it('rejects an unknown member with 400, naming it', async () => {
    const r = await api.call('POST', '/instances', { ...web, colour: 'blue' })
    expect(r.status).toBe(400)
    expect(r.json.status).toBe('error')
    expect(r.json.errors[0].status).toBe(400)
    expect(r.json.errors[0].message).toContain("'colour' is not a valid member")
  })

  it('rejects ill-typed members, naming the field and the type', async () => {
    const r = await api.call('POST', '/instances', { ...web, memory_mb: '256' })
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(/'memory_mb' must be an integer/)
    const env = await api.call('POST', '/instances', { ...web, env: { PORT: 8080 } })
    expect(env.json.message).toMatch(/'env.PORT' must be a string/)
  })

  it('rejects a missing required member and unknown nested members', async () => {
    expect((await api.call('POST', '/instances', { name: 'x' })).json.message).toMatch(
      /'image' is required/
    )
    const r = await api.call('POST', '/instances', {
      ...web,
      service_group: { services: [{ port: 443, proto: 'tcp' }] }
    })
    expect(r.json.message).toContain("'service_group.services[0].proto' is not a valid member")
  })

  it('rejects a body that is not JSON', async () => {
    const r = await api.call('POST', '/instances', undefined, { rawBody: '{"name": ' })
    expect(r.status).toBe(400)
    expect(r.json.errors[0].message).toMatch(/not valid JSON/)
  })

  it.each([
    ['Web_1', 'underscore'],
    ['1web', 'starts with a digit'],
    ['web-', 'ends with a hyphen'],
    ['we--b', 'double hyphen'],
    ['web.', 'FQDN'],
    ['a'.repeat(64), 'label over 63'],
    [`${'a'.repeat(60)}.${'b'.repeat(60)}.c`, 'over 121']
  ])('rejects the name %s (%s)', async (name) => {
    const r = await api.call('POST', '/instances', { ...web, name })
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(/not a valid name/)
  })

  it('folds upper case names to lower case', async () => {
    const r = await api.call('POST', '/instances', { ...web, name: 'My-Web' })
    expect(r.json.data.instances[0].name).toBe('my-web')
  })

  it('rejects a wait timeout without autostart, and force with drain_timeout_ms', async () => {
    expect((await api.call('POST', '/instances', { ...web, autostart: false })).status).toBe(400)
    await api.call('POST', '/instances', web)
    const r = await api.call('PUT', '/instances/stop', [
      { name: 'web', force: true, drain_timeout_ms: 100 }
    ])
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(/'force' cannot be combined with 'drain_timeout_ms'/)
  })

  it('rejects uuid and name together, neither, and a malformed uuid', async () => {
    expect(
      (
        await api.call('GET', '/instances', [
          { uuid: '7bece402-c36f-457f-a165-0e2d63f1db53', name: 'a' }
        ])
      ).status
    ).toBe(400)
    expect((await api.call('GET', '/instances', [{}])).status).toBe(400)
    const r = await api.call('GET', '/instances', [{ uuid: 'nope' }])
    expect(r.json.message).toBe("Invalid uuid 'nope'")
  })

  it('answers 404 for an unknown endpoint and 405 for a wrong method', async () => {
    const missing = await api.call('GET', '/gadgets')
    expect(missing.status).toBe(404)
    expect(missing.json.errors[0].error).toBe(3)
    const wrong = await api.call('PATCH', '/instances/stop', [])
    expect(wrong.status).toBe(405)
    expect(wrong.json.errors[0].error).toBe(2)
  })
})

describe('the worked examples of §14.1', () => {
  it('create + wait returns the running instance with its group, domain and boot time', async () => {
    const r = await api.call('POST', '/instances', {
      ...web,
      restart_policy: 'never',
      service_group: {
        services: [
          { port: 443, destination_port: 8080, handlers: ['http', 'tls'] },
          { port: 80, destination_port: 443, handlers: ['http', 'redirect'] }
        ]
      },
      scale_to_zero: { policy: 'on', cooldown_time_ms: 60000 }
    })
    expect(r.status).toBe(200)
    expect(r.json.status).toBe('success')
    const inst = r.json.data.instances[0]
    expect(inst).toMatchObject({
      status: 'success',
      name: 'web',
      state: 'running',
      private_fqdn: 'web.internal'
    })
    expect(inst.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(inst.private_ip).toMatch(/^10\.\d+\.\d+\.\d+$/)
    expect(inst.boot_time_us).toBeGreaterThan(0)
    expect(inst.image).toMatch(/^nginx@sha256:[0-9a-f]{64}$/)
    expect(inst.service_group.domains[0].fqdn).toMatch(
      /^[a-z]+-[a-z]+-[a-z0-9]{8}\.fra0\.kraft\.host$/
    )
  })

  it('a name clash is a per-item failure inside HTTP 200', async () => {
    await api.call('POST', '/instances', web)
    const r = await api.call('POST', '/instances', web)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      status: 'error',
      message: 'Failed to perform all operations',
      data: {
        instances: [
          {
            status: 'error',
            name: 'web',
            message: "An instance with the name 'web' already exists",
            error: 23
          }
        ]
      }
    })
  })

  it('a batch stop with one unknown name is a partial success', async () => {
    await api.call('POST', '/instances', web)
    const r = await api.call('PUT', '/instances/stop', [
      { name: 'web', drain_timeout_ms: 5000 },
      { name: 'ghost' }
    ])
    expect(r.json.status).toBe('partial_success')
    expect(r.json.message).toBe('Failed to perform all operations')
    expect(r.json.data.instances[0]).toMatchObject({
      status: 'success',
      name: 'web',
      state: 'draining',
      previous_state: 'running'
    })
    expect(r.json.data.instances[1]).toEqual({
      status: 'error',
      name: 'ghost',
      message: "No instance with name 'ghost'",
      error: 8
    })
  })

  it('a wait that runs out says "Operation timed out" with the current state and no code', async () => {
    await api.call('POST', '/instances', web)
    await api.call('PUT', '/instances/stop', [{ name: 'web', drain_timeout_ms: 2000 }])
    const r = await api.call('GET', '/instances/wait', [
      { name: 'web', state: 'stopped', timeout_ms: 100 }
    ])
    expect(r.status).toBe(200)
    expect(r.json.status).toBe('error')
    expect(r.json.message).toBe('Operation timed out')
    const item = r.json.data.instances[0]
    expect(item).toMatchObject({ status: 'error', name: 'web', state: 'draining' })
    expect(item.error).toBeUndefined()
  })

  it('logs come back base64 with the available and returned ranges', async () => {
    await api.call('POST', '/instances', web)
    const r = await api.call('GET', '/instances/log', [{ name: 'web', offset: -4096, limit: 4096 }])
    const item = r.json.data.instances[0]
    const text = Buffer.from(item.output, 'base64').toString()
    expect(text).toContain('Listening on')
    expect(item.available).toEqual({ start: 0, end: Buffer.byteLength(text) })
    expect(item.range).toEqual({ start: 0, end: Buffer.byteLength(text) })
    expect(item.state).toBe('running')
    const tail = await api.call('GET', '/instances/log', [{ name: 'web', offset: -10, limit: 4 }])
    expect(tail.json.data.instances[0].range).toEqual({
      start: item.available.end - 10,
      end: item.available.end - 6
    })
    expect((await api.call('GET', '/instances/log', [{ name: 'web', limit: 16384 }])).status).toBe(
      400
    )
  })
})

describe('addressing', () => {
  it('GET takes identifiers as a JSON array body or as repeated query parameters, in order', async () => {
    const a = (await api.call('POST', '/instances', { ...web, name: 'a' })).json.data.instances[0]
    await api.call('POST', '/instances', { ...web, name: 'b' })
    const byBody = await api.call('GET', '/instances', [{ name: 'b' }, { uuid: a.uuid }])
    expect(byBody.json.data.instances.map((i: { name: string }) => i.name)).toEqual(['b', 'a'])
    const byQuery = await api.call('GET', `/instances?uuid=${a.uuid}&name=b`)
    expect(byQuery.json.data.instances.map((i: { name: string }) => i.name).sort()).toEqual([
      'a',
      'b'
    ])
  })

  it('GET without identifiers lists everything, without per-item status', async () => {
    await api.call('POST', '/instances', { ...web, name: 'a' })
    const r = await api.call('GET', '/instances')
    expect(r.json.status).toBe('success')
    expect(r.json.data.instances).toHaveLength(1)
    expect(r.json.data.instances[0].status).toBeUndefined()
    const brief = await api.call('GET', '/instances?details=false')
    expect(Object.keys(brief.json.data.instances[0]).sort()).toEqual(['name', 'uuid'])
  })

  it('local scope addresses one object by UUID; options in a body or in the query', async () => {
    const a = (await api.call('POST', '/instances', web)).json.data.instances[0]
    expect((await api.call('GET', `/instances/${a.uuid}`)).json.data.instances[0].name).toBe('web')
    const stop = await api.call('PUT', `/instances/${a.uuid}/stop?drain_timeout_ms=0`)
    expect(stop.json.data.instances[0].state).toBe('stopping')
    const waited = await api.call('GET', `/instances/${a.uuid}/wait`, {
      state: 'stopped',
      timeout_ms: 2000
    })
    expect(waited.json.data.instances[0].state).toBe('stopped')
    const unknown = await api.call('GET', '/instances/7bece402-c36f-457f-a165-0e2d63f1db53')
    expect(unknown.json.data.instances[0]).toMatchObject({ status: 'error', error: 8 })
    expect((await api.call('GET', '/instances/not-a-uuid')).status).toBe(400)
  })
})
