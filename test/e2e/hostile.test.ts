/**
 * Hostile input (issue 14), each attack reproduced against the bundled action (or the CLI)
 * and shown to fail: a pull request copying credentials into its preview, and one
 * repository's previews touching another's.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { GENERATION, generationInput, useEmulator } from '../support/emulator.js'
import { startFakeGitHub } from '../support/github.js'

const api = useEmulator()
const UKC = 'ukc-secret-token-1234'
const GH = 'ghs_runner-token-5678'

/** A pull_request event of `repo`, PR `n`, as GitHub writes the payload. */
function prEvent(repo: string, n: number, action = 'opened') {
  return {
    action,
    number: n,
    pull_request: {
      number: n,
      merged: false,
      head: { sha: 'a'.repeat(40), repo: { full_name: repo, fork: false } },
      base: { repo: { full_name: repo } }
    }
  }
}

function previewOf(
  repo: string,
  n: number,
  spec: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
) {
  return runAction(
    {
      token: UKC,
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      comment: 'false',
      timeout: '20',
      ...inputs
    },
    {
      workspace: workspace({ 'ukc.yml': spec }),
      event: prEvent(repo, n, inputs.action ?? 'opened'),
      eventName: 'pull_request',
      env: { GITHUB_REPOSITORY: repo, ...env }
    }
  )
}

const instances = async (): Promise<{ name: string; env: Record<string, string> }[]> =>
  (await api.call('GET', '/instances')).json.data.instances
const allNames = async (): Promise<string[]> =>
  [
    ...(await instances()),
    ...(await api.call('GET', '/services')).json.data.service_groups,
    ...(await api.call('GET', '/volumes')).json.data.volumes
  ]
    .map((o: { name: string }) => o.name)
    .sort()

describe('a pull request cannot copy credentials into its preview', () => {
  it('refuses ${INPUT_TOKEN}, ${UKC_TOKEN}, ${GITHUB_TOKEN}, ${ACTIONS_RUNTIME_TOKEN}, and a copy of the token under another name, before any request', async () => {
    const spec = `instances:
  - name: api
    image: nginx:latest
    args: ["--t=\${INPUT_TOKEN}"]
    env:
      A: "\${INPUT_TOKEN}"
      B: "\${UKC_TOKEN}"
      C: "\${GITHUB_TOKEN}"
      D: "\${ACTIONS_RUNTIME_TOKEN}"
      E: "\${INPUT_GITHUB-TOKEN:-x}"
      F: "\${SOME_COPY}"
      OK: "\${GITHUB_SHA}"
`
    const r = await previewOf(
      'acme/widget',
      5,
      spec,
      { 'github-token': GH },
      {
        UKC_TOKEN: UKC,
        GITHUB_TOKEN: GH,
        ACTIONS_RUNTIME_TOKEN: 'runtime-token-9999',
        SOME_COPY: UKC
      }
    )
    expect(r.code).toBe(1)
    for (const name of [
      'INPUT_TOKEN',
      'UKC_TOKEN',
      'GITHUB_TOKEN',
      'ACTIONS_RUNTIME_TOKEN',
      'SOME_COPY'
    ])
      expect(r.stdout).toContain(`\${${name}} is refused`)
    expect(r.stdout).toContain("its value is one of the action's or the runner's credentials")
    expect(api.emu.journal()).toEqual([])
    expect(await instances()).toEqual([])
    for (const secret of [UKC, GH, 'runtime-token-9999'])
      expect(
        [r.stdout.replace(/^::add-mask::.*$/gm, ''), r.summary, JSON.stringify(r.outputs)].join(
          '\n'
        )
      ).not.toContain(secret)
  })

  it('the CLI refuses ${UKC_TOKEN} and ${GITHUB_TOKEN} the same way', async () => {
    const { spawnSync } = await import('node:child_process')
    const { fileURLToPath } = await import('node:url')
    const bin = fileURLToPath(new URL('../../bin/ukc-deploy.js', import.meta.url))
    const ws = workspace({
      'ukc.yml':
        'instances:\n  - { name: api, image: nginx:latest, env: { A: "${UKC_TOKEN}", B: "${GITHUB_TOKEN}" } }\n'
    })
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'deploy',
        '--spec',
        'ukc.yml',
        '--api-url',
        api.emu.baseUrl,
        '--api-generation',
        GENERATION
      ],
      {
        cwd: ws,
        env: { PATH: process.env.PATH, UKC_TOKEN: UKC, GITHUB_TOKEN: GH },
        encoding: 'utf8'
      }
    )
    expect(r.status).toBe(2)
    expect(r.stderr + r.stdout).toContain('${UKC_TOKEN} is refused')
    expect(r.stderr + r.stdout).toContain('${GITHUB_TOKEN} is refused')
    expect(api.emu.journal()).toEqual([])
  })
})

