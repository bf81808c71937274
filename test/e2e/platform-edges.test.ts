/**
 * The platforms' real edges (issue 26): metros that predate `timeout_s`, deletes that answer
 * before the instance is gone, and a name taken under a create's feet by something else.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction as runBundled, workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { GENERATION, generationInput, itemsOf, useEmulator } from '../support/emulator.js'

const api = useEmulator({ bootDelayMs: 20 })
const runAction: typeof runBundled = (inputs, opts = {}) =>
  runBundled(inputs, { ...opts, env: { UKC_SETTLE_MS: '200', ...opts.env } })
const base = (): Record<string, string> => ({
  token: 't',
  'api-url': api.emu.baseUrl,
  ...generationInput(),
  timeout: '30'
})
const run = (spec: string, inputs: Record<string, string> = {}) =>
  runAction(
    { ...base(), spec: 'ukc.yml', ...inputs },
    { workspace: workspace({ 'ukc.yml': spec }) }
  )

const grouped = (image: string) => `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: api, image: ${image}, service_group: web }
`
const alone = (image: string) => `instances:\n  - { name: worker, image: ${image} }\n`
const instances = async (): Promise<
  { uuid: string; name: string; image: string; env: Record<string, string> }[]
> => (await api.call('GET', '/instances')).json.data.instances

const onNew = GENERATION === 'new' ? describe : describe.skip

/** A preview of acme/widget#5 with one instance, as its pull_request event runs it. */
const previewOf5 = () =>
  runAction(
    { ...base(), spec: 'ukc.yml', comment: 'false' },
    {
      workspace: workspace({ 'ukc.yml': 'instances: [{ name: api, image: nginx:latest }]\n' }),
      eventName: 'pull_request',
      event: {
        action: 'opened',
        number: 5,
        pull_request: {
          number: 5,
          head: { sha: 'a'.repeat(40), repo: { full_name: 'acme/widget' } },
          base: { repo: { full_name: 'acme/widget' } }
        }
      }
    }
  )

onNew('a metro that predates timeout_s (--legacy-timeouts)', () => {
  it('deploy, rollout and delete pay the refusal once per endpoint, and never wait without a bound', async () => {
    api.emu.configure({ legacy_timeouts: true })
    api.emu.pushImage('acme/app:1')
    expect((await run(grouped('acme/app:1'))).code).toBe(0)
    api.emu.pushImage('acme/app:2')
    const rollout = await run(grouped('acme/app:2'))
    expect(rollout.code).toBe(0)
    expect(rollout.json('instances')[0].action).toBe('replaced')
    const gone = await run(grouped('acme/app:2'), { command: 'delete' })
    expect(gone.code).toBe(0)
    expect(await instances()).toEqual([])
    const journal = api.emu.journal()
    // Each run pays at most one refusal per endpoint it uses (create, wait).
    const refused = journal.filter((e) => e.status === 400)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.length).toBeLessThanOrEqual(6)
    for (const e of journal.filter((x) => x.status !== 400)) {
      const waits = itemsOf(e).flatMap((i) =>
        ['wait_timeout_ms', 'timeout_ms', 'timeout_s']
          .map((k) => i[k])
          .filter((v): v is number => typeof v === 'number')
      )
      const body = (e.body ?? {}) as Record<string, unknown>
      if (typeof body.wait_timeout_ms === 'number') waits.push(body.wait_timeout_ms)
      for (const w of waits) expect(w).toBeGreaterThan(0)
      expect(JSON.stringify(e.body ?? {}) + e.query).not.toContain('timeout_s')
    }
  })
})

describe('a delete that answers before the instance is gone (--delete-delay-ms)', () => {
  it('a recreate waits for the name, creates exactly one new instance and never adopts the dying one', async () => {
    api.emu.pushImage('acme/job:1')
    expect((await run(alone('acme/job:1'))).code).toBe(0)
    const [old] = await instances()
    api.emu.configure({ delete_delay_ms: 2000 })
    api.emu.pushImage('acme/job:2')
    api.emu.journalLog.clear()
    const r = await run(alone('acme/job:2'))
    expect(r.code).toBe(0)
    expect(r.json('instances')[0].action).toBe('replaced')
    expect(
      api.emu.journal().filter((e) => e.method === 'POST' && e.path === '/v1/instances')
    ).toHaveLength(1)
    const now = await instances()
    expect(now).toHaveLength(1)
    expect(now[0].uuid).not.toBe(old.uuid)
    expect(now[0].image).not.toBe(old.image)
    expect(r.json('instance-uuids')).toEqual([now[0].uuid])
  })

  it('delete waits until the instances are gone before it deletes their volume and group', async () => {
    const spec = `volumes: [{ name: data, size_mb: 16 }]
${grouped('nginx:latest').replace('service_group: web }', 'service_group: web, volumes: [{ name: data, at: /data }] }')}`
    expect((await run(spec)).code).toBe(0)
    api.emu.configure({ delete_delay_ms: 1000 })
    const r = await run(spec, { command: 'delete' })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('success')
    expect(await instances()).toEqual([])
    expect((await api.call('GET', '/volumes')).json.data.volumes).toEqual([])
    expect((await api.call('GET', '/services')).json.data.service_groups).toEqual([])
  })

  it('a rolling swap waits for the real name too', async () => {
    api.emu.pushImage('acme/app:1')
    expect((await run(grouped('acme/app:1'))).code).toBe(0)
    api.emu.configure({ delete_delay_ms: 1500 })
    api.emu.pushImage('acme/app:2')
    const r = await run(grouped('acme/app:2'))
    expect(r.code).toBe(0)
    expect(r.json('instances')[0].action).toBe('replaced')
  })
})

