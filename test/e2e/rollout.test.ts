/** Zero-downtime rollouts (issue 6), checked on the emulator's journal and state timeline. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runAction as runBundled } from '../../scripts/local-runner.js'
import {
  GENERATION,
  generationInput,
  itemsOf,
  minRunning,
  useEmulator,
  waitMs
} from '../support/emulator.js'
import { eventually } from '../support/http.js'

const api = useEmulator({ bootDelayMs: 30 })
const specFor = (image: string, extra = ''): string => `
service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    domains: [{ name: shop }]
instances:
  - name: api
    image: ${image}
    service_group: web${extra}
`
const base = (): Record<string, string> => ({
  token: 't',
  'api-url': api.emu.baseUrl,
  ...generationInput(),
  timeout: '20'
})
// Crashing test images exit 5 ms after boot; a short settle window keeps the suite quick.
const runAction: typeof runBundled = (inputs, opts = {}) =>
  runBundled(inputs, { ...opts, env: { UKC_SETTLE_MS: '300', ...opts.env } })
/** [N] The delete-lock PATCHes (protect): an unlock right before the action deletes a locked one, a lock once up. */
const lock = (): string[] => (GENERATION === 'new' ? ['PATCH /v1/instances'] : [])
const writes = (): string[] =>
  api.emu
    .journal()
    .filter((e) => e.method !== 'GET')
    .map((e) => `${e.method} ${e.path}`)

async function instancesInGroup(): Promise<
  { name: string; uuid: string; state: string; image: string }[]
> {
  return (await api.call('GET', '/instances')).json.data.instances
}

async function v1(): Promise<string> {
  api.emu.pushImage('acme/app:1')
  const run = await runAction({ ...base(), spec: specFor('acme/app:1') })
  expect(run.code).toBe(0)
  api.emu.journalLog.clear()
  return run.json('instances')[0].uuid
}