describe("one repository's previews never touch another's", () => {
  const spec = `service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }], domains: [{ name: shop }] }
volumes: [{ name: data, size_mb: 16 }]
instances:
  - { name: api, image: nginx:latest, service_group: web }
  - { name: worker, image: nginx:latest, volumes: [{ name: data, at: /data }] }
`
  const A = 'acme/widget'
  const B = 'other/widget'

  it("B's PR #5 gets its own names; A's PR #5 is untouched and marked as A's", async () => {
    expect((await previewOf(A, 5, spec)).code).toBe(0)
    const before = await instances()
    const b = await previewOf(B, 5, spec)
    expect(b.code).toBe(0)
    const tagA = ownerTag(A)
    const tagB = ownerTag(B)
    expect(await allNames()).toEqual(
      [
        `api-pr5-${tagA}`,
        `api-pr5-${tagB}`,
        `data-pr5-${tagA}`,
        `data-pr5-${tagB}`,
        `web-pr5-${tagA}`,
        `web-pr5-${tagB}`,
        `worker-pr5-${tagA}`,
        `worker-pr5-${tagB}`
      ].sort()
    )
    const after = await instances()
    for (const i of before) expect(after).toContainEqual(expect.objectContaining({ name: i.name }))
    expect(after.find((i) => i.name === `api-pr5-${tagA}`)!.env.UKC_DEPLOY_PREVIEW).toBe(
      'acme/widget#5'
    )
    expect(after.find((i) => i.name === `api-pr5-${tagB}`)!.env.UKC_DEPLOY_PREVIEW).toBe(
      'other/widget#5'
    )
  })

  it("sweep in A deletes only A's closed previews: not B's, not a hand-made backup-pr1, not a look-alike without A's marker", async () => {
    expect((await previewOf(A, 5, spec)).code).toBe(0)
    expect((await previewOf(B, 5, spec)).code).toBe(0)
    await api.call('POST', '/volumes', { name: 'backup-pr1', size_mb: 8 })
    const lookAlike = `cron-pr5-${ownerTag(A)}`
    // [N] It even carries A's tags for PR 5: tags can be copied, the marker is checked too.
    await api.call('POST', '/instances', {
      name: lookAlike,
      image: 'nginx:latest',
      ...(GENERATION === 'new'
        ? { tags: ['ukc-deploy', `ukc-deploy.owner=${ownerTag(A)}`, 'ukc-deploy.pr=5'] }
        : {})
    })
    const gh = await startFakeGitHub()
    try {
      gh.pulls.set(5, 'closed')
      gh.pulls.set(1, 'closed')
      const r = await runAction(
        {
          token: UKC,
          'api-url': api.emu.baseUrl,
          ...generationInput(),
          command: 'sweep',
          'github-token': GH
        },
        { eventName: 'schedule', env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: A } }
      )
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`instance '${lookAlike}' was left alone`)
    } finally {
      await gh.close()
    }
    const tagB = ownerTag(B)
    expect(await allNames()).toEqual(
      [
        'backup-pr1',
        lookAlike,
        `api-pr5-${tagB}`,
        `data-pr5-${tagB}`,
        `web-pr5-${tagB}`,
        `worker-pr5-${tagB}`
      ].sort()
    )
  })

  it('a preview deploy does not take over an instance under its name that is not its own', async () => {
    const name = `api-pr5-${ownerTag(A)}`
    await api.call('POST', '/instances', {
      name,
      image: 'nginx:latest',
      env: { UKC_DEPLOY_PREVIEW: 'someone/else#5' }
    })
    const r = await previewOf(A, 5, 'instances: [{ name: api, image: nginx:latest }]\n')
    expect(r.code).toBe(1)
    expect(r.json('plan')[0]).toMatchObject({ name, action: 'conflict' })
    expect(r.stdout).toContain('it is left alone')
    const closing = await previewOf(A, 5, 'instances: [{ name: api, image: nginx:latest }]\n', {
      action: 'closed'
    })
    expect(closing.stdout).toContain(`left alone: it is not this repository's preview of #5`)
    expect((await instances()).map((i) => i.name)).toEqual([name])
  })
})

