/** Conformance: the instance state machine in time (ukc-api.md §6.1–§6.3, §6.9, §14). */
import { describe, expect, it } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'
import { eventually, sleep } from '../support/http.js'

const api = useEmulator({ bootDelayMs: 80 })
const base = { image: 'nginx:latest', memory_mb: 128 }

async function state(name: string): Promise<Record<string, unknown>> {
  return (await api.call('GET', '/instances', [{ name }])).json.data.instances[0]
}

describe('instance lifecycle', () => {
  it('boots through starting to running after the boot delay', async () => {
    // Margins wide enough for a loaded machine (the suites run more workers than cores).
    api.emu.configure({ boot_delay_ms: 500 })
    const r = await api.call('POST', '/instances', { ...base, name: 'a', autostart: true })
    expect(r.json.data.instances[0].state).toBe('starting')
    expect((await state('a')).state).toBe('starting')
    await sleep(700)
    const s = await state('a')
    expect(s.state).toBe('running')
    expect(s.start_count).toBe(1)
    expect(s.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  it('creates stopped without autostart, and start is a no-op for a running instance', async () => {
    await api.call('POST', '/instances', { ...base, name: 'a' })
    expect((await state('a')).state).toBe('stopped')
    const s1 = await api.call('PUT', '/instances/start', [{ name: 'a', wait_timeout_ms: 2000 }])
    expect(s1.json.data.instances[0]).toMatchObject({ state: 'running', previous_state: 'stopped' })
    const s2 = await api.call('PUT', '/instances/start', [{ name: 'a' }])
    expect(s2.json.data.instances[0]).toMatchObject({ state: 'running', previous_state: 'running' })
  })

  it('wait blocks on the server and answers as soon as the state is reached', async () => {
    api.emu.configure({ boot_delay_ms: 300 })
    await api.call('POST', '/instances', { ...base, name: 'a', autostart: true })
    const t0 = Date.now()
    const r = await api.call('GET', '/instances/wait', [
      { name: 'a', state: 'running', timeout_ms: 5000 }
    ])
    const took = Date.now() - t0
    expect(r.json.status).toBe('success')
    expect(r.json.data.instances[0].state).toBe('running')
    expect(took).toBeGreaterThanOrEqual(250)
    expect(took).toBeLessThan(2000)
  })

  it('drains, stops, and records why and from where', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    const r = await api.call('PUT', '/instances/stop', [{ name: 'a', drain_timeout_ms: 600 }])
    expect(r.json.data.instances[0]).toMatchObject({ state: 'draining', previous_state: 'running' })
    await sleep(100)
    expect((await state('a')).state).toBe('draining')
    const w = await api.call('GET', '/instances/wait', [
      { name: 'a', state: 'stopped', timeout_ms: 3000 }
    ])
    expect(w.json.status).toBe('success')
    const s = await state('a')
    expect(s).toMatchObject({
      state: 'stopped',
      stop_reason: 15,
      previous_state: 'stopping',
      exit_code: 0
    })
    expect(s.stopped_at).toBeDefined()
  })

  it('a forced stop skips draining and says so in stop_reason', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    const r = await api.call('PUT', '/instances/stop', [{ name: 'a', force: true }])
    expect(r.json.data.instances[0].state).toBe('stopping')
    await api.call('GET', '/instances/wait', [{ name: 'a', state: 'stopped', timeout_ms: 2000 }])
    expect((await state('a')).stop_reason).toBe(28)
  })

  it('creates replicas + 1 instances with their own names and UUIDs in one group', async () => {
    const r = await api.call('POST', '/instances', {
      ...base,
      name: 'web',
      replicas: 2,
      autostart: true,
      wait_timeout_ms: 2000,
      service_group: {
        services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }]
      }
    })
    const list = r.json.data.instances
    expect(list).toHaveLength(3)
    expect(new Set(list.map((i: { uuid: string }) => i.uuid)).size).toBe(3)
    expect(list[0].name).toBe('web')
    expect(list[1].name).toMatch(/^web-[a-z0-9]{5}$/)
    expect(
      new Set(list.map((i: { service_group: { uuid: string } }) => i.service_group.uuid)).size
    ).toBe(1)
    const group = (await api.call('GET', '/services', [{ uuid: list[0].service_group.uuid }])).json
      .data.service_groups[0]
    expect(group.instances).toHaveLength(3)
    expect(group.persistent).toBe(true)
  })

  it('an instance with delete-on-stop disappears once stopped', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000,
      features: ['delete-on-stop']
    })
    await api.call('PUT', '/instances/stop', [{ name: 'a' }])
    await eventually(
      async () =>
        (await api.call('GET', '/instances', [{ name: 'a' }])).json.data.instances[0].error === 8
    )
    const bad = await api.call('POST', '/instances', {
      ...base,
      name: 'b',
      features: ['delete-on-stop'],
      restart_policy: 'always'
    })
    expect(bad.status).toBe(400)
  })

  it('an app that exits stops with an app-exit reason and a console line that says why', async () => {
    api.emu.pushImage('acme/crashy:1', {
      crash: { after_ms: 30, exit_code: 3, message: 'panic: missing DATABASE_URL' }
    })
    await api.call('POST', '/instances', { image: 'acme/crashy:1', name: 'c', autostart: true })
    const w = await api.call('GET', '/instances/wait', [
      { name: 'c', state: 'stopped', timeout_ms: 3000 }
    ])
    expect(w.json.status).toBe('success')
    const s = await state('c')
    expect(s).toMatchObject({ state: 'stopped', stop_reason: 3, exit_code: 3 })
    const log = await api.call('GET', '/instances/log', [{ name: 'c' }])
    expect(Buffer.from(log.json.data.instances[0].output, 'base64').toString()).toContain(
      'panic: missing DATABASE_URL'
    )
  })

  it('restart policy on-failure restarts a crashed app and counts it', async () => {
    api.emu.pushImage('acme/flaky:1', { crash: { after_ms: 20, exit_code: 1, message: 'boom' } })
    await api.call('POST', '/instances', {
      image: 'acme/flaky:1',
      name: 'f',
      autostart: true,
      restart_policy: 'on-failure'
    })
    await eventually(async () => ((await state('f')).restart_count as number) >= 1)
    expect((await state('f')).restart).toBeDefined()
  })

  it('an instance can be made to exit from the test controls', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    api.emu.exitInstance('a', 137, 'Out of memory: killed')
    expect(await state('a')).toMatchObject({ state: 'stopped', stop_reason: 3, exit_code: 137 })
  })

  it('scale-to-zero puts an idle instance in standby after its cooldown', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'z',
      autostart: true,
      wait_timeout_ms: 2000,
      scale_to_zero: { policy: 'idle', cooldown_time_ms: 50 },
      service_group: {
        services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }]
      }
    })
    const w = await api.call('GET', '/instances/wait', [
      { name: 'z', state: 'standby', timeout_ms: 2000 }
    ])
    expect(w.json.status).toBe('success')
    const s = await state('z')
    expect(s).toMatchObject({
      state: 'standby',
      stop_reason: 7,
      scale_to_zero: { policy: 'idle', enabled: true, cooldown_time_ms: 50 }
    })
    const started = await api.call('PUT', '/instances/start', [
      { name: 'z', wait_timeout_ms: 2000 }
    ])
    expect(started.json.data.instances[0]).toMatchObject({
      state: 'running',
      previous_state: 'standby'
    })
  })

  it('start with a wait timeout that runs out reports the timeout', async () => {
    api.emu.configure({ boot_delay_ms: 500 })
    await api.call('POST', '/instances', { ...base, name: 'a' })
    const r = await api.call('PUT', '/instances/start', [{ name: 'a', wait_timeout_ms: 50 }])
    expect(r.json.message).toBe('Operation timed out')
    expect(r.json.data.instances[0]).toMatchObject({ status: 'error', state: 'starting' })
  })

  it('deleting a running instance stops it and frees its name', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    const d = await api.call('DELETE', '/instances', [{ name: 'a' }])
    expect(d.json.data.instances[0]).toMatchObject({
      status: 'success',
      name: 'a',
      previous_state: 'running'
    })
    expect((await api.call('POST', '/instances', { ...base, name: 'a' })).json.status).toBe(
      'success'
    )
  })

  it('metrics: JSON with Accept: application/json, Prometheus text otherwise', async () => {
    await api.call('POST', '/instances', {
      ...base,
      name: 'a',
      autostart: true,
      wait_timeout_ms: 2000
    })
    const json = await api.call('GET', '/instances/metrics', [{ name: 'a' }], {
      headers: { accept: 'application/json' }
    })
    expect(json.json.data.instances[0]).toMatchObject({
      name: 'a',
      state: 'running',
      start_count: 1
    })
    const text = await api.call('GET', '/instances/metrics', [{ name: 'a' }], {
      headers: { accept: 'text/plain' }
    })
    expect(text.text).toMatch(/^instance_state\{instance_uuid="[0-9a-f-]+"\} 2$/m)
  })
})