describe('a name taken by something else while the run creates it', () => {
  it("a racing foreign instance under a preview's name is a conflict row with its UUID, not success", async () => {
    const tag = ownerTag('acme/widget')
    const name = `api-pr5-${tag}`
    await api.call('POST', '/instances', {
      name,
      image: 'nginx:latest',
      env: { UKC_DEPLOY_PREVIEW: 'someone/else#5' }
    })
    const [foreign] = await instances()
    // The run reads the account before the other instance appears (it races in after).
    api.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'answer',
      body: { status: 'success', op_time_us: 1, data: { instances: [] } },
      times: 1
    })
    const r = await previewOf5()
    expect(r.code).toBe(1)
    const row = r.json('instances')[0]
    expect(row).toMatchObject({ name, action: 'failed', uuid: foreign.uuid })
    expect(row.error).toContain(`its name is taken by instance ${foreign.uuid}`)
    expect(row.error).toContain('env differ')
    expect(r.json('instance-uuids')).toEqual([])
    expect(r.outputs.url).toBe('')
    const after = await instances()
    expect(after).toHaveLength(1)
    expect(after[0].env.UKC_DEPLOY_PREVIEW).toBe('someone/else#5')
  })
})

onNew('listings are read whole, page by page (--page-size)', () => {
  it('sweep finds a closed preview that is the 251st instance of the account', async () => {
    const { startFakeGitHub } = await import('../support/github.js')
    api.emu.setQuotas({ hard: { instances: 1000, live_instances: 1000 } })
    // The previews of another, open PR of the same repository: the same tags but its PR's.
    const tags = ['ukc-deploy', `ukc-deploy.owner=${ownerTag('acme/widget')}`, 'ukc-deploy.pr=9']
    for (let i = 0; i < 250; i++)
      await api.call('POST', '/instances', {
        name: `other-${i}-pr9-${ownerTag('acme/widget')}`,
        image: 'nginx:latest',
        env: { UKC_DEPLOY_PREVIEW: 'acme/widget#9' },
        tags
      })
    const preview = await previewOf5()
    expect(preview.code).toBe(0)
    // A listing that reads one page (the server's default of 100 here) misses 151 instances.
    api.emu.configure({ page_size: 100 })
    const all = (await api.call('GET', '/instances')).json.data.instances
    expect(all).toHaveLength(100)
    const gh = await startFakeGitHub()
    try {
      gh.pulls.set(5, 'closed')
      gh.pulls.set(9, 'open')
      api.emu.journalLog.clear()
      const r = await runAction(
        { ...base(), command: 'sweep', 'github-token': 'gh' },
        { eventName: 'schedule', env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/widget' } }
      )
      expect(r.code).toBe(0)
    } finally {
      await gh.close()
    }
    const listings = api.emu
      .journal()
      .filter(
        (e) =>
          e.method === 'GET' &&
          e.path === '/v1/instances' &&
          e.query.includes('count=100') &&
          e.query.includes('tags=ukc-deploy')
      )
    expect(listings.length).toBeGreaterThanOrEqual(3)
    const name = `api-pr5-${ownerTag('acme/widget')}`
    const left = (await api.call('GET', `/instances?name=${name}`)).json.data.instances
    expect(left.map((i: { status: string }) => i.status)).toEqual(['error'])
  })
})

describe('an account without autoscale', () => {
  it('deploys a spec with service groups but no autoscale, item refusals and all', async () => {
    api.emu.configure({ autoscale_enabled: false })
    const r = await run(grouped('nginx:latest'))
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('success')
  })

  it('goes on, and says so, when the autoscale read itself is refused', async () => {
    api.emu.addFault({
      method: 'GET',
      path: '/v1/services/autoscale',
      kind: 'status',
      status: 403,
      times: 5
    })
    const r = await run(grouped('nginx:latest'))
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /autoscale could not be read \(.*403.*\); the spec configures none, so the deploy went on without it/
    )
  })
})
