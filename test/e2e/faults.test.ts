/** Reliability under faults (issue 7): the bundled action against the emulator's fault injection. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { GENERATION, generationInput, useEmulator } from '../support/emulator.js'

const api = useEmulator()
const TOKEN = 'tok-5ecret-a1b2c3'
const SPEC = readFileSync(new URL('../../examples/web-worker.yml', import.meta.url), 'utf8')
const ws = workspace({ 'ukc.yml': SPEC })
const deploy = (inputs: Record<string, string> = {}, env: Record<string, string> = {}) =>
  runAction(
    {
      token: TOKEN,
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      timeout: '30',
      ...inputs
    },
    { workspace: ws, env }
  )

async function inventory(): Promise<string[]> {
  const all = [
    ...(await api.call('GET', '/instances')).json.data.instances.map(
      (o: { name: string }) => `instance/${o.name}`
    ),
    ...(await api.call('GET', '/services')).json.data.service_groups.map(
      (o: { name: string }) => `group/${o.name}`
    ),
    ...(await api.call('GET', '/volumes')).json.data.volumes.map(
      (o: { name: string }) => `volume/${o.name}`
    )
  ]
  return all.sort()
}
const EXPECTED = ['group/web', 'instance/api', 'instance/api2', 'instance/worker', 'volume/data']
const faulted = (): number => api.emu.journal().filter((e) => e.fault).length

describe('reads, waits, stops and deletes are retried', () => {
  it('through 429 + Retry-After, 5xx bursts, resets, malformed JSON and a proxy HTML page', async () => {
    api.emu.addFault({ method: 'GET', path: '/v1/instances', kind: 'rate_limit', retry_after_s: 1 })
    api.emu.addFault({ method: 'GET', path: '/v1/services', kind: 'status', status: 503, times: 3 })
    api.emu.addFault({ method: 'GET', path: '/v1/volumes', kind: 'reset' })
    const images = GENERATION === 'new' ? '/v1/image-store' : '/v1/images/list'
    api.emu.addFault({ method: 'GET', path: images, kind: 'malformed' })
    api.emu.addFault({ method: 'GET', path: '/v1/volumes', kind: 'html' })
    api.emu.addFault({ method: 'GET', path: '/v1/volumes', kind: 'status', status: 500 })
    const run = await deploy()
    expect(run.code).toBe(0)
    expect(faulted()).toBe(8)
    expect(await inventory()).toEqual(EXPECTED)
    const reads = api.emu.journal().filter((e) => e.method === 'GET' && e.path === '/v1/instances')
    const limited = reads.find((e) => e.fault)!
    const retry = reads.find(
      (e) =>
        e.seq > limited.seq &&
        e.query === limited.query &&
        JSON.stringify(e.body) === JSON.stringify(limited.body)
    )!
    expect(Date.parse(retry.time) - Date.parse(limited.time)).toBeGreaterThanOrEqual(950)
  })

  it('stop and delete through 502 and a reset', async () => {
    await deploy()
    api.emu.addFault({
      method: 'PUT',
      path: '/v1/instances/stop',
      kind: 'status',
      status: 502,
      times: 2
    })
    const stop = await runAction({
      token: TOKEN,
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      command: 'stop',
      names: 'api,api2'
    })
    expect(stop.code).toBe(0)
    api.emu.addFault({ method: 'DELETE', path: '/v1/instances', kind: 'reset' })
    const del = await runAction(
      {
        token: TOKEN,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        command: 'delete',
        spec: 'ukc.yml'
      },
      { workspace: ws }
    )
    expect(del.code).toBe(0)
    expect(await inventory()).toEqual([])
  })

  it('a response slower than the request timeout is given up on and retried', async () => {
    api.emu.addFault({ method: 'GET', path: '/v1/services', kind: 'delay', delay_ms: 3000 })
    const run = await deploy({}, { UKC_REQUEST_TIMEOUT_MS: '400' })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('no complete answer within 0.4 s (request timeout); retry 1')
  })
})

describe('a gateway that takes few requests at once', () => {
  it('behind 2 in flight, every create goes through once, reads and waits too', async () => {
    api.emu.configure({ max_in_flight: 2 })
    const run = await deploy()
    expect(run.code).toBe(0)
    expect(await inventory()).toEqual(EXPECTED)
    const made = api.emu
      .journal()
      .filter((e) => e.method === 'POST' && e.path === '/v1/instances' && e.status === 200)
    expect(made.map((e) => (e.body as { name: string }).name).sort()).toEqual([
      'api',
      'api2',
      'worker'
    ])
    expect(api.emu.gatewayStats.refused).toBeGreaterThan(0)
    expect(run.stdout).toContain('API limited concurrency to')
  })
})

describe('creates are never duplicated', () => {
  it('a create whose answer was lost is found by name, not made twice', async () => {
    api.emu.addFault({
      method: 'POST',
      path: '/v1/instances',
      kind: 'reset',
      when: 'after',
      times: 3
    })
    api.emu.addFault({
      method: 'POST',
      path: '/v1/services',
      kind: 'status',
      status: 503,
      when: 'after'
    })
    api.emu.addFault({ method: 'POST', path: '/v1/volumes', kind: 'reset', when: 'after' })
    const run = await deploy()
    expect(run.code).toBe(0)
    expect(await inventory()).toEqual(EXPECTED)
    expect(
      api.emu.journal().filter((e) => e.method === 'POST' && e.path === '/v1/instances')
    ).toHaveLength(3)
    expect(run.json('instance-uuids')).toHaveLength(3)
    expect(run.stdout).toContain("Creating 'api' may or may not have worked")
    expect(run.stdout).toContain('the create request lost its answer, but it was made')
  })

  it('two runs of the same deploy at once converge to one set, and the loser says so', async () => {
    // Latency makes both runs read the (empty) account before either writes: a real race.
    api.emu.configure({ latency_ms: 250 })
    const [a, b] = await Promise.all([deploy(), deploy()])
    expect([a.code, b.code]).toEqual([0, 0])
    expect(await inventory()).toEqual(EXPECTED)
    const adopted =
      `${a.stdout}\n${b.stdout}`.match(
        /another run created it at the same moment; this run adopted it/g
      ) ?? []
    // Either they raced and the loser adopted what the winner made, or one came second and found it all.
    const oneCameSecond = [a, b].some((r) =>
      r.json('instances').every((i: { action: string }) => i.action === 'unchanged')
    )
    expect(adopted.length > 0 || oneCameSecond).toBe(true)
    const uuids = [...a.json('instance-uuids'), ...b.json('instance-uuids')]
    expect(new Set(uuids).size).toBe(uuids.length)
    expect(uuids.length).toBeLessThanOrEqual(3)
  })
})

describe('the run ends on time, and nothing is lost', () => {
  it('honours timeout: ends with a clear message and every output set', async () => {
    api.emu.configure({ boot_delay_ms: 20000 })
    const t0 = Date.now()
    const run = await deploy({ timeout: '3' })
    const took = Date.now() - t0
    expect(run.code).toBe(1)
    // Far below the 20 s boot: the 3 s timeout ended it (with room for a loaded machine).
    expect(took).toBeLessThan(15000)
    // The group and the volume were made, but every instance the user asked for failed.
    expect(run.outputs.status).toBe('error')
    const rows = run.json('instances')
    expect(rows.map((r: { state: string }) => r.state)).toEqual([
      'starting',
      'starting',
      'starting'
    ])
    expect(rows[0].error).toContain('still starting when the timeout ran out (wanted running)')
    expect(run.json('instance-uuids')).toHaveLength(3)
  })

  it('a 401 in the middle of a run lists what was created, and the error names the call, host and status', async () => {
    // The token is revoked after the first instance was made.
    api.emu.addFault({
      method: 'POST',
      path: '/v1/instances',
      kind: 'status',
      status: 401,
      skip: 1,
      times: -1
    })
    const run = await deploy({ 'on-failure': 'keep' })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      `POST /v1/instances on ${new URL(api.emu.url).host}: HTTP 401 Unauthorized`
    )
    expect(run.json('instance-uuids')).toHaveLength(1)
    expect(run.json('service-uuids')).toHaveLength(1)
    expect(run.summary).toMatch(/\| (api|api2|worker) \| created \|/)
    const uuids = new Set(run.json('instance-uuids'))
    const live = (await api.call('GET', '/instances')).json.data.instances.map(
      (i: { uuid: string }) => i.uuid
    )
    expect(live.every((u: string) => uuids.has(u))).toBe(true)
  })

  it('with on-failure: rollback, a failed run leaves nothing behind', async () => {
    api.emu.configure({ strict_images: true })
    const bad = workspace({ 'ukc.yml': SPEC.replace('python:3.12', 'acme/nope:1') })
    const run = await runAction(
      {
        token: TOKEN,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        spec: 'ukc.yml',
        'on-failure': 'rollback'
      },
      { workspace: bad }
    )
    expect(run.code).toBe(1)
    expect(await inventory()).toEqual([])
    expect(run.json('instance-uuids')).toEqual([])
  })
})

describe('secrets never leak', () => {
  it('not in stdout, stderr, outputs, the summary or error messages, even when things fail', async () => {
    const secret = 'pa55-w0rd-zz9'
    api.emu.configure({ strict_images: true })
    const bad = workspace({ 'ukc.yml': SPEC.replace('python:3.12', 'acme/nope:1') })
    api.emu.addFault({ method: 'POST', path: '/v1/instances', kind: 'status', status: 400 })
    const run = await runAction(
      {
        token: TOKEN,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        spec: 'ukc.yml',
        'secret-env': `DB_PASSWORD=${secret}`,
        'fail-on': 'never'
      },
      { workspace: bad, env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' } }
    )
    const masks = run.stdout.split('\n').slice(0, 2)
    expect(masks).toEqual([`::add-mask::${TOKEN}`, `::add-mask::${secret}`])
    const everything = [
      run.stdout.split('\n').slice(2).join('\n'),
      run.stderr,
      JSON.stringify(run.outputs),
      run.summary
    ].join('\n')
    expect(everything).toContain('::error')
    expect(everything).not.toContain(TOKEN)
    expect(everything).not.toContain(secret)
  })
})
