/**
 * Hostile input, second round (issue 25): what a pull request, a neighbour on the account and
 * a hostile answer could still do, each reproduced against the bundled action (and the CLI
 * where it applies) and shown to fail.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runAction, workspace, type ActionRun } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { GENERATION, generationInput, useEmulator } from '../support/emulator.js'
import { raw } from '../support/http.js'

const api = useEmulator()
const UKC = 'ukc-secret-token-1234'
const REPO = 'acme/widget'
const TAG = ownerTag(REPO)
const bin = fileURLToPath(new URL('../../bin/ukc-deploy.js', import.meta.url))

const base = (): Record<string, string> => ({
  token: UKC,
  'api-url': api.emu.baseUrl,
  ...generationInput(),
  comment: 'false',
  timeout: '20'
})

function prEvent(n: number, action = 'opened') {
  return {
    action,
    number: n,
    pull_request: {
      number: n,
      merged: false,
      head: { sha: 'a'.repeat(40), repo: { full_name: REPO, fork: false } },
      base: { repo: { full_name: REPO } }
    }
  }
}

const deploy = (
  spec: string,
  opts: { inputs?: Record<string, string>; env?: Record<string, string>; pr?: number } = {}
): Promise<ActionRun> =>
  runAction(
    { ...base(), spec: 'ukc.yml', ...opts.inputs },
    {
      workspace: workspace({ 'ukc.yml': spec }),
      env: opts.env,
      ...(opts.pr !== undefined ? { event: prEvent(opts.pr), eventName: 'pull_request' } : {})
    }
  )

/** Everything the run printed or wrote that no runner masks (the summary, outputs), and the log. */
const everything = (r: ActionRun): string =>
  [r.stdout.replace(/^::add-mask::.*$/gm, ''), r.summary, JSON.stringify(r.outputs)].join('\n')

const instances = async (): Promise<{ name: string; env: Record<string, string> }[]> =>
  (await api.call('GET', '/instances')).json.data.instances

/** The CLI, run as its own process (asynchronously: the emulator lives in this one). */
async function cli(args: string[], env: Record<string, string> = {}, cwd = workspace()) {
  const child = spawn(
    process.execPath,
    [bin, ...args, '--api-url', api.emu.baseUrl, '--api-generation', GENERATION],
    { cwd, env: { PATH: process.env.PATH ?? '', UKC_TOKEN: UKC, ...env } }
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const status = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)))
  return { status, stdout, stderr }
}

describe('1. a refusal never quotes what a variable expanded to', () => {
  const DB = 'postgres://app:hunter2-very-secret@db.internal/app'

  it('names ${DATABASE_URL} instead of its value, in the log, the summary and the outputs', async () => {
    const r = await deploy(
      `instances:
  - name: api
    image: "\${DATABASE_URL}"
    restart_policy: "\${DATABASE_URL}"
    volumes: [{ size_mb: 8, at: "\${DATABASE_URL}" }]
`,
      { env: { DATABASE_URL: DB } }
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      'restart_policy: "${DATABASE_URL}" does not expand to one of never, always, on-failure'
    )
    expect(r.stdout).toMatch(/image: "\$\{DATABASE_URL\}" is not an image reference/)
    expect(r.stdout).toMatch(/at: "\$\{DATABASE_URL\}" must be an absolute path/)
    expect(everything(r)).not.toContain('hunter2')
    expect(api.emu.journal()).toEqual([])
  })
})