describe('server text is data', () => {
  it('a hostile answer cannot forge workflow commands, reach url/urls, or put HTML, mentions or links in the summary', async () => {
    const evil = {
      status: 'success',
      data: {
        instances: [
          {
            uuid: '11111111-2222-4333-8444-555555555555',
            name: 'api',
            state: 'running',
            image: `nginx@sha256:${'0'.repeat(64)}`,
            restart_policy:
              'never\n::stop-commands::tok\n::error::pwned <img src=x onerror=alert(1)> @octocat [click](https://evil.example) #1',
            memory_mb: 128,
            env: {},
            service_group: {
              uuid: '11111111-2222-4333-8444-666666666666',
              name: 'web',
              domains: [
                { fqdn: 'x.fra0.kraft.host/$(touch /tmp/p)' },
                { fqdn: 'ok.fra0.kraft.host' }
              ]
            }
          }
        ]
      }
    }
    api.emu.addFault({ method: 'GET', path: '/v1/instances', kind: 'answer', body: evil, times: 2 })
    const r = await runAction(
      {
        token: UKC,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        command: 'plan',
        spec: 'ukc.yml'
      },
      { workspace: workspace({ 'ukc.yml': 'instances: [{ name: api, image: nginx:latest }]\n' }) }
    )
    const lines = r.stdout.split('\n')
    expect(lines.filter((l) => /^::(stop-commands|error::pwned)/.test(l))).toEqual([])
    // Shown, not obeyed: one line, and `::` broken by a zero-width space.
    expect(r.stdout).toContain(
      'restart_policy never ⏎ :\u200b:stop-commands:\u200b:tok ⏎ :\u200b:error:\u200b:pwned'
    )
    expect(r.stdout).toContain("::warning::ignored a domain of 'api' that is not a host name")
    expect(r.outputs.url).toBe('https://ok.fra0.kraft.host')
    expect(r.json('urls')).toEqual(['https://ok.fra0.kraft.host'])
    expect(r.summary).not.toContain('<img')
    expect(r.summary).not.toMatch(/@octocat/)
    expect(r.summary).not.toContain('](https://evil.example)')
    expect(r.summary).not.toContain('$(touch')
  })
})

describe('secrets never leak through the wrong field', () => {
  const key = readFileSync(new URL('../fixtures/app.example.com.key.pem', import.meta.url), 'utf8')
  const cert = readFileSync(new URL('../fixtures/app.example.com.crt.pem', import.meta.url), 'utf8')
  const keyLines = key.split('\n').filter((l) => l.trim().length >= 4 && !l.startsWith('-----'))

  it('a private key given as the chain (files swapped) is masked line by line', async () => {
    const spec = `certificates:
  - { name: app-cert, cn: app.example.com, chain_file: tls/key.pem, pkey_file: tls/cert.pem }
`
    const r = await runAction(
      { token: UKC, 'api-url': api.emu.baseUrl, ...generationInput(), spec: 'ukc.yml' },
      { workspace: workspace({ 'ukc.yml': spec, 'tls/key.pem': key, 'tls/cert.pem': cert }) }
    )
    expect(r.code).toBe(1)
    const masked = new Set(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('::add-mask::'))
        .map((l) => l.slice('::add-mask::'.length))
    )
    for (const line of keyLines) expect(masked).toContain(line.trim())
    const printed = r.stdout.replace(/^::add-mask::.*$/gm, '')
    const leaked = keyLines.filter(
      (l) => printed.includes(l.trim()) || r.summary.includes(l.trim())
    )
    // Whatever is printed is masked by the runner; and the summary (not masked) holds none of it.
    expect(keyLines.filter((l) => r.summary.includes(l.trim()))).toEqual([])
    for (const l of leaked) expect(masked).toContain(l.trim())
  })

  it('every line of secret-env is masked, and a bad line is named by number, never quoted', async () => {
    const r = await runAction(
      {
        token: UKC,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        name: 'api',
        image: 'nginx:latest',
        'secret-env': 'API_KEY=first-secret-value\nsecond-line-secret-no-equals'
      },
      { workspace: workspace() }
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('::add-mask::second-line-secret-no-equals')
    expect(r.stdout).toContain('::add-mask::first-secret-value')
    const printed = r.stdout.replace(/^::add-mask::.*$/gm, '')
    expect(printed).not.toContain('second-line-secret-no-equals')
    expect(r.summary).not.toContain('second-line-secret-no-equals')
    expect(printed).toContain('the line is not shown: it is a secret')
    expect(api.emu.journal()).toEqual([])
  })

  it('a token with a trailing newline works; one with a control character inside is refused by name', async () => {
    const ok = await runAction(
      {
        token: `${UKC}\n`,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        command: 'status',
        names: 'api'
      },
      { workspace: workspace() }
    )
    expect(ok.stdout).not.toContain('control characters')
    expect(api.emu.journal().length).toBeGreaterThan(0)
    const bad = await runAction(
      {
        token: 'abc\u0007def',
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        command: 'status',
        names: 'api'
      },
      { workspace: workspace() }
    )
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain('token: the UKC API token contains control characters')
  })

  it('a spec path outside the workspace says so without telling whether the file exists', async () => {
    const ws = workspace()
    const there = await runAction(
      { token: UKC, 'api-url': api.emu.baseUrl, ...generationInput(), spec: '../../etc/passwd' },
      { workspace: ws }
    )
    const missing = await runAction(
      {
        token: UKC,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        spec: '../../etc/no-such-file'
      },
      { workspace: ws }
    )
    for (const r of [there, missing]) {
      expect(r.code).toBe(1)
      expect(r.stdout).toContain('is outside the workspace')
      expect(r.stdout).not.toContain('does not exist')
    }
  })

  it('a huge single-value spec is quoted as a short excerpt, without NUL bytes', async () => {
    const huge = `${'x'.repeat(200000)}\u0000`
    const r = await runAction(
      { token: UKC, 'api-url': api.emu.baseUrl, ...generationInput(), spec: 'ukc.yml' },
      { workspace: workspace({ 'ukc.yml': huge }) }
    )
    expect(r.code).toBe(1)
    expect(r.stdout.length).toBeLessThan(20000)
    expect(r.summary.length).toBeLessThan(20000)
    expect(r.stdout).not.toContain('\u0000')
  })
})

