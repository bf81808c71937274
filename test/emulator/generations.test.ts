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