describe('2. a preview reads only the GitHub context, preview-env and secret-env', () => {
  const spec = (extra: string) => `instances:
  - name: api
    image: nginx:latest
    env:
      SHA: "\${GITHUB_SHA}"
      BASE: "\${API_BASE_URL}"
      FROM_SECRET: "\${PREVIEW_KEY}"${extra}
`
  const env = { APP_TLS_KEY: 'production-tls-key-material', API_BASE_URL: 'https://api.test' }
  const inputs = { 'preview-env': 'API_BASE_URL', 'secret-env': 'PREVIEW_KEY=preview-only' }

  it("refuses production's ${APP_TLS_KEY} in a preview with file:line, before any request", async () => {
    const r = await deploy(spec('\n      TLS: "${APP_TLS_KEY}"'), { env, inputs, pr: 3 })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /file=ukc\.yml,line=8.*\$\{APP_TLS_KEY\} is not available to a preview.*add APP_TLS_KEY to preview-env/
    )
    expect(r.stdout).not.toMatch(/\$\{(GITHUB_SHA|API_BASE_URL|PREVIEW_KEY)\} is not available/)
    expect(everything(r)).not.toContain('production-tls-key-material')
    expect(api.emu.journal()).toEqual([])
  })

  it('expands what it may: the GitHub context, preview-env names and secret-env keys', async () => {
    const r = await deploy(spec(''), { env, inputs, pr: 3 })
    expect(r.code).toBe(0)
    const [inst] = await instances()
    expect(inst.name).toBe(`api-pr3-${TAG}`)
    expect(inst.env).toMatchObject({
      SHA: '0123456789abcdef0123456789abcdef01234567',
      BASE: 'https://api.test',
      FROM_SECRET: 'preview-only'
    })
  })

  it('the same spec outside a preview reads any variable but credentials', async () => {
    const r = await deploy(spec('\n      TLS: "${APP_TLS_KEY}"'), { env, inputs })
    expect(r.code).toBe(0)
    expect((await instances())[0].env.TLS).toBe('production-tls-key-material')
  })
})

