/**
 * Previews that clean up after themselves and production that cannot be deleted by accident
 * (issue 31): tags, annotations, TTL schedules renewed by a push, group autokill, delete locks
 * set after deploy and rollout, unlocked only by the action's own deletes; and on classic,
 * which has none of it, the notice and `sweep-ttl`.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction as runBundled, workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { GENERATION, generationInput, useEmulator } from '../support/emulator.js'
import { useFakeGitHub } from '../support/github.js'
import { raw } from '../support/http.js'
import { runCli } from '../support/cli.js'

const api = useEmulator({ bootDelayMs: 20 })
const gh = useFakeGitHub()

const T = ownerTag('acme/widget')
const SHA = 'a'.repeat(40)
const SPEC = (image: string): string => `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: api, image: ${image}, service_group: web }
`
const runAction: typeof runBundled = (inputs, opts = {}) =>
  runBundled(inputs, {
    ...opts,
    env: { UKC_SETTLE_MS: '100', GITHUB_API_URL: gh.url, ...opts.env }
  })
const base = (): Record<string, string> => ({
  token: 't',
  'api-url': api.emu.baseUrl,
  ...generationInput(),
  timeout: '30',
  'github-token': 'gh-token'
})
/** A production deploy (a push). */
const deploy = (image: string, inputs: Record<string, string> = {}) =>
  runAction(
    { ...base(), spec: 'ukc.yml', ...inputs },
    { workspace: workspace({ 'ukc.yml': SPEC(image) }) }
  )
/** The preview of acme/widget#5, as its pull_request event runs it. */
const preview = (
  action: string,
  inputs: Record<string, string> = {},
  spec = SPEC('nginx:latest')
) =>
  runAction(
    { ...base(), spec: 'ukc.yml', ...inputs },
    {
      workspace: workspace({ 'ukc.yml': spec }),
      eventName: 'pull_request',
      event: {
        action,
        number: 5,
        pull_request: {
          number: 5,
          head: { sha: SHA, repo: { full_name: 'acme/widget' } },
          base: { repo: { full_name: 'acme/widget' } }
        }
      }
    }
  )
const sweep = (inputs: Record<string, string> = {}) =>
  runAction({ ...base(), command: 'sweep', ...inputs }, { eventName: 'schedule' })

interface Inst {
  name: string
  tags: string[]
  annotations: Record<string, string>
  delete_lock: boolean
  schedules: { name: string; action: string; when: string; next_at?: string }[]
  created_at: string
}
const instances = async (): Promise<Inst[]> =>
  (await api.call('GET', '/instances')).json.data.instances
const instance = async (name: string): Promise<Inst | undefined> =>
  (await instances()).find((i) => i.name === name)
const groups = async (): Promise<{ name: string; autokill?: { time_ms: number } }[]> =>
  (await api.call('GET', '/services')).json.data.service_groups
const clock = (body: Record<string, unknown>) =>
  raw(`${api.emu.baseUrl.replace(/\/v1$/, '')}/_emulator/clock`, 'POST', body)
/** The PATCHes of the journal, as their items. */
const patches = () =>
  api.emu
    .journal()
    .filter((e) => e.method === 'PATCH' && e.path === '/v1/instances')
    .map((e) => e.body as { name: string; prop: string; value: unknown }[])
const calendar = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')

const onNew = GENERATION === 'new' ? describe : describe.skip
const onClassic = GENERATION === 'classic' ? describe : describe.skip
const PREVIEW = `api-pr5-${T}`

