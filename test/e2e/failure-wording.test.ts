/**
 * A failure reads as a failure, and says why (issue 27): the preview comment and job summary
 * of a failed, rolled-back run, outcome lines, stop reasons in words, annotation limits, and
 * the CLI (console tails, `logs`, real actions in tables, errors once, 401, closed pipes).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { runAction as runBundled, workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { generationInput, useEmulator } from '../support/emulator.js'
import { runCli } from '../support/cli.js'
import { startFakeGitHub, type FakeGitHub } from '../support/github.js'

const api = useEmulator({ bootDelayMs: 20 })
const runAction: typeof runBundled = (inputs, opts = {}) =>
  runBundled(inputs, { ...opts, env: { UKC_SETTLE_MS: '300', ...opts.env } })
const T = ownerTag('acme/widget')
const SHA = 'ec26c3e'.padEnd(40, '0')
let gh: FakeGitHub
beforeAll(async () => {
  gh = await startFakeGitHub()
})
afterAll(() => gh.close())
beforeEach(() => gh.comments.clear())

const base = (): Record<string, string> => ({
  token: 't',
  'api-url': api.emu.baseUrl,
  ...generationInput(),
  timeout: '20'
})
const prEvent = (n: number) => ({
  action: 'synchronize',
  number: n,
  pull_request: {
    number: n,
    head: { sha: SHA, repo: { full_name: 'acme/widget' } },
    base: { repo: { full_name: 'acme/widget' } }
  }
})
const CRASH_LINES = Array.from({ length: 30 }, (_, i) => `boot step ${i + 1}`).join('\n')
const SPEC = `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }], domains: [{ name: shop }] }
instances:
  - { name: api, image: acme/api:2, service_group: web }
  - { name: worker, image: nginx:latest, service_group: web }
`

describe('a preview whose run failed and was rolled back', () => {
  it('the comment says it failed and nothing runs, the instance at fault first with its console; the others are not at fault', async () => {
    api.emu.pushImage('acme/api:2', {
      crash: { after_ms: 5, exit_code: 1, message: `${CRASH_LINES}\nFATAL: config missing` }
    })
    const r = await runAction(
      { ...base(), spec: 'ukc.yml', 'github-token': 'gh', 'on-failure': 'rollback' },
      {
        workspace: workspace({ 'ukc.yml': SPEC }),
        eventName: 'pull_request',
        event: prEvent(5),
        env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/widget' }
      }
    )
    expect(r.code).toBe(1)
    expect(r.outputs.status).toBe('error')
    const body = gh.comments.get(5)![0].body
    expect(body).toContain('### ❌ Preview of #5 failed — nothing is running')
    // The instance at fault first: its reason in words, the next step, its console's last lines.
    const fault = body.indexOf(`**api-pr5-${T}** ❌`)
    expect(fault).toBeGreaterThan(0)
    expect(body.slice(fault)).toMatch(
      /the app exited with code 1 within 300 ms of starting \(stop\\?_reason 3, exit code 1\).*; see its console below/
    )
    const block = body.slice(body.indexOf('<pre>'), body.indexOf('</pre>'))
    expect(block).toContain('FATAL: config missing')
    expect(block).not.toContain('boot step 10\n')
    expect(block.trim().split('\n').length - 1).toBeLessThanOrEqual(15)
    expect(body).toContain(`Console of api-pr5-${T} (last 15 lines)`)
    // The other is marked rolled back, not at fault; nothing links to what no longer serves.
    expect(body).toMatch(
      new RegExp(`\\| worker-pr5-${T} \\| deleted \\|  \\|  \\| rolled back \\(not at fault\\) \\|`)
    )
    expect(body).not.toMatch(/https:\/\/shop/)
    expect(body).toContain('<sub>failed at ec26c3e')
    expect(body).not.toContain('deployed ec26c3e')
    // The summary and the log agree.
    expect(r.summary).toContain('### ❌ ukc-deploy deploy: error')
    expect(r.summary).toMatch(/\| worker-pr5-\S+ \| rolled back \| deleted \|/)
    expect(r.stdout).toContain('· rolled back (not at fault): 1 service group, 1 instance')
    expect(r.stdout).not.toMatch(/· deployed/)
  })
})

describe('outcome lines', () => {
  const spec = `volumes: [{ name: data, size_mb: 16 }]
service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: api, image: nginx:latest, service_group: web, volumes: [{ name: data, at: /data }] }
`
  const run = (inputs: Record<string, string>) =>
    runAction(
      { ...base(), spec: 'ukc.yml', ...inputs },
      { workspace: workspace({ 'ukc.yml': spec }) }
    )

  it('delete --dry-run names every kind it would delete; deleting what is gone says so', async () => {
    expect((await run({})).code).toBe(0)
    const dry = await run({ command: 'delete', 'dry-run': 'true' })
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain(
      '✓ would delete 1 service group, 1 volume, 1 instance: api, data, web'
    )
    expect(dry.stdout).not.toMatch(/✓ deleted/)
    expect((await run({ command: 'delete' })).stdout).toContain(
      '✓ deleted 1 service group, 1 volume, 1 instance'
    )
    const again = await run({ command: 'delete' })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('✓ already gone: web, data, api')
  })

  it('at most 10 error annotations, the last counting the rest', async () => {
    api.emu.configure({ strict_images: true })
    const many = Array.from(
      { length: 15 },
      (_, i) => `  - { name: i${i}, image: acme/missing:${i} }`
    )
    const r = await runAction(
      { ...base(), spec: 'ukc.yml' },
      { workspace: workspace({ 'ukc.yml': `instances:\n${many.join('\n')}\n` }) }
    )
    expect(r.code).toBe(1)
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'))
    expect(errors).toHaveLength(10)
    expect(errors[8]).toContain('…and 7 more failed; the job summary lists every one')
    for (let i = 0; i < 15; i++) expect(r.summary).toContain(`| i${i} | failed |`)
    expect(errors.join('\n')).toContain('check the image name')
  })
})

const cli = (
  args: string[],
  env: Record<string, string> = { UKC_TOKEN: 'cli-token' },
  cwd = tmpdir()
) => runCli([...args, '--api-url', api.emu.baseUrl, ...apiGen()], env, cwd)
const apiGen = (): string[] => ['--api-generation', generationInput()['api-generation']]
const specFile = (text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ukc-spec-'))
  writeFileSync(join(dir, 'ukc.yml'), text)
  return join(dir, 'ukc.yml')
}

describe('the CLI shows why', () => {
  it("prints a failed instance's console on stderr and in --json, and the error once", async () => {
    api.emu.pushImage('acme/api:9', {
      crash: { after_ms: 5, exit_code: 3, message: 'panic: no DATABASE_URL' }
    })
    // A spec outside the working directory, named by its path, as on a laptop.
    const file = specFile('instances:\n  - { name: api, image: acme/api:9 }\n')
    const r = await cli(
      ['deploy', '--spec', file, '--json'],
      { UKC_TOKEN: 't', UKC_SETTLE_MS: '300' },
      mkdtempSync(join(tmpdir(), 'cwd-'))
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('--- console of api (last lines) ---')
    expect(r.stderr).toContain('panic: no DATABASE_URL')
    const doc = JSON.parse(r.stdout)
    expect(doc.instances[0]).toMatchObject({ name: 'api', action: 'failed' })
    expect(doc.instances[0].error).toMatch(/the app exited with code 3 .*; see its console below$/)
    expect(doc.instances[0].console).toContain('panic: no DATABASE_URL')
  })

  it('logs prints the last lines, then follows until the instance stops', async () => {
    api.emu.pushImage('acme/chatty:1', {
      crash: { after_ms: 200, exit_code: 0, message: 'line one\nline two\nline three' }
    })
    await api.call('POST', '/instances', {
      name: 'chatty',
      image: 'acme/chatty:1',
      autostart: true
    })
    const followed = await cli(['logs', '--names', 'chatty', '--follow', '--timeout', '20'])
    expect(followed.code).toBe(0)
    expect(followed.stdout).toContain('line three')
    expect(followed.stdout).toMatch(/Application exited with code 0\n$/)
    const last = await cli(['logs', '--names', 'chatty', '--lines', '2'])
    expect(last.stdout.trimEnd().split('\n')).toHaveLength(2)
    expect(last.stdout).toMatch(/line three\n.*Application exited with code 0\n$/)
    expect((await cli(['logs'])).code).toBe(2)
  })

  it('plan and delete --dry-run tables show the real action of each row', async () => {
    const file = specFile('instances:\n  - { name: web, image: nginx:latest }\n')
    expect((await cli(['deploy', '--spec', file])).code).toBe(0)
    const plan = await cli(['plan', '--spec', file])
    expect(plan.stdout).toMatch(/^instance\s+web\s+unchanged\s/m)
    expect(plan.stdout).not.toContain('planned')
    const dry = await cli(['delete', '--spec', file, '--dry-run'])
    expect(dry.stdout).toMatch(/^instance\s+web\s+would delete\s/m)
    expect(dry.stderr).toContain('would delete 1 instance: web')
  })

  it('a bad token stops at the first request; shorthand problems name the flag', async () => {
    api.emu.configure({ token: 'right' })
    try {
      api.emu.journalLog.clear()
      const r = await cli(['deploy', '--name', 'a', '--image', 'nginx:latest'], {
        UKC_TOKEN: 'wrong'
      })
      expect(r.code).toBe(1)
      expect(api.emu.journal()).toHaveLength(1)
      expect(r.stderr.match(/HTTP 401/g)).toHaveLength(1)
      expect(r.stdout).not.toContain('401')
    } finally {
      api.emu.configure({ token: null })
    }
    const bad = await cli([
      'deploy',
      '--name',
      'a',
      '--image',
      'nginx:latest',
      '--port',
      'nonsense'
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--port:1:')
    expect(bad.stderr).not.toContain("input '")
  })
})
