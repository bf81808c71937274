/** Previews per pull request: the bundled action, the emulator, a fake GitHub API and real webhook payloads. */
import { createRequire } from 'node:module'
import { describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { ownerTag } from '../../src/spec/preview.js'
import { generationInput, METRO_DOMAIN, useEmulator } from '../support/emulator.js'
import { useFakeGitHub } from '../support/github.js'

const api = useEmulator()
/** The owner tag of the repository these tests run in (GITHUB_REPOSITORY). */
const T = ownerTag('Codertocat/Hello-World')
const gh = useFakeGitHub()

interface PullRequestPayload {
  action: string
  number: number
  pull_request: {
    number: number
    head: { sha: string; repo: { full_name: string; fork: boolean } }
    base: { repo: { full_name: string } }
  }
}
const examples = (
  createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string
    examples: PullRequestPayload[]
  }[]
).find((e) => e.name === 'pull_request')!.examples

/** A real payload of GitHub's for this action, renumbered to PR `n`. */
function payload(action: string, n = 12): PullRequestPayload {
  const p = structuredClone(examples.find((e) => e.action === action)!)
  p.number = n
  p.pull_request.number = n
  return p
}

const SPEC = `
service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    domains: [{ name: shop }, { name: shop.example.com. }]
volumes: [{ name: data, size_mb: 16 }]
instances:
  - { name: api, image: nginx:latest, service_group: web }
  - { name: worker, image: python:3.12, volumes: [{ name: data, at: /data }] }
`
const ws = workspace({ 'ukc.yml': SPEC })

function preview(
  event: PullRequestPayload | Record<string, unknown>,
  inputs: Record<string, string> = {},
  eventName = 'pull_request'
) {
  return runAction(
    {
      token: 'ukc-token',
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      'github-token': 'gh-token',
      timeout: '20',
      ...inputs
    },
    {
      workspace: ws,
      event,
      eventName,
      env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'Codertocat/Hello-World' }
    }
  )
}

const names = async (): Promise<string[]> =>
  [
    ...(await api.call('GET', '/instances')).json.data.instances,
    ...(await api.call('GET', '/services')).json.data.service_groups,
    ...(await api.call('GET', '/volumes')).json.data.volumes
  ]
    .map((o: { name: string }) => o.name)
    .sort()