describe('3. workflow_run and check events that carry a pull request are previews', () => {
  const spec = 'instances: [{ name: api, image: nginx:latest }]\n'
  const run = (eventName: string, event: unknown) =>
    runAction(
      { ...base(), spec: 'ukc.yml' },
      { workspace: workspace({ 'ukc.yml': spec }), event, eventName }
    )

  it.each([
    [
      'workflow_run',
      {
        action: 'completed',
        workflow_run: {
          event: 'pull_request',
          head_sha: 'b'.repeat(40),
          pull_requests: [{ number: 7, head: { sha: 'b'.repeat(40) } }],
          head_repository: { full_name: REPO }
        },
        repository: { full_name: REPO }
      }
    ],
    [
      'check_suite',
      {
        action: 'completed',
        check_suite: { head_sha: 'b'.repeat(40), pull_requests: [{ number: 7 }] }
      }
    ],
    [
      'check_run',
      {
        action: 'completed',
        check_run: { check_suite: { pull_requests: [{ number: 7 }] } }
      }
    ]
  ])(
    '%s with one pull request deploys its preview names, never production',
    async (name, event) => {
      const r = await run(name, event)
      expect(r.code).toBe(0)
      expect((await instances()).map((i) => i.name)).toEqual([`api-pr7-${TAG}`])
    }
  )

  it('a workflow_run of a fork PR (no pull request listed) is refused, and nothing is deployed', async () => {
    const r = await run('workflow_run', {
      action: 'completed',
      workflow_run: {
        event: 'pull_request',
        pull_requests: [],
        head_repository: { full_name: 'evil/widget' }
      },
      repository: { full_name: REPO }
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('GitHub lists none in it')
    expect(api.emu.journal()).toEqual([])
  })

  it('a check suite of two pull requests is refused as unclear', async () => {
    const r = await run('check_suite', {
      action: 'completed',
      check_suite: { pull_requests: [{ number: 7 }, { number: 8 }] }
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('is about 2 pull requests (#7, #8)')
    expect(api.emu.journal()).toEqual([])
  })

  it('a workflow_run after a push (no pull request) deploys the names as written', async () => {
    const r = await run('workflow_run', {
      action: 'completed',
      workflow_run: { event: 'push', pull_requests: [] }
    })
    expect(r.code).toBe(0)
    expect((await instances()).map((i) => i.name)).toEqual(['api'])
  })
})

describe('4. the health check is bounded', () => {
  let server: Server
  let port = 0
  const open = new Set<ServerResponse>()
  beforeAll(async () => {
    server = createServer((req, res) => {
      open.add(res)
      res.on('close', () => open.delete(res))
      if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        const drip = setInterval(() => res.write('x'.repeat(65536)), 5)
        res.on('close', () => clearInterval(drip))
      } else if (req.url === '/slow') {
        // Slow loris: headers, then a byte now and then, never the end.
        res.writeHead(200)
        const drip = setInterval(() => res.write('.'), 300)
        res.on('close', () => clearInterval(drip))
      } else if (req.url === '/away') {
        res.writeHead(302, { location: 'http://localhost:9/steal' })
        res.end()
      } else if (req.url?.startsWith('/loop')) {
        res.writeHead(302, { location: `/loop${Number(req.url.slice(5) || 0) + 1}` })
        res.end()
      } else if (req.url === '/hop') {
        res.writeHead(301, { location: '/ok' })
        res.end()
      } else {
        res.writeHead(200)
        res.end('ok')
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => {
    for (const res of open) res.destroy()
    return new Promise<void>((r) => server.close(() => r()))
  })

  const spec = (image: string) => `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: api, image: ${image}, service_group: web }
`
  async function rollTo(path: string): Promise<{ run: ActionRun; old: string; ms: number }> {
    api.emu.pushImage('acme/app:1')
    const first = await deploy(spec('acme/app:1'), { env: { UKC_SETTLE_MS: '0' } })
    expect(first.code).toBe(0)
    api.emu.pushImage('acme/app:2')
    const started = Date.now()
    const run = await deploy(spec('acme/app:2'), {
      inputs: {
        'health-check': `http://127.0.0.1:${port}${path}`,
        'health-check-timeout': '1',
        timeout: '4'
      },
      env: { UKC_SETTLE_MS: '0' }
    })
    return { run, old: first.json('instances')[0].uuid, ms: Date.now() - started }
  }

  it.each([
    ['/endless', 'no complete answer within 1 s'],
    ['/slow', 'no complete answer within 1 s'],
    ['/away', 'redirects off the probed host (to http://localhost:9); not followed'],
    ['/loop', 'more than 5 redirects']
  ])('%s fails the check in time, and the old version keeps serving', async (path, why) => {
    const { run, old, ms } = await rollTo(path)
    expect(run.code).toBe(1)
    expect(run.json('instances')[0]).toMatchObject({ uuid: old, action: 'failed' })
    expect(run.json('instances')[0].error).toContain(why)
    // Within the run's 4 s timeout (and the time to start the runner).
    expect(ms).toBeLessThan(15000)
    const left = await instances()
    expect(left.map((i) => i.name)).toEqual(['api'])
  })

  it('a redirect on the same host is followed', async () => {
    const { run } = await rollTo('/hop')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('healthy (HTTP 200)')
  })
})

describe('5. fail-on and status agree; no URL of what does not serve', () => {
  it('fail-on all fails the step when every instance failed, and names no URL', async () => {
    api.emu.pushImage('acme/crash:1', { crash: { after_ms: 5, exit_code: 1, message: 'boom' } })
    const r = await deploy(
      `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }], domains: [{ name: shop }] }
instances:
  - { name: api, image: acme/crash:1, service_group: web }
`,
      { inputs: { 'fail-on': 'all' }, env: { UKC_SETTLE_MS: '300' } }
    )
    expect(r.outputs.status).toBe('error')
    expect(r.code).toBe(1)
    expect(r.outputs.url).toBe('')
    expect(r.json('urls')).toEqual([])
  })
})

describe('6. server text is inert wherever it is printed', () => {
  const evil = '\u001b]0;owned\u0007\u001b[2J ##[error]forged ::warning::forged \u009b31m'
  const hostileList = {
    status: 'success',
    data: {
      instances: [
        {
          uuid: '11111111-2222-4333-8444-555555555555',
          name: 'api',
          state: 'running',
          image: `nginx@sha256:${'0'.repeat(64)}`,
          restart_policy: evil,
          memory_mb: 128,
          env: {}
        }
      ]
    }
  }

  const forged = (text: string): string[] =>
    text
      .split('\n')
      // Finding control characters is the point of this pattern.
      // eslint-disable-next-line no-control-regex
      .filter((l) => /\u001b|\u0007|\u009b|##\[error\]|::warning::forged/.test(l))

  it('the action log, annotations and summary show control characters and never a forged command', async () => {
    api.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'answer',
      body: hostileList,
      times: 2
    })
    const r = await runAction(
      { ...base(), command: 'plan', spec: 'ukc.yml' },
      { workspace: workspace({ 'ukc.yml': 'instances: [{ name: api, image: nginx:latest }]\n' }) }
    )
    expect(r.stdout).toContain('␛]0;owned␇')
    expect(forged(r.stdout)).toEqual([])
    expect(forged(r.summary)).toEqual([])
  })

  it('a console line of a crashed instance is inert in the summary', async () => {
    api.emu.pushImage('acme/crash:1', {
      crash: { after_ms: 5, exit_code: 1, message: `panic ${evil}` }
    })
    const r = await deploy('instances: [{ name: api, image: acme/crash:1 }]\n', {
      env: { UKC_SETTLE_MS: '300' }
    })
    expect(r.code).toBe(1)
    expect(r.summary).toContain('Console of api')
    expect(forged(r.summary)).toEqual([])
    expect(forged(r.stdout)).toEqual([])
  })

  it('the CLI makes server text inert on stdout and stderr, and masks secrets itself', async () => {
    api.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'answer',
      body: hostileList,
      times: 2
    })
    const ws = workspace({ 'ukc.yml': 'instances: [{ name: api, image: nginx:latest }]\n' })
    const plan = await cli(['plan', '--spec', 'ukc.yml'], {}, ws)
    expect(plan.stderr + plan.stdout).toContain('␛]0;owned␇')
    expect(forged(plan.stdout)).toEqual([])
    expect(forged(plan.stderr)).toEqual([])
    // An API error that quotes a secret-env value back: the CLI has no runner to mask it.
    api.emu.addFault({
      method: 'POST',
      path: '/v1/instances',
      kind: 'answer',
      status: 400,
      body: { status: 'error', message: 'bad env value cli-secret-value-42' },
      times: 1
    })
    const secretFile = `${ws}/secret.env`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(secretFile, 'K=cli-secret-value-42\n')
    const run = await cli(
      ['deploy', '--spec', 'ukc.yml', '--secret-env-file', secretFile, '--json'],
      {},
      ws
    )
    expect(run.status).toBe(1)
    expect(run.stdout + run.stderr).toContain('***')
    expect(run.stdout + run.stderr).not.toContain('cli-secret-value-42')
  })
})

describe('7. API answers are typed before use', () => {
  const answer = (patch: Record<string, unknown>) => ({
    status: 'success',
    data: {
      instances: [
        {
          uuid: '11111111-2222-4333-8444-555555555555',
          name: 'api',
          state: 'running',
          image: `nginx@sha256:${'0'.repeat(64)}`,
          memory_mb: 128,
          ...patch
        }
      ]
    }
  })

  it.each([
    [{ state: 'running$(id)' }, 'the API answered state "running$(id)" for instance api'],
    [{ uuid: 42 }, 'the API answered uuid 42 for instance api'],
    [
      { name: ['api'] },
      'the API answered name ["api"] for instance 11111111-2222-4333-8444-555555555555'
    ],
    [{ memory_mb: '128; rm -rf' }, 'the API answered memory_mb "128; rm -rf" for instance api']
  ])('%j is a clear error naming the field, never a crash nor an output', async (patch, words) => {
    api.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'answer',
      body: answer(patch),
      times: 10
    })
    const r = await runAction(
      { ...base(), command: 'status', names: 'api' },
      { workspace: workspace() }
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(words)
    expect(r.stdout).not.toMatch(/is not a function|Cannot read properties|TypeError/)
    expect(r.outputs.instances).not.toContain('running$(id)')
    expect(r.outputs.instances).not.toContain('rm -rf')
  })

  it('the CLI says the same, in --json too', async () => {
    api.emu.addFault({
      method: 'GET',
      path: '/v1/instances',
      kind: 'answer',
      body: answer({ state: 'running$(id)' }),
      times: 10
    })
    const r = await cli(['status', '--names', 'api', '--json'])
    expect(r.status).toBe(1)
    expect(JSON.parse(r.stdout).error).toContain(
      'the API answered state "running$(id)" for instance api'
    )
  })
})

describe('8. __proto__, constructor and prototype are keys like any other', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    'spec key %s is an unknown key with file:line',
    async (key) => {
      const r = await deploy(`instances:\n  - name: api\n    image: nginx:latest\n    ${key}: 1\n`)
      expect(r.code).toBe(1)
      expect(r.stdout).toMatch(
        new RegExp(`file=ukc\\.yml,line=4.*unknown key '${key}' in an instance`)
      )
      expect(r.stdout).not.toContain('is not a function')
      expect(api.emu.journal()).toEqual([])
    }
  )

  it('env keeps constructor and prototype as data and refuses __proto__ by name', async () => {
    const refused = await deploy(
      'instances:\n  - name: api\n    image: nginx:latest\n    env: { __proto__: x, A: b }\n'
    )
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain("'__proto__' cannot be an environment variable name here")
    const kept = await deploy(
      'instances:\n  - name: api\n    image: nginx:latest\n    env: { constructor: x, prototype: y }\n'
    )
    expect(kept.code).toBe(0)
    expect((await instances())[0].env).toMatchObject({ constructor: 'x', prototype: 'y' })
  })

  it('the shorthand env refuses __proto__ too', async () => {
    const r = await runAction(
      { ...base(), name: 'api', image: 'nginx:latest', env: '__proto__=x' },
      { workspace: workspace() }
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("'__proto__' cannot be an environment variable name here")
  })
})

describe('9. the console of an instance that is not ours is never read', () => {
  it('a preview conflict and a "left alone" row read no console', async () => {
    const name = `api-pr5-${TAG}`
    await api.call('POST', '/instances', {
      name,
      image: 'nginx:latest',
      env: { UKC_DEPLOY_PREVIEW: 'someone/else#5' }
    })
    api.emu.journalLog.clear()
    const r = await deploy('instances: [{ name: api, image: nginx:latest }]\n', { pr: 5 })
    expect(r.code).toBe(1)
    expect(r.json('plan')[0]).toMatchObject({ name, action: 'conflict' })
    const closing = await runAction(
      { ...base(), spec: 'ukc.yml' },
      {
        workspace: workspace({ 'ukc.yml': 'instances: [{ name: api, image: nginx:latest }]\n' }),
        event: prEvent(5, 'closed'),
        eventName: 'pull_request'
      }
    )
    expect(closing.stdout).toContain('left alone')
    expect(api.emu.journal().filter((e) => e.path.includes('/log'))).toEqual([])
    for (const run of [r, closing]) {
      expect(run.summary).not.toContain('Console of')
      expect(run.outputs.url).toBe('')
    }
  })
})

describe('10. the emulator', () => {
  const admin = (path: string, token?: string | null, method = 'GET') =>
    raw(`${api.emu.url}/_emulator${path}`, method, undefined, { token })

  it('answers a malformed percent-encoding with 400 and keeps serving', async () => {
    const r = await api.call('GET', '/instances/%zz')
    expect(r.status).toBe(400)
    expect(r.text).toContain('malformed percent-encoding')
    expect((await api.call('GET', '/instances')).status).toBe(200)
  })

  it('with a token set, its controls need the token too (health stays open)', async () => {
    api.emu.configure({ token: 'emu-token' })
    try {
      expect((await admin('/journal', null)).status).toBe(401)
      expect((await admin('/journal', 'wrong')).status).toBe(401)
      expect((await admin('/reset', null, 'POST')).status).toBe(401)
      expect((await admin('/journal', 'emu-token')).status).toBe(200)
      expect((await admin('/health', null)).status).toBe(200)
    } finally {
      api.emu.configure({ token: null })
    }
  })

  it('its journal keeps env keys but not their values, nor private keys', async () => {
    await api.call('POST', '/instances', {
      name: 'api',
      image: 'nginx:latest',
      env: { DB_PASSWORD: 'journal-secret-99' }
    })
    await api.call('GET', '/instances')
    const text = JSON.stringify((await admin('/journal')).json)
    expect(text).toContain('DB_PASSWORD')
    expect(text).not.toContain('journal-secret-99')
    expect(JSON.stringify(api.emu.journal())).not.toContain('journal-secret-99')
  })
})