describe('preview: auto never falls back to production on an event about a pull request', () => {
  const spec = 'instances: [{ name: api, image: nginx:latest }]\n'
  const run = (eventName: string, event: unknown, inputs: Record<string, string> = {}) =>
    runAction(
      {
        token: UKC,
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        spec: 'ukc.yml',
        comment: 'false',
        ...inputs
      },
      { workspace: workspace({ 'ukc.yml': spec }), event, eventName }
    )
  const tag = ownerTag('acme/widget')

  it.each([
    ['pull_request_review', { ...prEvent('acme/widget', 8), action: 'submitted' }],
    ['pull_request_review_comment', { ...prEvent('acme/widget', 8), action: 'created' }],
    ['issue_comment', { action: 'created', issue: { number: 8, pull_request: { url: 'x' } } }]
  ])('%s deploys the preview names', async (eventName, event) => {
    const r = await run(eventName, event)
    expect(r.code).toBe(0)
    expect((await instances()).map((i) => i.name)).toEqual([`api-pr8-${tag}`])
  })

  it('a pull_request event whose payload is missing is an error, and nothing is deployed', async () => {
    const r = await run('pull_request', {})
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('its number could not be read from the event payload')
    expect(api.emu.journal()).toEqual([])
  })

  it('a comment on an issue (not a PR) deploys the names as written', async () => {
    const r = await run('issue_comment', { action: 'created', issue: { number: 3 } })
    expect(r.code).toBe(0)
    expect((await instances()).map((i) => i.name)).toEqual(['api'])
  })
})

describe('low-severity slips', () => {
  it("a preview reads none of production's certificates (no key file, no variable needed)", async () => {
    const spec = `certificates:
  - { name: app-cert, cn: app.example.com, chain: "\${APP_CERT_PEM}", pkey_file: secrets/app.key }
service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    domains: [{ name: shop }, { name: app.example.com., certificate: app-cert }]
instances:
  - { name: api, image: nginx:latest, service_group: web }
`
    const r = await previewOf('acme/widget', 9, spec)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("preview: certificates 'app-cert' are left out, unread")
    expect(api.emu.journal().filter((e) => e.path === '/v1/certificates')).toEqual([])
  })

  it.each([
    [
      'the shorthand image input',
      { name: 'api', image: `acme/api@acme/api@sha256:${'a'.repeat(64)}` },
      {}
    ],
    [
      "the spec's image",
      { spec: 'ukc.yml' },
      {
        'ukc.yml': `instances: [{ name: api, image: "acme/api@acme/api@sha256:${'a'.repeat(64)}" }]\n`
      }
    ],
    ['a truncated pin', { name: 'api', image: 'acme/api@sha256:abc' }, {}]
  ])(
    '%s is validated: a reference pinned twice or badly is refused before any request',
    async (_what, inputs, files) => {
      const r = await runAction(
        { token: UKC, 'api-url': api.emu.baseUrl, ...generationInput(), ...inputs },
        { workspace: workspace(files) }
      )
      expect(r.code).toBe(1)
      expect(r.stdout).toContain('is not an image reference such as myorg/app:latest')
      expect(api.emu.journal()).toEqual([])
    }
  )
})