onNew('previews that expire by themselves (new platform)', () => {
  it('a preview carries its tags, annotations and a delete schedule at now + TTL; a push renews it with one PATCH and no create', async () => {
    const before = Date.now()
    const opened = await preview('opened', { 'preview-ttl': '2d' })
    expect(opened.code).toBe(0)
    const made = (await instance(PREVIEW))!
    expect(made.tags).toEqual([
      'ukc-deploy',
      `ukc-deploy.owner=${T}`,
      'ukc-deploy.pr=5',
      'ukc-deploy.spec=api'
    ])
    expect(made.annotations).toEqual({
      'ukc-deploy/commit': SHA,
      'ukc-deploy/run': 'https://github.com/acme/widget/actions/runs/42',
      'ukc-deploy/pull-request': 'https://github.com/acme/widget/pull/5'
    })
    const [ttl] = made.schedules
    expect(ttl).toMatchObject({ name: 'ukc-deploy-ttl', action: 'delete' })
    const due = Date.parse(`${ttl.when.replace(' ', 'T')}Z`)
    expect(due).toBeGreaterThanOrEqual(before + 2 * 86_400_000)
    expect(due).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000 + 1000)
    expect((await groups()).find((g) => g.name === `web-pr5-${T}`)?.autokill).toEqual({
      time_ms: 3_600_000
    })
    const comment = gh.comments.get(5)![0].body
    expect(comment).toContain(`⏳ This preview expires at ${calendar(due).slice(0, 16)} UTC`)
    expect(opened.summary).toContain('This preview expires at')

    await new Promise((r) => setTimeout(r, 1100))
    api.emu.journalLog.clear()
    const pushed = await preview('synchronize', { 'preview-ttl': '2d' })
    expect(pushed.code).toBe(0)
    const creates = api.emu.journal().filter((e) => e.method === 'POST')
    expect(creates).toEqual([])
    expect(patches()).toEqual([
      [
        {
          name: PREVIEW,
          prop: 'schedules',
          op: 'set',
          value: [{ name: 'ukc-deploy-ttl', action: 'delete', when: expect.any(String) }]
        }
      ]
    ])
    const renewed = (await instance(PREVIEW))!.schedules[0].when
    expect(renewed > ttl.when).toBe(true)
    expect(gh.comments.get(5)![0].body).toContain(`expires at ${renewed.slice(0, 16)} UTC`)
  })

  it('a preview an earlier version made without tags gets them on its next push, and the sweep finds it from then on', async () => {
    await api.call('POST', '/instances', {
      name: PREVIEW,
      image: 'nginx:latest',
      autostart: true,
      env: { UKC_DEPLOY_PREVIEW: 'acme/widget#5' }
    })
    const pushed = await preview(
      'synchronize',
      { comment: 'false' },
      'instances: [{ name: api, image: nginx:latest }]\n'
    )
    expect(pushed.code).toBe(0)
    expect(pushed.json('instances')[0]).toMatchObject({ name: PREVIEW, action: 'unchanged' })
    expect(patches()[0].map((u) => u.prop)).toEqual(['schedules', 'tags'])
    expect((await instance(PREVIEW))!.tags).toContain('ukc-deploy.pr=5')
    gh.pulls.set(5, 'closed')
    expect((await sweep()).code).toBe(0)
    expect(await instances()).toEqual([])
  })

  it('past the TTL the platform deletes the preview, and an hour after it its empty group', async () => {
    expect((await preview('opened', { 'preview-ttl': '1h' })).code).toBe(0)
    const first = await clock({ advance_s: 3600 + 5 })
    expect(first.json.data.ran).toEqual([`schedule 'ukc-deploy-ttl' deleted '${PREVIEW}'`])
    expect(await instance(PREVIEW)).toBeUndefined()
    expect((await groups()).map((g) => g.name)).toEqual([`web-pr5-${T}`])
    await clock({ advance_s: 3600 + 5 })
    expect(await groups()).toEqual([])
  })

  it('preview-ttl: 0 makes a preview that never expires; a bad value is refused before any request', async () => {
    expect((await preview('opened', { 'preview-ttl': '0' })).code).toBe(0)
    expect((await instance(PREVIEW))!.schedules).toEqual([])
    expect((await groups())[0].autokill).toBeUndefined()
    api.emu.journalLog.clear()
    const bad = await preview('synchronize', { 'preview-ttl': '3 days' })
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain(
      'preview-ttl: "3 days" is not a preview lifetime; give a number with s, m, h or d from 1 minute to 366 days (30m, 12h, 3d), or 0'
    )
    expect(api.emu.journal()).toEqual([])
  })
})

onNew('closing a pull request finds its preview by tags (new platform)', () => {
  it('an instance of the PR the spec no longer names goes too; one that only copies the tags does not', async () => {
    expect((await preview('opened')).code).toBe(0)
    const tags = ['ukc-deploy', `ukc-deploy.owner=${T}`, 'ukc-deploy.pr=5']
    // Once in the spec, since dropped from it: still this preview's (tags and marker).
    await api.call('POST', '/instances', {
      name: `cron-pr5-${T}`,
      image: 'nginx:latest',
      env: { UKC_DEPLOY_PREVIEW: 'acme/widget#5' },
      tags
    })
    // Tags copied by something else, without the marker.
    await api.call('POST', '/instances', { name: 'copycat', image: 'nginx:latest', tags })
    const closed = await preview('closed')
    expect(closed.json('instances')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: PREVIEW, action: 'deleted' }),
        expect.objectContaining({ name: `cron-pr5-${T}`, action: 'deleted' }),
        expect.objectContaining({ name: 'copycat', action: 'failed' })
      ])
    )
    expect(closed.stdout).toContain("left alone: it is not this repository's preview of #5")
    expect((await instances()).map((i) => i.name)).toEqual(['copycat'])
  })
})

