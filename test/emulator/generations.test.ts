/**
 * The emulator in each generation refuses what that generation's API refuses (ukc-api.md §0,
 * §2; the new platform's `@unikraft/cloud` models), over raw HTTP.
 */
import { describe, expect, it } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'

const classic = useEmulator({ generation: 'classic' })
const fresh = useEmulator({ generation: 'new' })

describe('classic', () => {
  it.each([
    ['a create with timeout_s', 'POST', '/instances', { image: 'nginx:latest', timeout_s: 1 }],
    ['a start with timeout_s', 'PUT', '/instances/start', [{ name: 'a', timeout_s: 1 }]],
    ['a delete with dont_retain', 'DELETE', '/instances', [{ name: 'a', dont_retain: true }]],
    [
      'autoscale naming a template',
      'POST',
      '/services/autoscale',
      { name: 'web', template: { name: 't' } }
    ]
  ])('refuses %s as an unknown member', async (_what, method, path, body) => {
    const r = await classic.call(method, path, body)
    expect(r.status).toBe(400)
    expect(r.json.message).toContain('is not a valid member')
  })

  it('has no GET /v1/images (the JS SDK path of the new platform), deletes at once, answers without op_time_us', async () => {
    expect((await classic.call('GET', '/images?tag=nginx:latest')).status).toBe(404)
    await classic.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })
    await classic.call('DELETE', '/instances', [{ name: 'a' }])
    const list = await classic.call('GET', '/instances')
    expect(list.json.data.instances).toEqual([])
    expect(list.json).not.toHaveProperty('op_time_us')
    expect(
      (await classic.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })).json.status
    ).toBe('success')
  })
})

describe('new', () => {
  it.each([
    [
      'the classic scale-to-zero feature',
      { image: 'nginx:latest', features: ['scale-to-zero'] },
      "'features[]' must be one of delete-on-stop"
    ],
    [
      'scale to zero without a service group',
      { image: 'nginx:latest', scale_to_zero: { policy: 'on' } },
      "'scale_to_zero' requires 'service_group' to be set"
    ]
  ])('refuses %s', async (_what, body, message) => {
    const r = await fresh.call('POST', '/instances', body)
    expect(r.status).toBe(400)
    expect(r.json.message).toContain(message)
  })

  it('refuses autoscale as one object, or naming a master, and finds no template to clone', async () => {
    expect((await fresh.call('POST', '/services/autoscale', { name: 'web' })).status).toBe(400)
    const master = await fresh.call('POST', '/services/autoscale', [
      { name: 'web', master: { name: 'a' } }
    ])
    expect(master.json.message).toContain("'[0].master' is not a valid member")
    await fresh.call('POST', '/services', {
      name: 'web',
      services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }]
    })
    const r = await fresh.call('POST', '/services/autoscale', [
      { name: 'web', create_args: { template: { name: 'a' } } }
    ])
    expect(r.json.data.service_groups[0].message).toContain("No instance template 'a'")
  })

  it('answers op_time_us, images by url, instance images as oci:// URLs, waits in timeout_s', async () => {
    const img = await fresh.call('GET', '/images?tag=nginx:latest')
    expect(img.json.op_time_us).toBeGreaterThan(0)
    const url: string = img.json.data.images[0].url
    expect(url).toMatch(/^unikraft\.io\/nginx@sha256:[0-9a-f]{64}$/)
    expect(img.json.data.images[0]).not.toHaveProperty('digest')
    const made = await fresh.call('POST', '/instances', {
      name: 'a',
      image: url.replace(/^unikraft\.io\//, ''),
      autostart: true,
      timeout_s: 5
    })
    expect(made.json.data.instances[0]).toMatchObject({
      state: 'running',
      image: `oci://${url}`,
      type: 'micro',
      features: []
    })
    const waited = await fresh.call('GET', '/instances/wait?name=a&state=running&timeout_s=1')
    expect(waited.json.data.instances[0].state).toBe('running')
  })

  it('retains a deleted instance under its name until a delete with dont_retain purges it', async () => {
    await fresh.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })
    await fresh.call('DELETE', '/instances', [{ name: 'a' }])
    const kept = (await fresh.call('GET', '/instances?name=a')).json.data.instances[0]
    expect(kept).toMatchObject({ name: 'a', state: 'deleted' })
    expect(Date.parse(kept.retained_until)).toBeGreaterThan(Date.now())
    const again = await fresh.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })
    expect(again.json.data.instances[0]).toMatchObject({ status: 'error', error: 23 })
    expect(again.json.data.instances[0].message).toContain('retained until')
    await fresh.call('DELETE', '/instances', [{ name: 'a', dont_retain: true }])
    expect((await fresh.call('GET', '/instances')).json.data.instances).toEqual([])
    const third = await fresh.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })
    expect(third.json.data.instances[0].status).toBe('success')
  })

  it('deletes at once with retention off', async () => {
    fresh.emu.configure({ retention_ms: 0 })
    await fresh.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })
    await fresh.call('DELETE', '/instances', [{ name: 'a' }])
    expect((await fresh.call('GET', '/instances')).json.data.instances).toEqual([])
  })
})

