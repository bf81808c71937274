/**
 * Contract suite, new platform (issue 19): every request the client and the action send when
 * they speak the new generation is checked against the types of the official JS SDK,
 * `@unikraft/cloud` (new-platform.ts derives the schemas from them), and every answer the
 * emulator gives in `--generation new` against the SDK's answer types.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { UkcClient } from '../../src/ukc/client.js'
import { useEmulator } from '../support/emulator.js'
import { everyCommand, fullSpec, fullSpecEnv } from './scenario.js'
import { NewContract } from './new-platform.js'

const api = useEmulator({ generation: 'new' })
let contract: NewContract
beforeAll(() => {
  contract = new NewContract()
})
const fixture = (f: string): string =>
  readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')
const client = (): UkcClient =>
  new UkcClient({ token: 't', apiUrl: api.emu.baseUrl, generation: 'new' })
const https443 = {
  port: 443,
  destination_port: 8080,
  handlers: ['http', 'tls'] as ('http' | 'tls')[]
}
const problems = (): string[] => contract.audit(api.emu.journal())

describe('the contract derived from @unikraft/cloud', () => {
  it('reads the SDK operations the client uses', () => {
    const keys = contract.operations.map((o) => o.key)
    for (const key of [
      'POST /v1/instances',
      'GET /v1/instances',
      'GET /v1/instances/wait',
      'GET /v1/instances/log',
      'PUT /v1/instances/start',
      'PUT /v1/instances/stop',
      'DELETE /v1/instances',
      'POST /v1/services',
      'POST /v1/volumes',
      'POST /v1/certificates',
      'POST /v1/services/autoscale',
      'POST /v1/instances/templates',
      'GET /v1/instances/templates',
      'DELETE /v1/instances/templates',
      'GET /v1/images',
      'GET /v1/image-store'
    ])
      expect(keys).toContain(key)
  })

  it.each([
    ['a GET that names objects in a JSON body', 'GET', '/v1/instances/wait', [{ name: 'a' }], ''],
    ['autoscale as one object', 'POST', '/v1/services/autoscale', { name: 'web' }, ''],
    [
      'autoscale cloning a master',
      'POST',
      '/v1/services/autoscale',
      [{ name: 'web', master: { name: 'a' }, create_args: { template: { name: 't' } } }],
      ''
    ],
    ['an unknown member', 'POST', '/v1/instances', { image: 'nginx:latest', colour: 'red' }, ''],
    [
      'the classic scale-to-zero feature',
      'POST',
      '/v1/instances',
      { image: 'nginx:latest', features: ['scale-to-zero'] },
      ''
    ],
    ['the classic image lookup body', 'GET', '/v1/images', [{ tag: 'nginx:latest' }], ''],
    ['a query parameter the SDK does not send', 'GET', '/v1/instances', undefined, '?colour=red']
  ])('fails on %s', (_what, method, path, body, query) => {
    expect(contract.request(method, path, body, query).problems).not.toEqual([])
  })

  it('passes the shapes the new dialect sends', () => {
    for (const [method, path, body, query] of [
      ['POST', '/v1/instances', { name: 'a', image: 'acme/api@sha256:ab', timeout_s: 5 }, ''],
      ['DELETE', '/v1/instances', [{ name: 'a', dont_retain: true }], ''],
      ['PUT', '/v1/instances/start', [{ name: 'a', timeout_s: 5 }], ''],
      ['GET', '/v1/instances/wait', undefined, '?uuid=u&name=a&state=running&timeout_s=3'],
      ['GET', '/v1/images', undefined, '?tag=acme/api:1'],
      ['GET', '/v1/image-store', undefined, '?tag=acme/api:1'],
      [
        'POST',
        '/v1/services/autoscale',
        [{ name: 'web', max_size: 2, create_args: { template: { name: 't' } } }],
        ''
      ]
    ] as const)
      expect(contract.request(method, path, body, query).problems).toEqual([])
  })

  it('an answer that puts its list under a key the SDK does not read fails', () => {
    const answer = (data: Record<string, unknown>) =>
      contract.response('GET', '/v1/instances/templates', {
        status: 'success',
        op_time_us: 1,
        data
      }).problems
    expect(answer({ instances: [] })).toEqual([])
    expect(answer({ templates: [] })).toEqual([
      "/data must NOT have additional properties: 'templates'"
    ])
  })

  it('an answer without op_time_us, or an image without its url, fails', () => {
    expect(
      contract.response('GET', '/v1/instances', { status: 'success', data: { instances: [] } })
        .problems
    ).not.toEqual([])
    expect(
      contract.response('GET', '/v1/images', {
        status: 'success',
        op_time_us: 1,
        data: { images: [{ digest: 'acme/api@sha256:ab' }] }
      }).problems
    ).not.toEqual([])
  })
})

describe('every request the client builds for the new platform, and every answer, match the SDK', () => {
  it('instances: create (pinned, with group, volumes, scale to zero), get, start, stop, wait, log, delete', async () => {
    const c = client()
    const [pin] = [...(await c.images.resolve(['nginx:latest'])).values()].map((r) => r.digest!)
    expect(pin).toMatch(/^nginx@sha256:[0-9a-f]{64}$/)
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
    expect(made.items[0].ok).toBe(true)
    const uuid = made.items[0].value.uuid
    await c.instances.create({
      name: 'job',
      image: 'nginx:latest',
      autostart: false,
      features: ['delete-on-stop']
    })
    expect((await c.instances.get([{ name: 'api' }, { uuid }])).items.map((i) => i.ok)).toEqual([
      true,
      true
    ])
    await c.instances.get()
    await c.instances.get(undefined, { details: false })
    await c.instances.start([{ name: 'job', wait_timeout_ms: 5000 }])
    await c.instances.stop([{ name: 'job', drain_timeout_ms: 10 }])
    await c.instances.wait([
      { name: 'job', state: 'stopped', timeout_ms: 2000 },
      { uuid, state: 'running', timeout_ms: 2000 }
    ])
    await c.instances.logs([{ name: 'api', offset: -4096, limit: 4096 }])
    await c.instances.getOne(uuid)
    await c.instances.stopOne(uuid, { drain_timeout_ms: 0 })
    await c.instances.wait([{ uuid, state: 'stopped', timeout_ms: 2000 }])
    expect((await c.instances.startOne(uuid, { wait_timeout_ms: 5000 })).items[0].ok).toBe(true)
    await c.instances.logOne(uuid)
    await c.instances.delete([{ name: 'api' }])
    const b = (await c.instances.create({ name: 'b', image: pin })).items[0].value.uuid
    await c.instances.deleteOne(b)
    // Deleted without retention: the name is free at once.
    expect((await c.instances.create({ name: 'b', image: pin })).items[0].ok).toBe(true)
    expect(problems()).toEqual([])
  })

  it('service groups, volumes, certificates, autoscale, images, quotas', async () => {
    const c = client()
    await c.services.create({
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
    await c.instances.create({ name: 'a', image: 'nginx:latest', service_group: { name: 'web' } })
    // The shape only: the emulator has no instance templates, so the item is an error.
    const conf = await c.autoscale.configure({ name: 'web', master: { name: 'tpl' }, max_size: 3 })
    expect(conf.items[0].message).toContain('No instance template')
    await c.autoscale.get([{ name: 'web' }])
    await c.autoscale.delete([{ name: 'web' }])
    await c.volumes.create({ name: 'data', size_mb: 16 })
    await c.volumes.get([{ name: 'data' }])
    await c.volumes.get()
    await c.volumes.delete([{ name: 'data' }])
    await c.services.get([{ name: 'web' }])
    await c.certificates.get([{ name: 'app-cert' }])
    await c.images.lookup(['nginx:latest', 'caddy:latest'])
    await c.users.quotas()
    await c.instances.delete([{ name: 'a' }])
    await c.services.delete([{ name: 'web' }])
    await c.certificates.delete([{ name: 'app-cert' }])
    expect(problems()).toEqual([])
  })

  it('the action: a deploy with every spec feature the new platform takes, an unchanged re-run, plan, stop, start, status, delete', async () => {
    api.emu.configure({ cert_delay_ms: 20 })
    const spec = fullSpec(false)
    const env = fullSpecEnv()
    const ws = workspace({ 'ukc.yml': spec })
    const run = (inputs: Record<string, string> = {}) =>
      runAction(
        {
          token: 't',
          'api-url': api.emu.baseUrl,
          'api-generation': 'new',
          spec: 'ukc.yml',
          timeout: '20',
          ...inputs
        },
        { workspace: ws, env }
      )
    const first = await run()
    expect(first.stdout).not.toContain('::error')
    expect(first.stdout).toContain('(new API)')
    expect(first.code).toBe(0)
    expect(first.json('instances').map((i: { action: string }) => i.action)).toEqual([
      'created',
      'created'
    ])
    await everyCommand(api.emu, run)
    expect(problems()).toEqual([])
    const touched = contract.covered(api.emu.journal())
    for (const op of [
      'POST /v1/certificates',
      'POST /v1/services',
      'POST /v1/volumes',
      'POST /v1/instances',
      'GET /v1/image-store',
      'GET /v1/instances/wait',
      'PUT /v1/instances/stop',
      'PUT /v1/instances/start',
      'DELETE /v1/instances'
    ])
      expect(touched).toContain(op)
  })
})

describe('what the new platform would refuse is refused before anything is written', () => {
  const run = (spec: string) =>
    runAction(
      {
        token: 't',
        'api-url': api.emu.baseUrl,
        'api-generation': 'new',
        spec: 'ukc.yml',
        timeout: '10'
      },
      { workspace: workspace({ 'ukc.yml': spec }) }
    )
  const writes = (): string[] =>
    api.emu
      .journal()
      .filter((e) => e.method !== 'GET')
      .map((e) => `${e.method} ${e.path}`)

  it('scale to zero without a service group', async () => {
    const r = await run(
      'instances: [{ name: api, image: nginx:latest, scale_to_zero: { policy: on } }]\n'
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      "instance 'api': scale_to_zero needs a service_group on the new Unikraft Cloud platform"
    )
    expect(writes()).toEqual([])
  })

  it('autoscale of a volume-mounting master (a template would turn volumes into volume templates)', async () => {
    const r = await run(`service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    autoscale: { max_size: 2 }
instances: [{ name: api, image: nginx:latest, service_group: web, volumes: [{ size_mb: 16, at: /d }] }]
`)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      "service group 'web': autoscale: its autoscale master 'api' mounts volumes"
    )
    expect(writes()).toEqual([])
  })
})

describe('autoscale through instance templates', () => {
  it('sends only what the SDK types allow: template made, autoscale cloning it, re-pointed, deleted', async () => {
    const spec = (image: string): string => `service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    autoscale: { max_size: 2 }
instances: [{ name: api, image: ${image}, service_group: web }]
`
    api.emu.pushImage('acme/web:1')
    api.emu.pushImage('acme/web:2')
    const run = (image: string, inputs: Record<string, string> = {}) =>
      runAction(
        {
          token: 't',
          'api-url': api.emu.baseUrl,
          'api-generation': 'new',
          spec: 'ukc.yml',
          ...inputs
        },
        { workspace: workspace({ 'ukc.yml': spec(image) }) }
      )
    expect((await run('acme/web:1')).code).toBe(0)
    expect((await run('acme/web:2')).code).toBe(0)
    expect((await run('acme/web:2', { command: 'delete' })).code).toBe(0)
    const used = new Set(api.emu.journal().map((e) => `${e.method} ${e.path}`))
    for (const op of [
      'POST /v1/instances/templates',
      'GET /v1/instances/templates',
      'DELETE /v1/instances/templates',
      'POST /v1/services/autoscale',
      'DELETE /v1/services/autoscale'
    ])
      expect(used).toContain(op)
    expect(problems()).toEqual([])
  })
})

describe('previews that expire, production that is locked (issue 31)', () => {
  it('sends only what the SDK types allow: tags, annotations, schedules, group autokill, PATCH of schedules and delete_lock, ?tags= listings', async () => {
    const spec = (image: string): string => `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
volumes: [{ name: data, size_mb: 16 }]
instances:
  - { name: api, image: ${image}, service_group: web }
  - { name: db, image: ${image}, volumes: [{ name: data, at: /data }] }
`
    api.emu.pushImage('acme/web:1')
    api.emu.pushImage('acme/web:2')
    const pr = (action: string) => ({
      action,
      number: 7,
      pull_request: {
        number: 7,
        head: { sha: 'b'.repeat(40), repo: { full_name: 'acme/widget' } },
        base: { repo: { full_name: 'acme/widget' } }
      }
    })
    const run = (image: string, inputs: Record<string, string> = {}, action?: string) =>
      runAction(
        {
          token: 't',
          'api-url': api.emu.baseUrl,
          'api-generation': 'new',
          spec: 'ukc.yml',
          comment: 'false',
          ...inputs
        },
        {
          workspace: workspace({ 'ukc.yml': spec(image) }),
          ...(action ? { eventName: 'pull_request', event: pr(action) } : {})
        }
      )
    expect((await run('acme/web:1')).code).toBe(0)
    expect((await run('acme/web:2')).code).toBe(0)
    expect((await run('acme/web:1', {}, 'opened')).code).toBe(0)
    expect((await run('acme/web:1', {}, 'synchronize')).code).toBe(0)
    expect((await run('acme/web:1', {}, 'closed')).code).toBe(0)
    expect((await run('acme/web:2', { command: 'delete' })).code).toBe(0)
    const used = api.emu.journal().map((e) => `${e.method} ${e.path}${e.query}`)
    expect(used).toContain('PATCH /v1/instances')
    expect(used.some((u) => u.startsWith('GET /v1/instances?tags=ukc-deploy'))).toBe(true)
    const creates = api.emu
      .journal()
      .filter((e) => e.method === 'POST' && e.path === '/v1/instances')
      .map((e) => e.body as { tags?: string[]; schedules?: unknown[] })
    expect(creates.every((b) => (b.tags?.length ?? 0) > 0)).toBe(true)
    expect(creates.some((b) => b.schedules !== undefined)).toBe(true)
    expect(problems()).toEqual([])
  })
})