describe('preview lifecycle', () => {
  it('opened: everything named -pr<N>, one comment, a transient deployment ending in success', async () => {
    const run = await preview(payload('opened'), { 'secret-env': 'API_KEY=preview-secret-77' })
    expect(run.code).toBe(0)
    expect(await names()).toEqual([
      `api-pr12-${T}`,
      `data-pr12-${T}`,
      `web-pr12-${T}`,
      `worker-pr12-${T}`
    ])
    expect(run.outputs.url).toBe(`https://shop-pr12-${T}.${METRO_DOMAIN}`)
    expect(run.stdout).toContain(
      'leaves out shop.example.com (custom domains and their certificates belong to production)'
    )
    const comments = gh.comments.get(12)!
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('<!-- ukc-deploy preview: ukc.yml -->')
    expect(comments[0].body).toContain(
      `### 🚀 Preview of #12: https://shop-pr12-${T}.${METRO_DOMAIN}`
    )
    expect(comments[0].body).toContain(
      `| api-pr12-${T} | running | https://shop-pr12-${T}.${METRO_DOMAIN} |`
    )
    expect(comments[0].body).toContain(payload('opened').pull_request.head.sha.slice(0, 7))
    expect(JSON.stringify([...gh.comments.values(), gh.deployments])).not.toContain(
      'preview-secret-77'
    )
    expect(gh.deployments).toEqual([
      expect.objectContaining({
        environment: 'preview/pr-12',
        transient_environment: true,
        ref: payload('opened').pull_request.head.sha
      })
    ])
    expect(gh.deployments[0].statuses.map((s) => s.state)).toEqual(['in_progress', 'success'])
    expect(gh.deployments[0].statuses[1]).toMatchObject({
      environment_url: `https://shop-pr12-${T}.${METRO_DOMAIN}`,
      log_url: 'https://github.com/Codertocat/Hello-World/actions/runs/42'
    })
  })

  it('synchronize: the same comment is updated (found among 150 others, not another author’s look-alike)', async () => {
    await preview(payload('opened'))
    const ours = gh.comments.get(12)![0]
    const original = ours.body
    const others = Array.from({ length: 150 }, (_, i) => ({
      id: i + 1,
      body: i === 3 ? original : `comment ${i}`,
      user: { login: `user${i}`, type: 'User' }
    }))
    gh.comments.set(12, [...others, ours])
    gh.requests.length = 0
    const run = await preview(payload('synchronize'))
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Preview comment updated on #12')
    expect(gh.comments.get(12)).toHaveLength(151)
    // The look-alike of another author is left as it was; ours is the one rewritten.
    expect(gh.comments.get(12)![3].body).toBe(original)
    expect(gh.comments.get(12)![150].body).toContain('### 🚀 Preview of #12')
    expect(
      gh.requests.filter((r) =>
        r.startsWith('GET /repos/Codertocat/Hello-World/issues/12/comments')
      )
    ).toHaveLength(2)
    expect(gh.deployments).toHaveLength(2)
  })

  it('closed: the preview is deleted, deployments inactive, the comment says so', async () => {
    await preview(payload('opened'))
    const run = await preview(payload('closed'))
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Pull request #12 closed: deleting its preview')
    expect(await names()).toEqual([])
    expect(run.json('instances').map((i: { action: string }) => i.action)).toEqual([
      'deleted',
      'deleted'
    ])
    expect(gh.deployments[0].statuses.at(-1)).toMatchObject({ state: 'inactive' })
    expect(gh.comments.get(12)).toHaveLength(1)
    expect(gh.comments.get(12)![0].body).toContain('### 🧹 Preview of #12 deleted')
  })

  it('a fork pull request without a UKC token is skipped cleanly: outputs set, step green', async () => {
    const fork = payload('opened')
    fork.pull_request.head.repo = {
      ...fork.pull_request.head.repo,
      full_name: 'mallory/Hello-World',
      fork: true
    }
    const run = await preview(fork, { token: '' })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      '::notice title=ukc-deploy::Skipped: pull request #12 comes from a fork'
    )
    expect(run.stdout.match(/Skipped: pull request #12/g)).toHaveLength(1)
    expect(run.outputs.status).toBe('success')
    expect(run.outputs.instances).toBe('[]')
    expect(api.emu.journal()).toEqual([])
  })

  it('a comment GitHub refuses leaves the deploy green, with a warning that says why and what to add', async () => {
    gh.failures.set('POST /repos/[^/]+/[^/]+/issues/\\d+/comments', 403)
    const run = await preview(payload('opened'))
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('success')
    expect(run.stdout).toMatch(
      /::warning::The preview comment was skipped: GitHub answered 403 "Resource not accessible by integration"/
    )
    expect(run.stdout).toContain('pull-requests: write')
    expect(run.stdout).toContain('deployments: write')
  })

  it('in preview mode, delete refuses names without this PR’s suffix', async () => {
    const run = await preview(payload('opened'), {
      command: 'delete',
      names: `api-pr12-${T}\napi`,
      spec: ''
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('only this pull request')
    expect(run.stdout).toContain('refused: api')
    expect(api.emu.journal()).toEqual([])
  })

  it('preview: false on a pull request deploys the names as written', async () => {
    await preview(payload('opened'), { preview: 'false', comment: 'false' })
    expect(await names()).toEqual(['api', 'data', 'web', 'worker'])
    expect(gh.requests).toEqual([])
  })
})

describe('sweep', () => {
  async function seed(): Promise<void> {
    await preview(payload('opened', 12))
    await preview(payload('opened', 13))
    await preview(payload('opened'), { preview: 'false', comment: 'false' })
    gh.pulls.set(12, 'closed')
    gh.pulls.set(13, 'open')
    api.emu.journalLog.clear()
  }
  const schedule = (inputs: Record<string, string> = {}) =>
    runAction(
      {
        token: 'ukc-token',
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        command: 'sweep',
        'github-token': 'gh-token',
        ...inputs
      },
      {
        workspace: ws,
        eventName: 'schedule',
        env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'Codertocat/Hello-World' }
      }
    )

  it('deletes only the previews of closed pull requests, in batch', async () => {
    await seed()
    const run = await schedule()
    expect(run.code).toBe(0)
    expect(await names()).toEqual([
      'api',
      `api-pr13-${T}`,
      'data',
      `data-pr13-${T}`,
      'web',
      `web-pr13-${T}`,
      'worker',
      `worker-pr13-${T}`
    ])
    expect(
      run
        .json('plan')
        .map((p: { name: string }) => p.name)
        .sort()
    ).toEqual([`api-pr12-${T}`, `data-pr12-${T}`, `web-pr12-${T}`, `worker-pr12-${T}`])
    expect(
      api.emu
        .journal()
        .filter((e) => e.method === 'DELETE')
        .map((e) => e.path)
    ).toEqual(['/v1/instances', '/v1/volumes', '/v1/services'])
  })

  it('with dry-run only lists them', async () => {
    await seed()
    const run = await schedule({ 'dry-run': 'true' })
    expect(run.code).toBe(0)
    expect(
      run.json('instances').map((i: { name: string; action: string }) => `${i.name}:${i.action}`)
    ).toEqual([`api-pr12-${T}:planned`, `worker-pr12-${T}:planned`])
    expect(api.emu.journal().filter((e) => e.method !== 'GET')).toEqual([])
    expect((await names()).filter((n) => n.endsWith(`-pr12-${T}`))).toHaveLength(4)
  })

  it('leaves alone a pull request GitHub cannot tell about', async () => {
    await seed()
    gh.pulls.delete(12)
    const run = await schedule()
    expect(run.stdout).toContain(
      'PR #12: GitHub could not tell its state, so its preview was left alone'
    )
    expect((await names()).filter((n) => n.endsWith(`-pr12-${T}`))).toHaveLength(4)
  })
})

describe('autoscaled previews on the new platform', () => {
  const scaledWs = workspace({
    'ukc.yml': `service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
    autoscale: { min_size: 1, max_size: 2 }
instances:
  - { name: api, image: nginx:latest, service_group: web }
`
  })
  const run = (event: PullRequestPayload | undefined, inputs: Record<string, string> = {}) =>
    runAction(
      {
        token: 'ukc-token',
        'api-url': api.emu.baseUrl,
        ...generationInput(),
        spec: 'ukc.yml',
        'github-token': 'gh-token',
        timeout: '20',
        ...inputs
      },
      {
        workspace: scaledWs,
        event,
        eventName: event ? 'pull_request' : 'schedule',
        env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'Codertocat/Hello-World' }
      }
    )
  const templates = async (): Promise<string[]> =>
    (await api.call('GET', '/instances/templates')).json.data.instances.map(
      (t: { name: string }) => t.name
    )
  const newOnly = generationInput()['api-generation'] === 'new' ? it : it.skip

  newOnly(
    'each preview has its own template; closing one and sweeping another leave none',
    async () => {
      expect((await run(payload('opened', 21))).code).toBe(0)
      expect((await run(payload('opened', 22))).code).toBe(0)
      expect((await templates()).sort()).toEqual([
        expect.stringMatching(new RegExp(`^web-pr21-${T}-tpl-[0-9a-f]{6}$`)),
        expect.stringMatching(new RegExp(`^web-pr22-${T}-tpl-[0-9a-f]{6}$`))
      ])
      expect((await run(payload('closed', 21))).code).toBe(0)
      expect(await templates()).toEqual([expect.stringMatching(/^web-pr22-/)])
      gh.pulls.set(22, 'closed')
      const swept = await run(undefined, { command: 'sweep' })
      expect(swept.code).toBe(0)
      expect(await templates()).toEqual([])
      expect(await names()).toEqual([])
    }
  )
})

describe('a GitHub that never answers', () => {
  it('is cut off by timeout: the deploy still happens and the run ends on time, with warnings', async () => {
    const { createServer } = await import('node:http')
    const hang = createServer(() => {}) // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()))
    const port = (hang.address() as { port: number }).port
    try {
      const started = Date.now()
      const run = await runAction(
        {
          token: 'ukc-token',
          'api-url': api.emu.baseUrl,
          ...generationInput(),
          spec: 'ukc.yml',
          'github-token': 'gh-token',
          timeout: '12'
        },
        {
          workspace: ws,
          event: payload('opened'),
          eventName: 'pull_request',
          env: {
            GITHUB_API_URL: `http://127.0.0.1:${port}`,
            GITHUB_REPOSITORY: 'Codertocat/Hello-World'
          }
        }
      )
      const took = Date.now() - started
      expect(took).toBeLessThan(15000)
      expect(run.stdout).toContain("the run's timeout ran out before GitHub answered")
      expect(run.json('instances').map((i: { state: string }) => i.state)).toEqual([
        'running',
        'running'
      ])
    } finally {
      hang.closeAllConnections()
      hang.close()
    }
  })
})