describe('new: instance templates', () => {
  const group = {
    name: 'web',
    services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }]
  }
  const item = (r: { json: { data: { instances: Record<string, unknown>[] } } }) =>
    r.json.data.instances[0]

  it('converting consumes the instance and the group it alone was in; the name stays taken', async () => {
    await fresh.call('POST', '/instances', {
      name: 'a',
      image: 'nginx:latest',
      service_group: group
    })
    const made = item(await fresh.call('POST', '/instances/templates', [{ name: 'a' }]))
    expect(made).toMatchObject({ status: 'success', name: 'a', state: 'template' })
    expect(item(await fresh.call('GET', '/instances?name=a'))).toMatchObject({ error: 8 })
    expect((await fresh.call('GET', '/services')).json.data.service_groups).toEqual([])
    expect(item(await fresh.call('GET', '/instances/templates'))).toMatchObject({
      name: 'a',
      state: 'template',
      type: 'micro',
      image: expect.stringContaining('@sha256:')
    })
    expect(
      item(await fresh.call('POST', '/instances', { name: 'a', image: 'nginx:latest' }))
    ).toMatchObject({ error: 23 })
  })

  it('autoscale clones one; deleting it is refused while it does, and works after', async () => {
    await fresh.call('POST', '/services', { name: 'web', services: group.services })
    await fresh.call('POST', '/instances', { name: 'tpl', image: 'nginx:latest' })
    await fresh.call('POST', '/instances/templates', [{ name: 'tpl' }])
    expect(
      (
        await fresh.call('POST', '/services/autoscale', [
          { name: 'web', create_args: { template: { name: 'nope' } } }
        ])
      ).json.data.service_groups[0]
    ).toMatchObject({ error: 8 })
    await fresh.call('POST', '/services/autoscale', [
      { name: 'web', create_args: { template: { name: 'tpl' } } }
    ])
    const conf = (await fresh.call('GET', '/services/autoscale?name=web')).json.data
      .service_groups[0]
    expect(conf.template).toMatchObject({ name: 'tpl' })
    expect(
      item(await fresh.call('DELETE', '/instances/templates', [{ name: 'tpl' }]))
    ).toMatchObject({
      status: 'error',
      error: 15,
      message: expect.stringContaining("service group 'web'")
    })
    await fresh.call('DELETE', '/services/autoscale', [{ name: 'web' }])
    expect(
      item(await fresh.call('DELETE', '/instances/templates', [{ name: 'tpl' }]))
    ).toMatchObject({ status: 'success', name: 'tpl' })
  })

  it('classic has no template endpoint', async () => {
    expect((await classic.call('GET', '/instances/templates')).status).not.toBe(200)
  })
})