describe('rolling rollout', () => {
  it('v1 → v2 with no moment without a running instance, and the name unchanged', async () => {
    await v1()
    api.emu.pushImage('acme/app:2')
    const from = Date.now()
    const run = await runAction({ ...base(), spec: specFor('acme/app:2'), 'drain-timeout': '1' })
    expect(run.code).toBe(0)
    expect(run.json('plan')[1]).toMatchObject({
      name: 'api',
      action: 'replace',
      strategy: 'rolling'
    })
    expect(run.json('instances')[0]).toMatchObject({
      name: 'api',
      action: 'replaced',
      state: 'running'
    })
    expect(minRunning(api.emu.timeline(), from)).toBeGreaterThanOrEqual(1)
    const now = await instancesInGroup()
    expect(now.map((i) => i.name)).toEqual(['api'])
    // classic answers `acme/app@sha256:…`, the new platform `oci://unikraft.io/acme/app@sha256:…`
    expect(now[0].image).toMatch(/^(oci:\/\/unikraft\.io\/)?acme\/app@sha256:/)
    expect(writes()).toEqual([
      'POST /v1/instances', // surge
      'PUT /v1/instances/stop', // drain the old one
      ...lock(), // unlock it
      'DELETE /v1/instances',
      'POST /v1/instances', // api again, new version
      'PUT /v1/instances/stop', // drain the surge
      'DELETE /v1/instances',
      ...lock() // lock the new one
    ])
    const surge = api.emu.journal().find((e) => e.method === 'POST')!.body as { name: string }
    expect(surge.name).toMatch(/^api-surge-[0-9a-f]{7}$/)
    // Each create waits on the server for running; then the settle window (a wait for stopped
    // that should run out) for the surge and again for the new api; stopped after each drain.
    const waits = api.emu.journal().filter((e) => e.path === '/v1/instances/wait')
    expect(
      waits.map((e) =>
        itemsOf(e)
          .map((b) => `${String(b.name).replace(/-[0-9a-f]{7}$/, '')}:${String(b.state)}`)
          .join()
      )
    ).toEqual(['api-surge:stopped', 'api:stopped', 'api:stopped', 'api-surge:stopped'])
    const posts = api.emu.journal().filter((e) => e.method === 'POST')
    expect(posts.map((e) => waitMs(e.body) > 0)).toEqual([true, true])
    expect(waitMs(itemsOf(waits[0])[0])).toBeGreaterThan(250)
  })

  it('re-running v2 changes nothing; a new digest under the same tag is rolled out', async () => {
    await v1()
    const same = await runAction({ ...base(), spec: specFor('acme/app:1') })
    expect(same.json('instances')[0].action).toBe('unchanged')
    expect(writes()).toEqual([])
    api.emu.pushImage('acme/app:1')
    const moved = await runAction({ ...base(), spec: specFor('acme/app:1') })
    expect(moved.json('plan')[1].reason).toMatch(
      /^image acme\/app:1 → acme\/app@sha256:[0-9a-f]{12}…/
    )
    expect(moved.json('instances')[0].action).toBe('replaced')
  })

  it('v2 that crashes on boot: v1 keeps serving, v2 is gone, the step fails with its log', async () => {
    const oldUuid = await v1()
    api.emu.pushImage('acme/app:2', {
      crash: { after_ms: 5, exit_code: 2, message: 'panic: config file /etc/app.toml missing' }
    })
    const from = Date.now()
    const run = await runAction({ ...base(), spec: specFor('acme/app:2'), timeout: '3' })
    expect(run.code).toBe(1)
    expect(run.json('instances')[0]).toMatchObject({
      name: 'api',
      action: 'failed',
      uuid: oldUuid,
      state: 'running'
    })
    expect(run.json('instances')[0].error).toMatch(
      /the new version did not come up .* the old instance keeps serving, untouched/
    )
    expect(run.summary).toContain('panic: config file /etc/app.toml missing')
    const now = await instancesInGroup()
    expect(now.map((i) => `${i.name}:${i.uuid}:${i.state}`)).toEqual([`api:${oldUuid}:running`])
    expect(minRunning(api.emu.timeline(), from)).toBe(1)
  })

  it('an interrupted rollout is finished by the next run, and its surge removed', async () => {
    await v1()
    api.emu.pushImage('acme/app:2')
    // The second create (api under its own name) stalls; the runner is killed meanwhile.
    api.emu.addFault({
      method: 'POST',
      path: '/v1/instances',
      kind: 'delay',
      delay_ms: 4000,
      skip: 1
    })
    const killed = await runAction(
      { ...base(), spec: specFor('acme/app:2') },
      {
        control: (child) =>
          void eventually(
            async () => api.emu.journal().some((e) => e.method === 'DELETE'),
            10000
          ).then(() => setTimeout(() => child.kill('SIGKILL'), 100))
      }
    )
    expect(killed.code).not.toBe(0)
    const between = await instancesInGroup()
    expect(between.map((i) => i.name)).toEqual([expect.stringMatching(/^api-surge-[0-9a-f]{7}$/)])
    expect(between[0].state).toBe('running')
    api.emu.faults.clear()
    const plan = await runAction({ ...base(), command: 'plan', spec: specFor('acme/app:2') })
    expect(plan.summary).toMatch(
      /surge instance 'api-surge-[0-9a-f]{7}' is left over from an interrupted rollout of 'api'; deploy removes it/
    )
    const next = await runAction({ ...base(), spec: specFor('acme/app:2') })
    expect(next.code).toBe(0)
    expect(next.json('instances')[0]).toMatchObject({
      name: 'api',
      action: 'created',
      state: 'running'
    })
    expect(next.stdout).toMatch(
      /removed surge instance 'api-surge-[0-9a-f]{7}' left over from an interrupted rollout of 'api'/
    )
    expect((await instancesInGroup()).map((i) => i.name)).toEqual(['api'])
  })

  it('when the new instance under the real name fails, the surge keeps serving and says so', async () => {
    await v1()
    api.emu.pushImage('acme/app:2')
    api.emu.addFault({
      method: 'POST',
      path: '/v1/instances',
      kind: 'status',
      status: 400,
      skip: 1
    })
    const run = await runAction({ ...base(), spec: specFor('acme/app:2') })
    expect(run.code).toBe(1)
    expect(run.json('instances')[0].error).toMatch(
      /surge 'api-surge-[0-9a-f]{7}' keeps serving the new version, and the next deploy completes the rollout/
    )
    expect(
      (await instancesInGroup()).map((i) => `${i.name.replace(/[0-9a-f]{7}$/, 'x')}:${i.state}`)
    ).toEqual(['api-surge-x:running'])
    const next = await runAction({ ...base(), spec: specFor('acme/app:2') })
    expect(next.code).toBe(0)
    expect((await instancesInGroup()).map((i) => i.name)).toEqual(['api'])
  })
})

