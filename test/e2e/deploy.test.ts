/** The bundled action, run as the runner runs it, against the emulator. */
import { describe, expect, it } from '@jest/globals'
import {
  GENERATION,
  generationInput,
  itemsOf,
  METRO_DOMAIN,
  useEmulator,
  waitMs
} from '../support/emulator.js'
import { runAction, workspace } from '../../scripts/local-runner.js'

const api = useEmulator()
const TOKEN = 'ukc-test-token-7f3a9c'

const spec = `
service_groups:
  - name: web
    services:
      - { port: 443, destination_port: 8080, handlers: [http, tls] }
      - { port: 80, destination_port: 443, handlers: [http, redirect] }
    domains:
      - name: myapp
volumes:
  - { name: data, size_mb: 64 }
instances:
  - name: api
    image: nginx:latest
    memory_mb: 256
    env:
      LOG_LEVEL: \${LOG_LEVEL:-info}
    service_group: web
  - name: api2
    image: nginx:latest
    service_group: web
  - name: worker
    image: python:3.12
    volumes: [{ name: data, at: /data }]
`

const base = (): Record<string, string> => ({
  token: TOKEN,
  'api-url': api.emu.baseUrl,
  ...generationInput(),
  timeout: '30'
})
const writes = (): string[] =>
  api.emu
    .journal()
    .filter((e) => e.method !== 'GET')
    .map((e) => `${e.method} ${e.path}`)
const count = (method: string, path: string): number =>
  api.emu.journal().filter((e) => e.method === method && e.path === path).length