describe('new: tags, annotations, schedules, autokill and delete locks', () => {
  const item = (r: { json: { data: { instances: Record<string, unknown>[] } } }) =>
    r.json.data.instances[0]

  it('create takes them and GET shows them; ?tags= lists only what carries every tag', async () => {
    await fresh.call('POST', '/instances', {
      name: 'a',
      image: 'nginx:latest',
      tags: ['ukc-deploy', 'ukc-deploy.pr=1', 'ukc-deploy'],
      annotations: { 'ukc-deploy/commit': 'abc' },
      schedules: [{ name: 'ttl', action: 'delete', when: '2099-01-01 00:00:00' }]
    })
    await fresh.call('POST', '/instances', {
      name: 'b',
      image: 'nginx:latest',
      tags: ['ukc-deploy']
    })
    expect(item(await fresh.call('GET', '/instances?name=a'))).toMatchObject({
      tags: ['ukc-deploy', 'ukc-deploy.pr=1'],
      annotations: { 'ukc-deploy/commit': 'abc' },
      delete_lock: false,
      schedules: [
        {
          name: 'ttl',
          action: 'delete',
          when: '2099-01-01 00:00:00',
          next_at: '2099-01-01T00:00:00.000Z'
        }
      ]
    })
    const listed = async (q: string) =>
      (await fresh.call('GET', `/instances?${q}`)).json.data.instances.map(
        (i: { name: string }) => i.name
      )
    expect(await listed('tags=ukc-deploy')).toEqual(['a', 'b'])
    expect(await listed('tags=ukc-deploy&tags=ukc-deploy.pr=1')).toEqual(['a'])
    expect(await listed('tags=ukc-deploy,ukc-deploy.pr=1')).toEqual(['a'])
    expect(await listed('tags=nothing')).toEqual([])
  })

  it.each([
    [{ tags: ['a b'] }, "invalid tag 'a b'"],
    [{ tags: Array.from({ length: 17 }, (_, i) => `t${i}`) }, 'at most 16'],
    [{ annotations: { 'bad key!': 'x' } }, "invalid annotation key 'bad key!'"],
    [{ annotations: { k: 'line\nbreak' } }, 'control characters'],
    [{ schedules: [{ name: 'x', action: 'delete', when: 'daily' }] }, 'one point in time'],
    [{ schedules: [{ name: 'x', action: 'exec', when: '2099-01-01 00:00' }] }, 'args'],
    [{ delete_lock: true }, "'delete_lock' is not a valid member"]
  ])('refuses a create with %j (400)', async (extra, message) => {
    const r = await fresh.call('POST', '/instances', { image: 'nginx:latest', ...extra })
    expect(r.status).toBe(400)
    expect(r.json.message).toContain(message)
  })

  it('PATCH answers per item, echoes id, and a locked instance refuses deletion until unlocked', async () => {
    await fresh.call('POST', '/instances', { name: 'a', image: 'nginx:latest' })
    const patched = await fresh.call('PATCH', '/instances', [
      { name: 'a', id: 'x', prop: 'delete_lock', op: 'set', value: true },
      { name: 'a', prop: 'tags', op: 'add', value: ['one', 'two'] },
      { name: 'a', prop: 'tags', op: 'del', value: 'one' },
      { name: 'a', prop: 'annotations', op: 'add', value: { k: 'v' } },
      { name: 'ghost', prop: 'tags', op: 'set', value: [] }
    ])
    expect(patched.json.status).toBe('partial_success')
    expect(patched.json.data.instances.map((i: { status: string }) => i.status)).toEqual([
      'success',
      'success',
      'success',
      'success',
      'error'
    ])
    expect(patched.json.data.instances[0]).toMatchObject({ name: 'a', id: 'x' })
    expect(item(await fresh.call('GET', '/instances?name=a'))).toMatchObject({
      delete_lock: true,
      tags: ['two'],
      annotations: { k: 'v' }
    })
    expect(item(await fresh.call('DELETE', '/instances', [{ name: 'a' }]))).toMatchObject({
      status: 'error',
      error: 14,
      message: 'Deletion protection enabled'
    })
    await fresh.call('PATCH', '/instances', [
      { name: 'a', prop: 'delete_lock', op: 'set', value: false }
    ])
    expect(item(await fresh.call('DELETE', '/instances', [{ name: 'a' }]))).toMatchObject({
      status: 'success'
    })
    const image = await fresh.call('PATCH', '/instances', [
      { name: 'a', prop: 'image', op: 'set', value: 'x' }
    ])
    expect(image.status).toBe(400)
    expect(image.json.message).toContain("does not model PATCH of 'image'")
  })

  it('the clock runs a due delete schedule (not while locked), and group autokill once it is empty that long', async () => {
    await fresh.call('POST', '/services', {
      name: 'web',
      services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }],
      autokill: { time_ms: 60000 }
    })
    const soon = new Date(Date.now() + 3600_000).toISOString().slice(0, 19).replace('T', ' ')
    await fresh.call('POST', '/instances', {
      name: 'a',
      image: 'nginx:latest',
      service_group: { name: 'web' },
      schedules: [{ name: 'ttl', action: 'delete', when: soon }]
    })
    await fresh.call('PATCH', '/instances', [
      { name: 'a', prop: 'delete_lock', op: 'set', value: true }
    ])
    expect(fresh.emu.advanceClock(3600_000 + 1000)).toEqual([
      "schedule 'ttl' of 'a': delete skipped (Deletion protection enabled)"
    ])
    await fresh.call('PATCH', '/instances', [
      { name: 'a', prop: 'delete_lock', op: 'set', value: false },
      {
        name: 'a',
        prop: 'schedules',
        op: 'set',
        value: [{ name: 'ttl', action: 'delete', when: soon }]
      }
    ])
    expect(fresh.emu.advanceClock(1000)).toEqual(["schedule 'ttl' deleted 'a'"])
    expect(fresh.emu.advanceClock(59_000)).toEqual([])
    expect((await fresh.call('GET', '/services')).json.data.service_groups).toHaveLength(1)
    expect(fresh.emu.advanceClock(2000)).toEqual([
      "autokill deleted service group 'web' (empty for 60000 ms)"
    ])
  })

  it('classic refuses the new members', async () => {
    const r = await classic.call('POST', '/instances', { image: 'nginx:latest', tags: ['x'] })
    expect(r.status).toBe(400)
    expect(r.json.message).toContain("'tags' is not a valid member")
    // No such endpoint on classic: the router answers 405 for a path it knows by other methods.
    expect((await classic.call('PATCH', '/instances', [])).status).toBe(405)
  })
})
