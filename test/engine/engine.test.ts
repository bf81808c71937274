/**
 * The engine in-process against the emulator: no bundle, no child process. What the e2e
 * tests show through dist/index.js, these show at the engine's own boundary (runEngine).
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { runEngine } from '../../src/engine/run.js'
import type { EngineOptions, Logger, RunResult } from '../../src/engine/types.js'
import { PLAIN_WORDS, type Wording } from '../../src/fields.js'
import { loadYamlParser } from '../../src/spec/yaml.js'
import { UkcClient } from '../../src/ukc/client.js'
import { useEmulator } from '../support/emulator.js'
import { specOf } from '../support/spec.js'

beforeAll(loadYamlParser)
const api = useEmulator()

const quiet: Logger = {
  info: () => {},
  warning: () => {},
  debug: () => {},
  group: (_title, fn) => fn()
}

function options(over: Partial<EngineOptions> = {}): EngineOptions {
  return {
    command: 'deploy',
    names: [],
    wait: true,
    deadline: Date.now() + 20000,
    drainTimeoutMs: 0,
    strategy: 'rolling',
    onFailure: 'keep',
    failOn: 'any',
    settleMs: 100,
    healthCheckTimeoutMs: 5000,
    dryRun: false,
    words: PLAIN_WORDS,
    previewTtlMs: 7 * 86_400_000,
    sweepTtl: false,
    protect: true,
    ...over
  }
}

async function run(
  spec: string | undefined,
  over: Partial<EngineOptions> = {}
): Promise<RunResult> {
  const client = new UkcClient({
    token: 't',
    apiUrl: api.emu.baseUrl,
    deadline: Date.now() + 20000
  })
  try {
    return await runEngine(client, spec ? specOf(spec) : undefined, options(over), quiet)
  } finally {
    client.close()
  }
}

const writes = (): string[] =>
  api.emu
    .journal()
    .filter((e) => e.method !== 'GET')
    .map((e) => `${e.method} ${e.path}`)

const SPEC = `
service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
volumes:
  - { name: data, size_mb: 64 }
instances:
  - { name: api, image: acme/api:1, service_group: web }
  - { name: worker, image: acme/api:1, volumes: [{ name: data, at: /data }] }
`

const rows = (r: RunResult): string[] => r.objects.map((o) => `${o.kind}/${o.name}: ${o.action}`)

describe('deploy', () => {
  it('creates in order, then a re-run changes nothing and writes nothing', async () => {
    api.emu.pushImage('acme/api:1')
    const first = await run(SPEC)
    expect(first.status).toBe('success')
    expect(rows(first)).toEqual([
      'service_group/web: created',
      'volume/data: created',
      'instance/api: created',
      'instance/worker: created'
    ])
    api.emu.journalLog.clear()
    const again = await run(SPEC)
    expect(rows(again).every((r) => r.endsWith('unchanged'))).toBe(true)
    expect(writes()).toEqual([])
  })

  it('plan reads and says, and writes nothing', async () => {
    api.emu.pushImage('acme/api:1')
    const r = await run(SPEC, { command: 'plan' })
    expect(r.objects.map((o) => o.intent)).toEqual(['create', 'create', 'create', 'create'])
    expect(writes()).toEqual([])
  })

  it('a new digest rolls over through a surge; the surge is gone afterwards', async () => {
    api.emu.pushImage('acme/api:1')
    await run(SPEC)
    api.emu.pushImage('acme/api:1')
    api.emu.journalLog.clear()
    const r = await run(SPEC)
    expect(rows(r)).toContain('instance/api: replaced')
    expect(rows(r)).toContain('instance/worker: replaced')
    const names = (await api.call('GET', '/instances')).json as {
      data: { instances: { name: string }[] }
    }
    expect(names.data.instances.map((i) => i.name).sort()).toEqual(['api', 'worker'])
    const created = writes().filter((w) => /^POST \S*\/instances$/.test(w)).length
    expect(created).toBe(3) // api's surge, api anew, worker recreated (no group: no surge)
  })

  it('an app that exits right after boot fails its row with the state the API reports', async () => {
    api.emu.pushImage('acme/api:1', { crash: { after_ms: 30, exit_code: 3, message: 'boom' } })
    const r = await run('instances:\n  - { name: api, image: acme/api:1 }\n')
    expect(r.status).toBe('error')
    expect(r.objects[0]).toMatchObject({ action: 'failed', state: 'stopped' })
    expect(r.objects[0].error).toMatch(
      /did not stay up: the app exited with code 3 within 100 ms of starting \(stop_reason 3, exit code 3\)/
    )
  })

  it('rolls back what it made when asked to (preview default)', async () => {
    api.emu.pushImage('acme/api:1', { crash: { after_ms: 30, exit_code: 3, message: 'boom' } })
    const r = await run(SPEC, { onFailure: 'rollback' })
    expect(r.failed).toBe(true)
    const left = (await api.call('GET', '/instances')).json as { data: { instances: unknown[] } }
    expect(left.data.instances).toEqual([])
    expect(r.objects.find((o) => o.kind === 'service_group')).toMatchObject({
      action: 'deleted',
      createdByRun: false
    })
  })
})

describe('a failure at the deadline leaves nothing behind', () => {
  it('a health check that fails until the deadline still removes its surge and says why', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((_q, res) => res.writeHead(503).end('starting'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const { port } = server.address() as { port: number }
    try {
      const one = `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances: [{ name: api, image: acme/api:1, service_group: web }]
`
      api.emu.pushImage('acme/api:1')
      await run(one)
      api.emu.pushImage('acme/api:1')
      // Slow answers: the surge's removal starts after the run's own deadline has passed.
      api.emu.configure({ latency_ms: 400 })
      const deadline = Date.now() + 4000
      const client = new UkcClient({ token: 't', apiUrl: api.emu.baseUrl, deadline })
      const r = await runEngine(
        client,
        specOf(one),
        options({ deadline, healthCheck: `http://127.0.0.1:${port}/healthz`, settleMs: 0 }),
        quiet
      ).finally(() => client.close())
      expect(r.error).toBeUndefined()
      const row = r.objects.find((o) => o.kind === 'instance')!
      expect(row).toMatchObject({ name: 'api', action: 'failed' })
      expect(row.error).toContain('failed (last answer: HTTP 503)')
      expect(Date.now()).toBeGreaterThan(deadline)
      api.emu.configure({ latency_ms: 0 })
      const left = (await api.call('GET', '/instances')).json.data.instances
      expect(left.map((i: { name: string }) => i.name)).toEqual(['api'])
    } finally {
      server.close()
    }
  })
})

describe('batch commands', () => {
  it('stop, start, status and delete by name', async () => {
    api.emu.pushImage('acme/api:1')
    await run(SPEC)
    const names = ['api', 'worker']
    expect(rows(await run(undefined, { command: 'stop', names }))).toEqual([
      'instance/api: stopped',
      'instance/worker: stopped'
    ])
    expect((await run(undefined, { command: 'start', names })).status).toBe('success')
    const status = await run(undefined, { command: 'status', names })
    expect(status.objects.map((o) => o.state)).toEqual(['running', 'running'])
    const gone = await run(SPEC, { command: 'delete' })
    expect(rows(gone)).toEqual([
      'service_group/web: deleted',
      'volume/data: deleted',
      'instance/api: deleted',
      'instance/worker: deleted'
    ])
  })

  it('delete --dry-run lists everything delete removes, certificates and autoscale too', async () => {
    api.emu.pushImage('acme/api:1')
    const spec = `${SPEC.replace(
      'handlers: [http, tls] }]',
      'handlers: [http, tls] }]\n    autoscale: { max_size: 2, master: api }'
    )}`
    await run(spec)
    api.emu.journalLog.clear()
    const r = await run(spec, { command: 'delete', dryRun: true })
    expect(r.plan.map((p) => `${p.action} ${p.kind}/${p.name}`)).toEqual([
      'delete instance/api',
      'delete instance/worker',
      'delete autoscale/web',
      'delete volume/data',
      'delete service_group/web'
    ])
    expect(writes()).toEqual([])
  })
})

describe('errors name the setting as the front end words it', () => {
  const CLI: Wording = { name: (f) => `--${f}`, label: (f) => `--${f}` }
  it.each<[EngineOptions['command'], RegExp]>([
    ['deploy', /deploy needs a spec: --spec \(a file or inline YAML\), or --shorthand/],
    ['stop', /stop needs instances: --names/],
    ['sweep', /needs a GitHub token \(--github-token\)/]
  ])('%s', async (command, message) => {
    const r = await run(undefined, { command, words: CLI })
    expect(r).toMatchObject({ status: 'error', failed: true })
    expect(r.error).toMatch(message)
    expect(api.emu.journal()).toEqual([])
  })
})
