/**
 * What each deploy measured, and a budget a release must meet (issue 29): the figures in the
 * summary, the PR comment (against production) and the outputs; a budget that fails a rollout
 * keeps the old version serving; a malformed budget is refused before any request; the report
 * costs one metrics request.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import { runAction as runBundled, workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { runCli } from '../support/cli.js'
import { generationInput, useEmulator } from '../support/emulator.js'
import { useFakeGitHub } from '../support/github.js'

const api = useEmulator({ bootDelayMs: 20 })
const runAction: typeof runBundled = (inputs, opts = {}) =>
  runBundled(inputs, { ...opts, env: { UKC_SETTLE_MS: '100', ...opts.env } })
const T = ownerTag('acme/widget')
const gh = useFakeGitHub()
beforeEach(() => {
  api.emu.pushImage('acme/app:1')
  api.emu.pushImage('acme/app:2')
  api.emu.configure({
    images: {
      'acme/app:1': { boot_ms: 100, listen_ms: 60, rss_mb: 20 },
      'acme/app:2': { boot_ms: 140, listen_ms: 90, rss_mb: 30 }
    }
  })
})

const spec = (tag: number): string => `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: api, image: acme/app:${tag}, service_group: web }
`
const deploy = (tag: number, inputs: Record<string, string> = {}) =>
  runAction(
    {
      token: 't',
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      timeout: '20',
      spec: 'ukc.yml',
      ...inputs
    },
    { workspace: workspace({ 'ukc.yml': spec(tag) }) }
  )
const metricsReads = (): number =>
  api.emu.journal().filter((e) => e.path === '/v1/instances/metrics').length
const running = async (): Promise<{ name: string; image: string }[]> =>
  (await api.call('GET', '/instances')).json.data.instances

describe('the runtime report', () => {
  it('shows boot, time to listen and memory in the summary and as numbers in the outputs, for one request', async () => {
    const r = await deploy(1)
    expect(r.code).toBe(0)
    expect(r.summary).toContain('boot 100 ms · listening after 60 ms · 20 MiB')
    expect(r.json('instances')[0]).toMatchObject({ boot_ms: 100, listen_ms: 60, rss_mb: 20 })
    expect(metricsReads()).toBe(1)
    // A rollout compares the new version with the one it replaces, still in one request.
    api.emu.journalLog.clear()
    const next = await deploy(2)
    expect(next.code).toBe(0)
    expect(next.summary).toContain(
      'boot 140 ms (+40 %) · listening after 90 ms (+50 %) · 30 MiB (+50 %)'
    )
    expect(next.summary).toContain(
      'the version replaced: boot 100 ms · listening after 60 ms · 20 MiB'
    )
    expect(metricsReads()).toBe(1)
    // Nothing started: nothing measured, nothing asked.
    api.emu.journalLog.clear()
    const again = await deploy(2)
    expect(again.json('instances')[0]).not.toHaveProperty('boot_ms')
    expect(metricsReads()).toBe(0)
  })

  it("puts a preview's figures next to production's in the PR comment", async () => {
    expect((await deploy(1)).code).toBe(0)
    const r = await runAction(
      {
        token: 't',
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        timeout: '20',
        spec: 'ukc.yml',
        'github-token': 'gh'
      },
      {
        workspace: workspace({ 'ukc.yml': spec(2) }),
        eventName: 'pull_request',
        event: {
          action: 'synchronize',
          number: 7,
          pull_request: {
            number: 7,
            head: { sha: 'a'.repeat(40), repo: { full_name: 'acme/widget' } },
            base: { repo: { full_name: 'acme/widget' } }
          }
        },
        env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/widget' }
      }
    )
    expect(r.code).toBe(0)
    const body = gh.comments.get(7)![0].body
    expect(body).toContain('| Instance | State | URL | Runtime | Result |')
    expect(body).toContain(
      `| api-pr7-${T} | running |` // the row, then its figures against production
    )
    expect(body).toContain(
      "boot 140 ms (+40 %) · listening after 90 ms (+50 %) · 30 MiB (+50 %)<br><sub>production 'api': boot 100 ms · listening after 60 ms · 20 MiB</sub>"
    )
  })

  it('reports wake-ups from standby where there are any', async () => {
    api.emu.configure({ images: { 'acme/app:1': { boot_ms: 5, wakeups_ms: [3, 5, 40] } } })
    const r = await deploy(1, { 'runtime-budget': 'wake=10ms' })
    expect(r.code).toBe(1)
    expect(r.summary).toContain('wake p50 ≤ 8 ms, max ≤ 64 ms, mean 16 ms (3 wake-ups)')
    expect(r.json('instances')[0]).toMatchObject({ action: 'failed', wake_mean_ms: 16 })
    expect(r.json('instances')[0].error).toContain('over budget: wake 16 ms > 10 ms')
  })
})

describe('a runtime budget', () => {
  it('that a new version breaks fails the rollout before anything old is retired', async () => {
    expect((await deploy(1)).code).toBe(0)
    const [old] = await running()
    const r = await deploy(2, { 'runtime-budget': 'boot=120ms, memory=64MB' })
    expect(r.code).toBe(1)
    const row = r.json('instances')[0]
    expect(row.action).toBe('failed')
    expect(row.error).toContain(
      'the new version is over budget: boot 140 ms > 120 ms; the old instance keeps serving, untouched'
    )
    // The old version serves; the surge is gone.
    expect(await running()).toEqual([expect.objectContaining({ name: 'api', image: old.image })])
  })

  it('relative to the version replaced', async () => {
    expect((await deploy(1)).code).toBe(0)
    const r = await deploy(2, { 'runtime-budget': 'boot=+20%' })
    expect(r.code).toBe(1)
    expect(r.json('instances')[0].error).toContain(
      'over budget: boot 140 ms > 120 ms (before 100 ms +20 %)'
    )
  })

  it('that is generous passes, and fail-on: never keeps the step green on a breach', async () => {
    expect((await deploy(1)).code).toBe(0)
    const ok = await deploy(2, { 'runtime-budget': 'boot=1s, listen=250ms, memory=256MB' })
    expect(ok.code).toBe(0)
    expect(ok.json('instances')[0]).toMatchObject({ action: 'replaced', boot_ms: 140 })
    const lax = await deploy(1, { 'runtime-budget': 'boot=50ms', 'fail-on': 'never' })
    expect(lax.code).toBe(0)
    expect(lax.outputs.status).not.toBe('success')
  })

  it('that is malformed is refused before any request, naming each bad part', async () => {
    const r = await deploy(1, { 'runtime-budget': 'boot=fast, cpu=2, memory=64' })
    expect(r.code).not.toBe(0)
    expect(r.stdout).toContain("runtime-budget: part 1 'boot=fast': use boot=100ms or boot=1.5s")
    expect(r.stdout).toContain(
      "part 2 'cpu=2': 'cpu' is not a budget; use boot, listen, memory, wake"
    )
    expect(r.stdout).toContain("part 3 'memory=64': use memory=64MB")
    expect(api.emu.journal()).toEqual([])
  })

  it('is --runtime-budget on the command line', async () => {
    const cwd = workspace({ 'ukc.yml': spec(1) })
    const bad = await runCli(
      [
        'deploy',
        '--spec',
        'ukc.yml',
        '--api-url',
        api.emu.baseUrl,
        '--runtime-budget',
        'boot=soon',
        ...['--api-generation', generationInput()['api-generation']]
      ],
      { UKC_TOKEN: 't' },
      cwd
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--runtime-budget: part 1 'boot=soon'")
    const ok = await runCli(
      [
        'deploy',
        '--spec',
        'ukc.yml',
        '--json',
        '--api-url',
        api.emu.baseUrl,
        '--runtime-budget',
        'boot=1s',
        ...['--api-generation', generationInput()['api-generation']]
      ],
      { UKC_TOKEN: 't', UKC_SETTLE_MS: '100' },
      cwd
    )
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout).instances[0]).toMatchObject({
      boot_ms: 100,
      listen_ms: 60,
      rss_mb: 20
    })
  })
})