describe('health check', () => {
  let server: Server
  let healthy = true
  let url = ''
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503)
      res.end(healthy ? 'ok' : 'starting')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('a failing health check stops the rollout before the old instance is touched', async () => {
    const oldUuid = await v1()
    api.emu.pushImage('acme/app:2')
    healthy = false
    const run = await runAction({
      ...base(),
      spec: specFor('acme/app:2'),
      'health-check': url,
      // Long enough for the surge to come up on a loaded machine; the check fails at its end.
      timeout: '6'
    })
    expect(run.code).toBe(1)
    expect(run.json('instances')[0]).toMatchObject({ uuid: oldUuid, action: 'failed' })
    expect(run.json('instances')[0].error).toContain(
      `health check ${url} failed (last answer: HTTP 503)`
    )
    expect((await instancesInGroup()).map((i) => i.uuid)).toEqual([oldUuid])
  })

  it('a passing health check lets the rollout finish', async () => {
    await v1()
    api.emu.pushImage('acme/app:2')
    healthy = true
    const run = await runAction({ ...base(), spec: specFor('acme/app:2'), 'health-check': url })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`health check ${url} for 'api': healthy (HTTP 200)`)
    expect(run.json('instances')[0].action).toBe('replaced')
  })
})

describe('recreate', () => {
  it('is chosen for a read-write volume and for strategy: recreate, and the plan says why', async () => {
    api.emu.pushImage('acme/app:1')
    const withVolume = `volumes: [{ name: data, size_mb: 16 }]\ninstances:\n  - { name: db, image: acme/app:1, service_group: web, volumes: [{ name: data, at: /data }] }\nservice_groups:\n  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }\n`
    await runAction({ ...base(), spec: withVolume })
    api.emu.pushImage('acme/app:1')
    api.emu.journalLog.clear()
    const run = await runAction({ ...base(), spec: withVolume })
    expect(run.code).toBe(0)
    const plan = run.json('plan').find((p: { name: string }) => p.name === 'db')
    expect(plan).toMatchObject({ action: 'replace', strategy: 'recreate' })
    expect(plan.reason).toContain("volume 'data' is mounted read-write and allows one writer")
    expect(writes()).toEqual([...lock(), 'DELETE /v1/instances', 'POST /v1/instances', ...lock()])
    const vol = (await api.call('GET', '/volumes', [{ name: 'data' }])).json.data.volumes[0]
    expect(vol.attached_to.map((a: { name: string }) => a.name)).toEqual(['db'])
  })

  it('stops with the drain timeout, deletes, then creates', async () => {
    await v1()
    api.emu.pushImage('acme/app:2')
    const run = await runAction({
      ...base(),
      spec: specFor('acme/app:2'),
      strategy: 'recreate',
      'drain-timeout': '1'
    })
    expect(run.code).toBe(0)
    expect(writes()).toEqual([
      'PUT /v1/instances/stop',
      ...lock(),
      'DELETE /v1/instances',
      'POST /v1/instances',
      ...lock()
    ])
    expect(run.json('plan')[1].reason).toContain('recreate (strategy: recreate)')
  })
})

describe('new instances with a health check', () => {
  it('must stay up and answer before the run reports them running', async () => {
    api.emu.pushImage('acme/app:crashy', {
      crash: { after_ms: 5, exit_code: 4, message: 'panic: no config' }
    })
    const bad = await runAction({
      ...base(),
      spec: specFor('acme/app:crashy'),
      'health-check': 'http://127.0.0.1:9/healthz'
    })
    expect(bad.code).toBe(1)
    expect(bad.json('instances')[0].error).toMatch(
      /did not stay up: the app exited with code 4 within 300 ms of starting \(stop_reason 3, exit code 4\)/
    )
    expect(bad.summary).toContain('panic: no config')
  })
})

describe('concurrent rollouts', () => {
  it('two runs rolling the same change out at once never both claim the same new instance', async () => {
    await v1()
    api.emu.pushImage('acme/app:2')
    const [a, b] = await Promise.all([
      runAction({ ...base(), spec: specFor('acme/app:2') }),
      runAction({ ...base(), spec: specFor('acme/app:2') })
    ])
    const claimed = [...a.json('instance-uuids'), ...b.json('instance-uuids')]
    expect(new Set(claimed).size).toBe(claimed.length)
    // One instance under the real name, no surge left behind. (Which run's instance it is
    // depends on the interleaving: the API has no locks, so concurrent rollouts should be
    // serialised with a workflow `concurrency:` group, as README says.)
    expect((await instancesInGroup()).map((i) => i.name)).toEqual(['api'])
  })
})