onNew('a platform that does not take them (new platform)', () => {
  it('a create refused for its tags is sent again without them, once for the run, and says so; nothing claims an expiry', async () => {
    api.emu.addFault({
      method: 'POST',
      path: '/v1/instances',
      kind: 'answer',
      status: 400,
      body: {
        status: 'error',
        message: "'tags' is not a valid member of the request",
        errors: [{ status: 400, error: 7 }]
      }
    })
    const run = await preview('opened')
    expect(run.code).toBe(0)
    const posts = api.emu
      .journal()
      .filter((e) => e.method === 'POST' && e.path === '/v1/instances')
      .map((e) => Object.keys(e.body as object))
    expect(posts).toHaveLength(2)
    expect(posts[0]).toContain('tags')
    expect(posts[1]).not.toContain('tags')
    expect(posts[1]).not.toContain('schedules')
    expect(run.stdout).toContain('this metro refused tags, annotations and schedules on create')
    expect(run.summary).not.toContain('expires at')
    expect((await instance(PREVIEW))!.tags).toEqual([])
  })

  it('a lock the platform refuses is a note: the deploy itself worked', async () => {
    api.emu.addFault({ method: 'PATCH', path: '/v1/instances', kind: 'status', status: 404 })
    const run = await deploy('nginx:latest')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      'production is not locked against deletion: the platform refused the lock'
    )
    expect((await instance('api'))!.delete_lock).toBe(false)
  })
})

