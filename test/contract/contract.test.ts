/**
 * Contract suite (issue 13): every request the client and the action build — every category,
 * every spec feature — is validated against the official classic OpenAPI request schema of
 * its path and method (corrected only by overlay.ts, each correction sourced), and every
 * answer the emulator gives here against the response schema. The emulator's journal is the
 * record of what went over the wire.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { UkcClient } from '../../src/ukc/client.js'
import { useEmulator } from '../support/emulator.js'
import { everyCommand, fullSpec, fullSpecEnv } from './scenario.js'
import { Contract, contractOperations } from './contract.js'
import { corrections, PINNED_REF } from './overlay.js'

const api = useEmulator()
const contract = new Contract()
const fixture = (f: string): string =>
  readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')
const client = (): UkcClient => new UkcClient({ token: 't', apiUrl: api.emu.baseUrl })
const https443 = {
  port: 443,
  destination_port: 8080,
  handlers: ['http', 'tls'] as ('http' | 'tls')[]
}

const problems = (): string[] => contract.audit(api.emu.journal())

describe('the contract itself', () => {
  it('every correction names its source and applies to the vendored document', () => {
    for (const c of corrections) {
      expect(c.source.length).toBeGreaterThan(10)
      expect(c.what.length).toBeGreaterThan(10)
    }
    expect(() => contractOperations()).not.toThrow()
  })

  it.each([
    ['an array to POST /services', 'POST', '/v1/services', [{ name: 'web', services: [https443] }]],
    [
      'an image pinned twice',
      'POST',
      '/v1/instances',
      { name: 'a', image: `acme/api@acme/api@sha256:${'a'.repeat(64)}` }
    ],
    [
      'an array to POST /services/autoscale',
      'POST',
      '/v1/services/autoscale',
      [{ name: 'web', master: { name: 'a' } }]
    ],
    ['autoscale without master', 'POST', '/v1/services/autoscale', { name: 'web', max_size: 2 }],
    [
      'an array to POST /certificates',
      'POST',
      '/v1/certificates',
      [{ cn: 'a.example.com', chain: 'x', pkey: 'y' }]
    ],
    ['an unknown member', 'POST', '/v1/instances', { image: 'nginx:latest', colour: 'red' }],
    [
      'a drain beyond the limit',
      'PUT',
      '/v1/instances/stop',
      [{ name: 'a', drain_timeout_ms: 3600001 }]
    ],
    ['a bare digest lookup', 'GET', '/v1/images/list', [{ digest: `sha256:${'a'.repeat(64)}` }]]
  ])('fails on %s', (_what, method, path, body) => {
    expect(contract.request(method, path, body).problems).not.toEqual([])
  })

  it('passes the right shapes of the same requests', () => {
    const pin = `acme/api@sha256:${'a'.repeat(64)}`
    expect(new RegExp(PINNED_REF).test(pin)).toBe(true)
    for (const [method, path, body] of [
      ['POST', '/v1/services', { name: 'web', services: [https443] }],
      ['POST', '/v1/instances', { name: 'a', image: pin, autostart: true }],
      ['POST', '/v1/services/autoscale', { name: 'web', master: { name: 'a' }, max_size: 2 }],
      ['PUT', '/v1/instances/stop', [{ name: 'a', drain_timeout_ms: 3600000 }]],
      ['GET', '/v1/images/list', [{ digest: pin }, { tag: 'acme/api:1' }]]
    ] as const)
      expect(contract.request(method, path, body).problems).toEqual([])
  })

  it('an answer with a bare digest, or an instance with features, fails', () => {
    const bare = { status: 'success', data: { images: [{ digest: `sha256:${'a'.repeat(64)}` }] } }
    expect(contract.response('GET', '/v1/images/list', bare).problems).not.toEqual([])
    const withFeatures = {
      status: 'success',
      data: { instances: [{ uuid: 'x', name: 'a', features: ['delete-on-stop'] }] }
    }
    expect(contract.response('GET', '/v1/instances', withFeatures).problems).not.toEqual([])
  })
})

describe('every request the client builds, and every answer, match the document', () => {
  it('instances: create (pinned, with group, volumes, scale to zero), get, start, stop, wait, log, metrics, delete', async () => {
    const c = client()
    const [pin] = [...(await c.images.resolve(['nginx:latest'])).values()].map((r) => r.digest!)
    await c.services.create({ name: 'web', services: [https443], domains: [{ name: 'shop' }] })
    await c.volumes.create({ name: 'data', size_mb: 16 })
    const made = await c.instances.create({
      name: 'api',
      image: pin,
      memory_mb: 128,
      args: ['--port', '8080'],
      env: { A: '1' },
      autostart: true,
      wait_timeout_ms: 5000,
      restart_policy: 'on-failure',
      scale_to_zero: { policy: 'idle', stateful: false, cooldown_time_ms: 5000 },
      service_group: { name: 'web' },
      volumes: [
        { name: 'data', at: '/data', readonly: false },
        { size_mb: 8, at: '/tmp/x' }
      ]
    })
    const uuid = made.items[0].value.uuid
    await c.instances.create({
      name: 'job',
      image: 'nginx:latest',
      autostart: false,
      features: ['delete-on-stop']
    })
    await c.instances.get([{ name: 'api' }, { uuid }])
    await c.instances.get()
    await c.instances.get(undefined, { details: false })
    await c.instances.getOne(uuid)
    await c.instances.start([{ name: 'job', wait_timeout_ms: 5000 }])
    await c.instances.stop([{ name: 'job', drain_timeout_ms: 10 }])
    await c.instances.stop([{ name: 'job', force: true }])
    await c.instances.wait([{ name: 'api', state: 'running', timeout_ms: 2000 }])
    await c.instances.stopOne(uuid, { drain_timeout_ms: 0 })
    await c.instances.startOne(uuid, { wait_timeout_ms: 5000 })
    await c.instances.logs([{ name: 'api', offset: -4096, limit: 4096 }])
    await c.instances.logOne(uuid)
    await c.instances.metrics([{ uuid }])
    await c.instances.delete([{ name: 'api' }])
    await c.instances.deleteOne(
      (await c.instances.create({ name: 'b', image: pin })).items[0].value.uuid
    )
    expect(problems()).toEqual([])
  })

  it('service groups, volumes, certificates, autoscale, images, quotas', async () => {
    const c = client()
    const g = await c.services.create({
      name: 'web',
      services: [https443, { port: 80, destination_port: 443, handlers: ['http', 'redirect'] }],
      domains: [{ name: 'shop' }],
      soft_limit: 1,
      hard_limit: 10
    })
    await c.certificates.upload({
      name: 'app-cert',
      cn: 'app.example.com',
      chain: fixture('app.example.com.crt.pem'),
      pkey: fixture('app.example.com.key.pem')
    })
    await c.services.create({
      name: 'custom',
      services: [https443],
      domains: [{ name: 'app.example.com.', certificate: { name: 'app-cert' } }]
    })
    await c.instances.create({ name: 'a', image: 'nginx:latest', service_group: { name: 'web' } })
    await c.autoscale.configure({
      name: 'web',
      master: { name: 'a' },
      min_size: 1,
      max_size: 3,
      warmup_time_ms: 1000,
      cooldown_time_ms: 1000,
      policies: [
        {
          name: 'cpu',
          type: 'step',
          metric: 'cpu',
          adjustment_type: 'change',
          steps: [
            { upper_bound: 500, adjustment: 0 },
            { lower_bound: 500, adjustment: 1 }
          ]
        }
      ]
    })
    const gid = g.items[0].value.uuid
    await c.autoscale.addPolicy(gid, { name: 'burst', type: 'on_demand' })
    await c.autoscale.get([{ name: 'web' }])
    await c.autoscale.getOne(gid)
    await c.autoscale.policies(gid)
    await c.autoscale.policy(gid, 'burst')
    await c.autoscale.deletePolicy(gid, 'burst')
    await c.autoscale.delete([{ name: 'web' }])
    await c.autoscale.deleteOne(gid)
    await c.volumes.create({ name: 'data', size_mb: 16 })
    await c.instances.create({ name: 'b', image: 'nginx:latest' })
    await c.volumes.attach([{ name: 'data', attach_to: { name: 'b' }, at: '/data' }])
    await c.volumes.detach([{ name: 'data', from: { name: 'b' } }])
    await c.volumes.get([{ name: 'data' }])
    await c.volumes.get()
    await c.volumes.delete([{ name: 'data' }])
    await c.services.get([{ name: 'web' }])
    await c.services.getOne(gid)
    await c.certificates.get([{ name: 'app-cert' }])
    await c.images.lookup(['nginx:latest'])
    await c.images.list({ namespace: 'acme', tagged: true })
    await c.users.quotas()
    await c.instances.delete([{ name: 'a' }, { name: 'b' }])
    await c.services.delete([{ name: 'web' }])
    await c.services.delete([{ name: 'custom' }])
    await c.certificates.delete([{ name: 'app-cert' }])
    expect(problems()).toEqual([])
  })

  it('the action: a deploy with every spec feature, an unchanged re-run that writes nothing, plan, stop, start, status, delete', async () => {
    api.emu.configure({ cert_delay_ms: 20 })
    const spec = fullSpec(true)
    const env = fullSpecEnv()
    const ws = workspace({ 'ukc.yml': spec })
    const run = (inputs: Record<string, string> = {}) =>
      runAction(
        { token: 't', 'api-url': api.emu.baseUrl, spec: 'ukc.yml', timeout: '20', ...inputs },
        { workspace: ws, env }
      )
    const first = await run()
    expect(first.stdout).not.toContain('::error')
    expect(first.code).toBe(0)
    expect(first.json('instances').map((i: { action: string }) => i.action)).toEqual([
      'created',
      'created'
    ])
    const conf = (await api.call('GET', '/services/autoscale', [{ name: 'web' }])).json.data
    expect(conf.service_groups[0]).toMatchObject({ enabled: true, master: { name: 'api' } })
    await everyCommand(api.emu, run)
    expect(problems()).toEqual([])
    const touched = contract.covered(api.emu.journal())
    for (const op of [
      'POST /certificates',
      'POST /services',
      'POST /volumes',
      'POST /instances',
      'POST /services/autoscale',
      'GET /images/list',
      'PUT /instances/stop',
      'PUT /instances/start',
      'DELETE /instances'
    ])
      expect(touched).toContain(op)
  })
})

describe('what the API would refuse is refused before any request', () => {
  const run = (spec: string, inputs: Record<string, string> = {}) =>
    runAction(
      { token: 't', 'api-url': api.emu.baseUrl, spec: 'ukc.yml', timeout: '10', ...inputs },
      { workspace: workspace({ 'ukc.yml': spec }) }
    )
  const group = `service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    autoscale: { max_size: 2 MASTER}
`

  it('a drain timeout beyond the API limit of 3,600,000 ms', async () => {
    const r = await run('instances: [{ name: api, image: nginx:latest }]\n', {
      command: 'stop',
      'drain-timeout': '86400'
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      'drain-timeout: "86400" is not valid; give whole seconds from 0 to 3600'
    )
    expect(api.emu.journal()).toEqual([])
  })

  it('autoscale in a group no spec instance joins (nothing to clone)', async () => {
    const r = await run(
      `${group.replace(' MASTER', '')}instances: [{ name: api, image: nginx:latest }]\n`
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("no instance in the spec joins 'web'")
    expect(api.emu.journal()).toEqual([])
  })

  it('an autoscale master outside its group', async () => {
    const r = await run(
      `${group.replace(' MASTER', ', master: other ')}instances:\n  - { name: api, image: nginx:latest, service_group: web }\n  - { name: other, image: nginx:latest }\n`
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      "autoscale.master 'other' must be an instance of the spec in service group 'web'"
    )
    expect(api.emu.journal()).toEqual([])
  })
})