describe('deploy', () => {
  it('creates everything, waiting on the server inside each create (no polling), and reports it', async () => {
    const ws = workspace({ 'ukc.yml': spec })
    const run = await runAction({ ...base(), spec: 'ukc.yml' }, { workspace: ws })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('success')
    const instances = run.json('instances')
    expect(
      instances.map((i: { name: string; state: string; action: string }) => [
        i.name,
        i.state,
        i.action
      ])
    ).toEqual([
      ['api', 'running', 'created'],
      ['api2', 'running', 'created'],
      ['worker', 'running', 'created']
    ])
    expect(instances[0]).toMatchObject({
      fqdn: `myapp.${METRO_DOMAIN}`,
      'private-fqdn': 'api.internal'
    })
    expect(instances[0]['private-ip']).toMatch(/^10\./)
    expect(run.json('instance-uuids')).toHaveLength(3)
    expect(run.json('services')).toEqual([
      { name: 'web', uuid: expect.any(String), fqdns: [`myapp.${METRO_DOMAIN}`], action: 'created' }
    ])
    expect(run.json('service-uuids')).toHaveLength(1)
    expect(run.outputs.url).toBe(`https://myapp.${METRO_DOMAIN}`)
    expect(run.json('urls')).toEqual([`https://myapp.${METRO_DOMAIN}`])
    expect(
      run.json('plan').map((p: { name: string; action: string }) => `${p.name}:${p.action}`)
    ).toEqual(['web:create', 'data:create', 'api:create', 'api2:create', 'worker:create'])
    // The server-side wait for running rides in each create (wait_timeout_ms); the settle window
    // is one batched wait for `stopped` that must run out: no polling.
    const waits = api.emu.journal().filter((e) => e.path === '/v1/instances/wait')
    expect(waits).toHaveLength(1)
    expect(itemsOf(waits[0]).map((i) => [i.name, i.state, waitMs(i) > 0])).toEqual(
      ['api', 'api2', 'worker'].map((name) => [name, 'stopped', true])
    )
    const creates = api.emu
      .journal()
      .filter((e) => e.method === 'POST' && e.path === '/v1/instances')
    expect(creates.every((e) => waitMs(e.body) > 20000)).toBe(true)
    expect(count('POST', '/v1/services')).toBe(1)
    expect(count('POST', '/v1/volumes')).toBe(1)
    expect(count('POST', '/v1/instances')).toBe(3)
    expect(run.summary).toContain('### ✅ ukc-deploy deploy: success')
    expect(run.summary).toContain(
      `| api | created | running${GENERATION === 'new' ? ' · 🔒 locked' : ''} | [myapp.${METRO_DOMAIN}](https://myapp.${METRO_DOMAIN}) |`
    )
    const env = (await api.call('GET', '/instances', [{ name: 'api' }])).json.data.instances[0].env
    expect(env).toEqual({ LOG_LEVEL: 'info' })
  })

  it('a second deploy with the same inputs writes nothing', async () => {
    const ws = workspace({ 'ukc.yml': spec })
    await runAction({ ...base(), spec: 'ukc.yml' }, { workspace: ws })
    api.emu.journalLog.clear()
    const run = await runAction({ ...base(), spec: 'ukc.yml' }, { workspace: ws })
    expect(run.code).toBe(0)
    expect(writes()).toEqual([])
    expect(run.json('instances').map((i: { action: string }) => i.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged'
    ])
    expect(run.json('instance-uuids')).toEqual([])
  })

  it('an instance deleted outside the action is made again under its name, even while the platform retains it', async () => {
    const one = 'instances: [{ name: api, image: nginx:latest }]\n'
    await runAction({ ...base(), spec: one })
    // Deleted by hand (the console, another tool): the new platform retains it, name and all.
    // [N] The deploy locked it (protect): whoever deletes it by hand unlocks it first.
    if (GENERATION === 'new')
      await api.call('PATCH', '/instances', [
        { name: 'api', prop: 'delete_lock', op: 'set', value: false }
      ])
    await api.call('DELETE', '/instances', [{ name: 'api' }])
    const listed = (await api.call('GET', '/instances')).json.data.instances
    expect(listed.map((i: { state: string }) => i.state)).toEqual(
      api.emu.settings.generation === 'new' ? ['deleted'] : []
    )
    api.emu.journalLog.clear()
    const run = await runAction({ ...base(), spec: one })
    expect(run.code).toBe(0)
    expect(run.json('instances')).toMatchObject([
      { name: 'api', action: 'created', state: 'running' }
    ])
    const after = (await api.call('GET', '/instances')).json.data.instances
    expect(after.map((i: { name: string; state: string }) => [i.name, i.state])).toEqual([
      ['api', 'running']
    ])
    // The retained one is purged (dont_retain) and the create sent again; classic needs neither.
    expect(writes()).toEqual(
      api.emu.settings.generation === 'new'
        ? [
            'POST /v1/instances',
            'DELETE /v1/instances',
            'POST /v1/instances',
            'PATCH /v1/instances' // the new one locked
          ]
        : ['POST /v1/instances']
    )
  })

  it('one bad image among three: partial success, two running, the API message in the summary', async () => {
    api.emu.configure({ strict_images: true })
    const three = `
instances:
  - { name: a, image: nginx:latest }
  - { name: b, image: acme/missing:1 }
  - { name: c, image: caddy:latest }
`
    const run = await runAction({ ...base(), spec: three })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('partial_success')
    const rows = run.json('instances')
    expect(rows.map((r: { name: string; action: string }) => `${r.name}:${r.action}`)).toEqual([
      'a:created',
      'b:failed',
      'c:created'
    ])
    expect(rows[1].error).toContain("No image with tag 'acme/missing:1'")
    // Found by the plan, before any create: the row says what is wrong and nothing is sent.
    expect(run.summary).toMatch(/\| b \| failed \|.*❌ image acme\/missing:1 not found/)
    expect(run.stdout).toContain(
      '::error title=ukc-deploy%3A instance b::image acme/missing:1 not found'
    )
    expect(run.stdout).toMatch(/✗ 1 of 3 instances failed: b \(image acme\/missing:1 not found/)
    expect(
      api.emu.journal().filter((e) => e.method === 'POST' && e.path === '/v1/instances')
    ).toHaveLength(2)
    const states = (await api.call('GET', '/instances')).json.data.instances.map(
      (i: { name: string; state: string }) => `${i.name}:${i.state}`
    )
    expect(states.sort()).toEqual(['a:running', 'c:running'])
  })

  it('fail-on never keeps the step green, fail-on all fails only when everything failed', async () => {
    api.emu.configure({ strict_images: true })
    const mixed =
      'instances:\n  - { name: a, image: nginx:latest }\n  - { name: b, image: acme/missing:1 }\n'
    expect((await runAction({ ...base(), spec: mixed, 'fail-on': 'never' })).code).toBe(0)
    expect(
      (
        await runAction({
          ...base(),
          spec: 'instances:\n  - { name: c, image: nginx:latest }\n  - { name: d, image: acme/missing:1 }\n',
          'fail-on': 'all'
        })
      ).code
    ).toBe(0)
    const allBad = await runAction({
      ...base(),
      spec: 'instances:\n  - { name: e, image: acme/missing:2 }\n',
      'fail-on': 'all'
    })
    expect(allBad.code).toBe(1)
    expect(allBad.outputs.status).toBe('error')
  })

  it('on-failure rollback deletes what the failed run created', async () => {
    api.emu.configure({ strict_images: true })
    const run = await runAction({
      ...base(),
      spec: 'service_groups:\n  - { name: g, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }\ninstances:\n  - { name: a, image: nginx:latest, service_group: g }\n  - { name: b, image: acme/missing:1, service_group: g }\n',
      'on-failure': 'rollback'
    })
    expect(run.code).toBe(1)
    expect(run.json('instance-uuids')).toEqual([])
    expect(run.json('instances')[0]).toMatchObject({
      name: 'a',
      action: 'deleted',
      state: 'deleted',
      error: '',
      'rolled-back': true
    })
    // Nothing the run made serves any more: the status says error, not partial success.
    expect(run.outputs.status).toBe('error')
    expect(run.stdout).toMatch(/· rolled back \(not at fault\): 1 service group, 1 instance: g, a/)
    expect(run.stdout).not.toMatch(/· deployed/)
    expect((await api.call('GET', '/instances')).json.data.instances).toEqual([])
    expect((await api.call('GET', '/services')).json.data.service_groups).toEqual([])
  })

  it('plan reads and never writes', async () => {
    const run = await runAction({ ...base(), command: 'plan', spec })
    expect(run.code).toBe(0)
    expect(writes()).toEqual([])
    expect(run.json('plan')).toHaveLength(5)
    expect(run.json('instances').every((i: { action: string }) => i.action === 'planned')).toBe(
      true
    )
    expect(run.summary).toContain('<details open><summary>Plan</summary>')
  })

  it('a spec error fails before any request, with a file:line annotation', async () => {
    const ws = workspace({
      'bad.yml':
        'instances:\n  - name: api\n    image: nginx:latest\n    memory_mb: lots\n    colour: blue\n'
    })
    const run = await runAction({ ...base(), spec: 'bad.yml' }, { workspace: ws })
    expect(run.code).toBe(1)
    expect(api.emu.journal()).toEqual([])
    expect(run.stdout).toContain(
      '::error title=ukc-deploy%3A spec,file=bad.yml,line=4,col=16::instances[0].memory_mb: must be a whole number, got "lots"'
    )
    expect(run.stdout).toContain(
      "file=bad.yml,line=5,col=5::instances[0]: unknown key 'colour' in an instance"
    )
    expect(run.outputs.status).toBe('error')
    expect(run.outputs.instances).toBe('[]')
    expect(run.summary).toContain('2 problems')
  })

  it('bad inputs name the input and the valid values, before any request', async () => {
    const run = await runAction({
      ...base(),
      command: 'launch',
      strategy: 'yolo',
      wait: 'maybe',
      name: 'a',
      image: 'nginx'
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      'command: \\"launch\\" is not valid; use one of deploy, plan, start, stop, delete, status, sweep'.replace(
        /\\"/g,
        '"'
      )
    )
    expect(run.stdout).toContain('strategy: "yolo" is not valid; use one of rolling, recreate')
    expect(run.stdout).toContain('wait: "maybe" is not a boolean')
    expect(api.emu.journal()).toEqual([])
  })
})

describe('shorthand inputs', () => {
  it('deploys one instance from name, image, ports, env and domain', async () => {
    const run = await runAction({
      ...base(),
      name: 'hello',
      image: 'nginx:latest',
      memory: '256Mi',
      ports: '443:8080',
      domain: 'hello',
      env: 'A=1\nB=two'
    })
    expect(run.code).toBe(0)
    expect(run.outputs.url).toBe(`https://hello.${METRO_DOMAIN}`)
    const inst = (await api.call('GET', '/instances', [{ name: 'hello' }])).json.data.instances[0]
    expect(inst).toMatchObject({
      memory_mb: 256,
      env: { A: '1', B: 'two' },
      service_group: { name: 'hello' }
    })
    const group = (await api.call('GET', '/services', [{ name: 'hello' }])).json.data
      .service_groups[0]
    expect(group.services).toEqual([
      { port: 443, destination_port: 8080, handlers: ['http', 'tls'] },
      { port: 80, destination_port: 443, handlers: ['http', 'redirect'] }
    ])
  })
})

describe('batch commands by names', () => {
  async function three(): Promise<void> {
    for (const name of ['s1', 's2', 's3'])
      await api.call('POST', '/instances', {
        name,
        image: 'nginx:latest',
        autostart: true,
        wait_timeout_ms: 2000
      })
    api.emu.journalLog.clear()
  }

  it('stops, starts and deletes a set with one request each', async () => {
    await three()
    const stop = await runAction({ ...base(), command: 'stop', names: 's1\ns2\ns3' })
    expect(stop.code).toBe(0)
    expect(
      stop.json('instances').map((i: { state: string; action: string }) => `${i.action}:${i.state}`)
    ).toEqual(['stopped:stopped', 'stopped:stopped', 'stopped:stopped'])
    expect(count('PUT', '/v1/instances/stop')).toBe(1)
    expect(count('GET', '/v1/instances/wait')).toBe(1)
    api.emu.journalLog.clear()
    const start = await runAction({ ...base(), command: 'start', names: 's1, s2, s3' })
    expect(start.json('instances').every((i: { state: string }) => i.state === 'running')).toBe(
      true
    )
    expect(count('PUT', '/v1/instances/start')).toBe(1)
    api.emu.journalLog.clear()
    const del = await runAction({ ...base(), command: 'delete', names: 's1\ns2\ns3' })
    expect(del.json('instances').map((i: { action: string }) => i.action)).toEqual([
      'deleted',
      'deleted',
      'deleted'
    ])
    // [N] The delete unlocks exactly the set it deletes, in one request before it.
    expect(writes()).toEqual([
      ...(GENERATION === 'new' ? ['PATCH /v1/instances'] : []),
      'DELETE /v1/instances'
    ])
  })

  it('status reads a set in one request, and reports unknown names as failed', async () => {
    await three()
    const uuid = (await api.call('GET', '/instances', [{ name: 's2' }])).json.data.instances[0].uuid
    api.emu.journalLog.clear()
    const run = await runAction({
      ...base(),
      command: 'status',
      names: `s1\n${uuid}\nghost`,
      'fail-on': 'never'
    })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('partial_success')
    expect(
      run
        .json('instances')
        .map(
          (i: { name: string; action: string; state: string }) => `${i.name}:${i.action}:${i.state}`
        )
    ).toEqual(['s1:unchanged:running', 's2:unchanged:running', 'ghost:failed:absent'])
    expect(api.emu.journal()).toHaveLength(1)
  })

  it('stop drains first when drain-timeout is set', async () => {
    await three()
    await runAction({ ...base(), command: 'stop', names: 's1', 'drain-timeout': '1' })
    expect(api.emu.journal().find((e) => e.path === '/v1/instances/stop')?.body).toEqual([
      { name: 's1', drain_timeout_ms: 1000 }
    ])
  })

  it('deleting what is already gone succeeds', async () => {
    const run = await runAction({ ...base(), command: 'delete', names: 'never-existed' })
    expect(run.code).toBe(0)
    expect(run.json('instances')).toEqual([
      expect.objectContaining({ name: 'never-existed', action: 'unchanged', state: 'absent' })
    ])
  })
})

describe('secrets', () => {
  it('masks the token and secret-env values first, and never writes them anywhere', async () => {
    const secret = 's3cr3t-value-91'
    const run = await runAction(
      { ...base(), name: 'sec', image: 'nginx:latest', 'secret-env': `DB_PASSWORD=${secret}` },
      { env: { ACTIONS_STEP_DEBUG: 'true' } }
    )
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe(`::add-mask::${TOKEN}`)
    expect(lines[1]).toBe(`::add-mask::${secret}`)
    const rest = lines.slice(2).join('\n')
    for (const s of [TOKEN, secret]) {
      expect(rest).not.toContain(s)
      expect(run.stderr).not.toContain(s)
      expect(JSON.stringify(run.outputs)).not.toContain(s)
      expect(run.summary).not.toContain(s)
    }
    const inst = (await api.call('GET', '/instances', [{ name: 'sec' }])).json.data.instances[0]
    expect(inst.env).toEqual({ DB_PASSWORD: secret })
  })
})

describe('deployed means up (settle)', () => {
  const spec = 'instances:\n  - { name: api, image: acme/flaky:1, restart_policy: never }\n'
  const run = (inputs: Record<string, string> = {}) =>
    runAction(
      {
        token: TOKEN,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        spec: 'ukc.yml',
        timeout: '20',
        ...inputs
      },
      { workspace: workspace({ 'ukc.yml': spec }) }
    )

  it('an app that exits 60 ms after it starts is a failed row with the state the API reports and its console', async () => {
    api.emu.pushImage('acme/flaky:1', {
      crash: { after_ms: 60, exit_code: 3, message: 'fatal: no database' }
    })
    const r = await run()
    expect(r.code).toBe(1)
    expect(r.outputs.status).toBe('error')
    const [row] = r.json('instances')
    expect(row).toMatchObject({ name: 'api', action: 'failed', state: 'stopped' })
    expect(row.error).toMatch(
      /did not stay up: the app exited with code 3 within 1 s of starting \(stop_reason \d+, exit code 3\)/
    )
    expect(r.summary).toContain('fatal: no database')
    expect(r.summary).not.toMatch(/\| failed \| running/)
  })

  it('a re-run finds it stopped: it is never counted as healthy; with wait it is started and must settle again', async () => {
    api.emu.pushImage('acme/flaky:1', {
      crash: { after_ms: 60, exit_code: 3, message: 'fatal: no database' }
    })
    await run()
    const again = await run()
    expect(again.code).toBe(1)
    expect(again.json('plan')[0]).toMatchObject({ name: 'api', action: 'start' })
    expect(again.json('instances')[0]).toMatchObject({ action: 'failed', state: 'stopped' })
    const noWait = await run({ wait: 'false' })
    expect(noWait.code).toBe(1)
    expect(noWait.json('instances')[0].error).toContain(
      'it is stopped; deploy with wait: true starts it'
    )
  })

  it('a healthy instance stopped by hand is started by the next deploy and reported as started', async () => {
    api.emu.pushImage('acme/flaky:1')
    expect((await run()).code).toBe(0)
    await api.call('PUT', '/instances/stop', [{ name: 'api' }])
    await api.call('GET', '/instances/wait', [{ name: 'api', state: 'stopped', timeout_ms: 5000 }])
    const r = await run()
    expect(r.code).toBe(0)
    expect(r.json('instances')[0]).toMatchObject({ action: 'started', state: 'running' })
  })

  it('settle: 0 turns the window off', async () => {
    api.emu.pushImage('acme/flaky:1', { crash: { after_ms: 500, exit_code: 3, message: 'late' } })
    const r = await run({ settle: '0' })
    expect(r.code).toBe(0)
    expect(api.emu.journal().filter((e) => e.path === '/v1/instances/wait')).toEqual([])
  })
})

describe('what a user reads', () => {
  const mixed = `
service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: a, image: nginx:latest, service_group: web }
  - { name: b, image: acme/missing:1 }
`
  it('plan reads like a plan, names an image that does not resolve, and fails like deploy would', async () => {
    api.emu.configure({ strict_images: true })
    const r = await runAction({ ...base(), spec: mixed, command: 'plan' })
    expect(r.code).toBe(1)
    expect(r.summary).toContain('Plan: 2 to create, 1 refused')
    expect(r.summary).toMatch(/\| a \| create \|/)
    expect(r.summary).toMatch(/\| b \| failed \|.*image acme\/missing:1 not found/)
    // A row with no UUID has an empty cell, not an empty code span.
    expect(r.summary).toMatch(/\| b \| failed \| {2}\| {2}\| {2}\| {2}\| ❌/)
    expect(r.summary).not.toContain('``')
    expect(r.stdout).toContain('✗ Plan: 2 to create, 1 refused')
    expect(api.emu.journal().filter((e) => e.method !== 'GET')).toEqual([])
    expect(
      (await runAction({ ...base(), spec: mixed, command: 'plan', 'fail-on': 'never' })).code
    ).toBe(0)
  })

  it('the log ends with the outcome, and a run whose every instance failed is an error, not a partial success', async () => {
    api.emu.configure({ strict_images: true })
    const ok = await runAction({
      ...base(),
      spec: 'instances: [{ name: a, image: nginx:latest }]\n'
    })
    expect(ok.stdout.trimEnd().split('\n').pop()).toBe('✓ deployed 1 instance')
    const bad = await runAction({
      ...base(),
      spec: `service_groups:\n  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }\ninstances:\n  - { name: b, image: acme/missing:1, service_group: web }\n`
    })
    expect(bad.outputs.status).toBe('error')
    expect(bad.summary).toContain('ukc-deploy deploy: error')
    expect(bad.stdout).toContain('✗ 1 of 1 instance failed: b (image acme/missing:1 not found')
  })

  it('each spec problem is annotated once; a bad command input is reported under its own name', async () => {
    const r = await runAction({
      ...base(),
      spec: 'instances: [{ name: a, image: nginx:latest, colour: red }]\n'
    })
    expect(r.stdout.match(/colour/g)).toHaveLength(1)
    expect(r.stdout).toContain(
      '::error::ukc-deploy deploy: the spec has 1 problem(s); see the annotations above'
    )
    const status = await runAction({ ...base(), command: 'status' })
    expect(status.stdout).toContain('ukc-deploy status: names: status needs instances')
    expect(status.summary).not.toContain('[!CAUTION]')
    expect(status.summary).toContain('> **Error:**')
  })
})