onNew('production protected against deletion (new platform)', () => {
  it('is locked once up, after a deploy and after a rollout; the rollout unlocks exactly the instance it replaces', async () => {
    api.emu.pushImage('acme/app:1')
    api.emu.pushImage('acme/app:2')
    const first = await deploy('acme/app:1')
    expect(first.code).toBe(0)
    expect((await instance('api'))!.delete_lock).toBe(true)
    expect(JSON.parse(first.outputs.instances)[0]).toMatchObject({ name: 'api', locked: true })
    expect(first.summary).toContain('running · 🔒 locked')
    expect(patches()).toEqual([[{ name: 'api', prop: 'delete_lock', op: 'set', value: true }]])

    api.emu.journalLog.clear()
    const rolled = await deploy('acme/app:2')
    expect(rolled.code).toBe(0)
    const after = (await instances()).filter((i) => i.name === 'api')
    expect(after).toHaveLength(1)
    expect(after[0].delete_lock).toBe(true)
    // One unlock, of the old instance, right before its DELETE; then the new one is locked.
    const writes = api.emu
      .journal()
      .filter((e) => e.method === 'PATCH' || e.method === 'DELETE')
      .map((e) => `${e.method} ${JSON.stringify(e.body)}`)
    const unlock = writes.findIndex((w) => w.includes('"value":false'))
    expect(writes[unlock]).toBe(
      `PATCH [{"name":"api","prop":"delete_lock","op":"set","value":false}]`
    )
    expect(writes[unlock + 1]).toMatch(/^DELETE \[\{"name":"api"/)
    expect(writes.filter((w) => w.includes('"value":false'))).toHaveLength(1)
    expect(writes.at(-1)).toBe(
      `PATCH [{"name":"api","prop":"delete_lock","op":"set","value":true}]`
    )
  })

  it('a rollback takes back what this run locked: it unlocks it, deletes it, and leaves nothing', async () => {
    api.emu.pushImage('acme/crash:1', {
      crash: { after_ms: 10, exit_code: 3, message: 'fatal: no database' }
    })
    const two = `instances:
  - { name: api, image: nginx:latest }
  - { name: db, image: acme/crash:1 }
`
    const run = await runAction(
      { ...base(), spec: 'ukc.yml', 'on-failure': 'rollback' },
      { workspace: workspace({ 'ukc.yml': two }) }
    )
    expect(run.code).toBe(1)
    expect(await instances()).toEqual([])
    const items = patches().flat()
    expect(items).toEqual([
      { name: 'api', prop: 'delete_lock', op: 'set', value: true },
      { name: 'api', prop: 'delete_lock', op: 'set', value: false }
    ])
  })

  it('status shows the lock; command: delete unlocks and removes production; protect: false locks nothing', async () => {
    expect((await deploy('nginx:latest')).code).toBe(0)
    const status = await runAction({ ...base(), command: 'status', names: 'api' })
    expect(status.code).toBe(0)
    expect(JSON.parse(status.outputs.instances)[0]).toMatchObject({ locked: true })
    expect(status.summary).toContain('🔒 locked')

    const removed = await runAction(
      { ...base(), command: 'delete', spec: 'ukc.yml' },
      { workspace: workspace({ 'ukc.yml': SPEC('nginx:latest') }) }
    )
    expect(removed.code).toBe(0)
    expect(await instances()).toEqual([])

    api.emu.journalLog.clear()
    expect((await deploy('nginx:latest', { protect: 'false' })).code).toBe(0)
    expect((await instance('api'))!.delete_lock).toBe(false)
    expect(patches()).toEqual([])
  })

  it('closing a pull request never unlocks anything: production stays locked, and a locked preview is a clear failed row', async () => {
    expect((await deploy('nginx:latest')).code).toBe(0)
    expect((await preview('opened')).code).toBe(0)
    // Someone locked the preview by hand.
    await api.call('PATCH', '/instances', [
      { name: PREVIEW, prop: 'delete_lock', op: 'set', value: true }
    ])
    api.emu.journalLog.clear()
    const closed = await preview('closed')
    expect(closed.code).toBe(1)
    expect(closed.stdout).toContain(
      `delete refused: it is locked against deletion (delete_lock, "Deletion protection enabled"); ukc-deploy unlocks only what its own rollout or delete of production removes, never for a preview close or a sweep`
    )
    expect(patches()).toEqual([])
    expect((await instance('api'))!.delete_lock).toBe(true)
    expect((await instance(PREVIEW))!.delete_lock).toBe(true)

    gh.pulls.set(5, 'closed')
    const swept = await sweep()
    expect(swept.code).toBe(1)
    expect(patches()).toEqual([])
    expect(await instance('api')).toBeDefined()
  })
})

describe('the CLI', () => {
  it('sweep takes --sweep-ttl and --preview-ttl; a bad lifetime is bad usage (exit 2) before any request', async () => {
    api.emu.journalLog.clear()
    const r = await runCli(
      ['sweep', '--preview-ttl', '3x', '--sweep-ttl', '--api-url', api.emu.baseUrl],
      {
        UKC_TOKEN: 't',
        GITHUB_TOKEN: 'gh',
        GITHUB_REPOSITORY: 'acme/widget',
        GITHUB_API_URL: gh.url
      },
      workspace({})
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--preview-ttl: "3x" is not a preview lifetime')
    expect(api.emu.journal()).toEqual([])
  })
})

onClassic('classic: no schedules, so previews expire by sweep', () => {
  it('a preview says once that it does not expire by itself', async () => {
    const run = await preview('opened')
    expect(run.code).toBe(0)
    const notices = run.stdout
      .split('\n')
      .filter((l) => l.includes('the classic API has no schedules'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('a scheduled sweep (command: sweep with sweep-ttl: true)')
  })

  it('sweep-ttl deletes the preview of an open pull request once it is older than preview-ttl, and only then', async () => {
    await clock({ to: new Date(Date.now() - 3 * 86_400_000).toISOString() })
    expect((await preview('opened')).code).toBe(0)
    await clock({ to: new Date().toISOString() })
    gh.pulls.set(5, 'open')
    expect((await sweep()).code).toBe(0)
    expect((await sweep({ 'sweep-ttl': 'true' })).code).toBe(0) // 3 days < the default 7d
    expect(await instance(PREVIEW)).toBeDefined()
    const swept = await sweep({ 'sweep-ttl': 'true', 'preview-ttl': '2d' })
    expect(swept.code).toBe(0)
    expect(swept.json('plan')[0].reason).toMatch(
      /^PR #5 is open, but its preview is older than preview-ttl 2d \(last deployed \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/
    )
    expect(await instances()).toEqual([])
    expect(await groups()).toEqual([])
  })
})
