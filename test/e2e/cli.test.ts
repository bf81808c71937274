/** The ukc-deploy command, spawned the way another CI system would run it. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { GENERATION, METRO_DOMAIN, useEmulator } from '../support/emulator.js'
import { runCli } from '../support/cli.js'

const api = useEmulator()
const SPEC = `service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
instances:
  - { name: api, image: nginx:latest, service_group: web }
  - { name: worker, image: python:3.12 }
`

const cli = (
  args: string[],
  env: Record<string, string> = { UKC_TOKEN: 'cli-token' },
  cwd = workspace({ 'ukc.yml': SPEC })
) => runCli(args, env, cwd)

const at = (): string[] => ['--api-url', api.emu.baseUrl, '--api-generation', GENERATION]

describe('ukc-deploy', () => {
  it('deploys a spec and prints a table, with progress on stderr', async () => {
    const r = await cli(['deploy', '--spec', 'ukc.yml', ...at()])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^KIND\s+NAME\s+ACTION\s+STATE\s+URL\s+UUID$/m)
    expect(r.stdout).toMatch(
      new RegExp(
        `^instance\\s+api\\s+created\\s+running(?: \\(locked\\))?\\s+https://\\S+\\.${METRO_DOMAIN.replace(/\./g, '\\.')}\\s+[0-9a-f-]{36}$`,
        'm'
      )
    )
    expect(r.stdout).toMatch(/^status: success$/m)
    expect(r.stderr).toContain('Creating 2 instance(s) and waiting until they run …')
  })

  it('--json prints one document with the action outputs as objects', async () => {
    const r = await cli(['deploy', '-f', 'ukc.yml', '--json', ...at()])
    const doc = JSON.parse(r.stdout)
    expect(Object.keys(doc)).toEqual([
      'status',
      'instance-uuids',
      'instances',
      'service-uuids',
      'services',
      'templates',
      'url',
      'urls',
      'plan'
    ])
    expect(doc.status).toBe('success')
    expect(doc['instance-uuids']).toHaveLength(2)
    expect(doc.instances[0]).toEqual(
      expect.objectContaining({
        name: 'api',
        action: 'created',
        state: 'running',
        'private-fqdn': 'api.internal'
      })
    )
    expect(doc.url).toMatch(/^https:\/\//)
  })

  it('plan writes nothing; status, stop and delete work on --names', async () => {
    await cli(['deploy', '-f', 'ukc.yml', ...at()])
    api.emu.journalLog.clear()
    const plan = await cli(['plan', '-f', 'ukc.yml', ...at()])
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('plan: instance api: unchanged — config and image digest match')
    expect(api.emu.journal().every((e) => e.method === 'GET')).toBe(true)
    const status = await cli(['status', '-n', 'api', '--names', 'worker', '--json', ...at()])
    expect(JSON.parse(status.stdout).instances.map((i: { state: string }) => i.state)).toEqual([
      'running',
      'running'
    ])
    const stop = await cli(['stop', '-n', 'api,worker', ...at()])
    expect(stop.stdout).toMatch(/^instance\s+api\s+stopped\s+stopped/m)
    const del = await cli(['delete', '-f', 'ukc.yml', ...at()])
    expect(del.code).toBe(0)
    expect(del.stdout).toMatch(/^service group\s+web\s+deleted/m)
    expect((await api.call('GET', '/instances')).json.data.instances).toEqual([])
  })

  it('exit code 1 when objects fail (per --fail-on), 0 with --fail-on never', async () => {
    const r = await cli(['status', '-n', 'ghost', ...at()])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("✗ instance ghost: No instance with name 'ghost' (code 8 NotFound)")
    expect((await cli(['status', '-n', 'ghost', '--fail-on', 'never', ...at()])).code).toBe(0)
  })

  it('writes the Markdown summary with --summary', async () => {
    const r = await cli(['deploy', '-f', 'ukc.yml', '--summary', 'summary.md', ...at()])
    expect(readFileSync(join(r.cwd, 'summary.md'), 'utf8')).toContain(
      '### ✅ ukc-deploy deploy: success'
    )
  })

  it.each([
    [
      ['deploy', '--strategy', 'yolo'],
      "argument 'yolo' is invalid. Allowed choices are rolling, recreate"
    ],
    [['launch'], "unknown command 'launch'"],
    [['deploy', '--bogus'], "unknown option '--bogus'"],
    [['stop'], 'stop needs instances'],
    [['deploy', '--spec', 'ukc.yml', '--timeout', 'soon'], 'timeout: "soon" is not valid']
  ])('bad usage %j exits 2 and says what is valid', async (args, message) => {
    const r = await cli([...args, ...at()])
    expect(r.code).toBe(2)
    expect(r.stderr + r.stdout).toContain(message)
  })

  it('a bad spec exits 2 with file:line, before any request', async () => {
    const cwd = workspace({
      'bad.yml': 'instances:\n  - name: api\n    image: nginx\n    memory_mb: 12\n'
    })
    const r = await cli(['deploy', '-f', 'bad.yml', ...at()], undefined, cwd)
    expect(r.code).toBe(2)
    // Said once, on stderr; stdout is the table.
    expect(r.stderr).toContain(
      'bad.yml:4:16: instances[0].memory_mb: must be between 16 and 1048576, got 12'
    )
    expect(r.stdout).not.toContain('memory_mb')
    expect(api.emu.journal()).toEqual([])
  })

  it('takes the token only from UKC_TOKEN, and says so when it is missing', async () => {
    const r = await cli(['status', '-n', 'x', ...at()], {})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no UKC API token: set the UKC_TOKEN environment variable')
    expect((await cli(['deploy', '--token', 'abc'])).stderr).toContain("unknown option '--token'")
  })

  it('has --help for each subcommand and --version', async () => {
    const help = await cli(['deploy', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: ukc-deploy deploy [options]')
    expect(help.stdout).toContain('--drain-timeout <seconds>')
    expect((await cli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})

describe('ukc-deploy sweep', () => {
  it('asks GitHub (GITHUB_TOKEN, GITHUB_REPOSITORY) and with --dry-run only lists', async () => {
    const { startFakeGitHub } = await import('../support/github.js')
    const gh = await startFakeGitHub()
    try {
      gh.pulls.set(5, 'closed')
      const owned = `api-pr5-${ownerTag('acme/widget')}`
      // Made by this repository's preview of #5 (its marker says so), and a look-alike that was not.
      await api.call('POST', '/instances', {
        name: owned,
        image: 'nginx:latest',
        env: { UKC_DEPLOY_PREVIEW: 'acme/widget#5' },
        // [N] as the action makes it: tagged (sweep lists by tags there).
        ...(api.emu.settings.generation === 'new'
          ? {
              tags: ['ukc-deploy', `ukc-deploy.owner=${ownerTag('acme/widget')}`, 'ukc-deploy.pr=5']
            }
          : {})
      })
      await api.call('POST', '/instances', { name: 'api-pr5', image: 'nginx:latest' })
      await api.call('POST', '/instances', { name: 'api', image: 'nginx:latest' })
      const env = {
        UKC_TOKEN: 'x',
        GITHUB_TOKEN: 'gh',
        GITHUB_REPOSITORY: 'acme/widget',
        GITHUB_API_URL: gh.url
      }
      const dry = await cli(['sweep', '--dry-run', '--json', ...at()], env)
      expect(dry.code).toBe(0)
      expect(JSON.parse(dry.stdout).instances).toEqual([
        expect.objectContaining({ name: owned, action: 'planned' })
      ])
      const real = await cli(['sweep', ...at()], env)
      expect(real.stdout).toMatch(new RegExp(`^instance\\s+${owned}\\s+deleted`, 'm'))
      expect(
        (await api.call('GET', '/instances')).json.data.instances.map(
          (i: { name: string }) => i.name
        )
      ).toEqual(expect.arrayContaining(['api', 'api-pr5']))
      expect((await cli(['sweep', ...at()])).stderr).toContain('it needs a GitHub token')
    } finally {
      await gh.close()
    }
  })
})

describe('ukc-deploy, as a shell user reads it', () => {
  it('each subcommand lists only its own options, with defaults and the exit codes', async () => {
    const status = (await cli(['status', '--help'])).stdout
    for (const foreign of ['--strategy', '--image', '--health-check', '--dry-run', '--settle'])
      expect(status).not.toContain(foreign)
    expect(status).toContain('--names')
    expect(status).toContain('Exit codes: 0 success, 1 failure (per --fail-on), 2 bad usage')
    // Commander wraps descriptions to the terminal: read the help as one line.
    const deploy = (await cli(['deploy', '--help'])).stdout.replace(/\s+/g, ' ')
    expect(deploy).toMatch(/--strategy <strategy>[^-]*default: "rolling"/)
    expect(deploy).toMatch(/--fail-on <when>[^-]*default: "any"/)
    expect(deploy).toContain('--health-check-timeout <seconds>')
    expect(deploy).toContain('--settle')
    expect(deploy).not.toContain('--names')
  })

  it.each([
    [['status', '-n', 'a', '--metro', 'nowhere'], "--metro: 'nowhere' is not a known metro"],
    [
      ['status', '-n', 'a', '--api-url', 'http://example.com'],
      "--api-url: 'http://example.com' must use https://"
    ]
  ])('bad usage %j exits 2 before any request', async (args, words) => {
    const r = await cli(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(words)
    expect(api.emu.journal()).toEqual([])
  })

  it('--json: stdout is exactly one JSON document on every path, stderr says why', async () => {
    const badSpec = await cli(
      ['deploy', '-f', 'bad.yml', '--json', ...at()],
      undefined,
      workspace({ 'bad.yml': 'instances:\n  - { name: api, image: nginx, memory_mb: 12 }\n' })
    )
    expect(badSpec.code).toBe(2)
    expect(JSON.parse(badSpec.stdout).error).toContain('memory_mb')
    expect(badSpec.stderr).toContain('memory_mb: must be between 16 and 1048576')
    const noToken = await cli(['deploy', '-f', 'ukc.yml', '--json', ...at()], {})
    expect(noToken.code).toBe(2)
    expect(JSON.parse(noToken.stdout)).toMatchObject({ status: 'error', instances: [] })
    expect(noToken.stderr).toContain('set the UKC_TOKEN environment variable')
    const noSpec = await cli(['deploy', '--json', ...at()])
    expect(JSON.parse(noSpec.stdout).error).toContain('--spec')
    expect(noSpec.stderr).not.toMatch(/the spec input|the token input/)
  })

  it('ends stderr with the outcome', async () => {
    const r = await cli(['deploy', '-f', 'ukc.yml', ...at()])
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(
      /^✓ deployed 1 service group, 2 instances: https:\/\//
    )
  })
})

describe('ukc-deploy against the new platform', () => {
  const fresh = useEmulator({ generation: 'new' })

  it('--api-generation new (or UKC_API_GENERATION) speaks it; a bad value is bad usage', async () => {
    const args = ['deploy', '--spec', 'ukc.yml', '--api-url', fresh.emu.baseUrl]
    const r = await cli([...args, '--api-generation', 'new'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('(new API)')
    expect(r.stdout).toMatch(
      /^instance\s+api\s+created\s+running \(locked\)\s+https:\/\/\S+\.fra\.unikraft\.app/m
    )
    expect(fresh.emu.journal().some((e) => e.path === '/v1/image-store')).toBe(true)
    // From the environment too; the unchanged re-run writes nothing.
    fresh.emu.journalLog.clear()
    const again = await cli(args, { UKC_TOKEN: 't', UKC_API_GENERATION: 'new' })
    expect(again.code).toBe(0)
    expect(fresh.emu.journal().filter((e) => e.method !== 'GET')).toEqual([])
    const bad = await cli(args, { UKC_TOKEN: 't', UKC_API_GENERATION: 'v2' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      '--api-generation: "v2" is not valid; use one of auto, classic, new'
    )
    // Spoken to in classic shapes, the new platform answers images without the digest.
    const classic = await cli([
      'deploy',
      '--name',
      'other',
      '--image',
      'caddy:latest',
      '--api-url',
      fresh.emu.baseUrl
    ])
    expect(classic.code).toBe(1)
    expect(classic.stderr).not.toContain('(new API)')
    expect(classic.stderr).toContain('the image lookup answered no digest')
  })
})
