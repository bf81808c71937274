/**
 * A fake of the GitHub REST API endpoints the action calls, on loopback, with the behaviour
 * that matters: pagination by Link header, a GITHUB_TOKEN that cannot read /user, comments
 * owned by their author, deployments and statuses, pull request states, and injected failures.
 */
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeComment {
  id: number
  body: string
  user: { login: string; type: string }
}

export interface FakeGitHub {
  url: string
  comments: Map<number, FakeComment[]>
  deployments: {
    id: number
    environment: string
    ref: string
    transient_environment: boolean
    statuses: Record<string, unknown>[]
  }[]
  pulls: Map<number, 'open' | 'closed'>
  requests: string[]
  /** `METHOD path-regex` → status: that request fails with this status (403 says "Resource not accessible by integration"). */
  failures: Map<string, number>
  close(): Promise<void>
}

const BOT = { login: 'github-actions[bot]', type: 'Bot' }

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000
  const gh: Omit<FakeGitHub, 'url' | 'close'> = {
    comments: new Map(),
    deployments: [],
    pulls: new Map(),
    requests: [],
    failures: new Map()
  }
  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined
    const url = new URL(req.url ?? '/', 'http://x')
    const key = `${req.method} ${url.pathname}`
    gh.requests.push(key)
    // GitHub takes both schemes; Octokit sends `token`.
    if (!/^(Bearer|token) \S+$/.test(req.headers.authorization ?? ''))
      return send(res, 401, { message: 'Bad credentials' })
    for (const [pattern, status] of gh.failures) {
      if (new RegExp(`^${pattern}$`).test(key))
        return send(res, status, {
          message: status === 403 ? 'Resource not accessible by integration' : 'Server Error'
        })
    }
    let m: RegExpExecArray | null
    if (key === 'GET /user')
      return send(res, 403, { message: 'Resource not accessible by integration' })
    if ((m = /^GET \/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(key))) {
      const all = gh.comments.get(Number(m[1])) ?? []
      const per = Number(url.searchParams.get('per_page') ?? 30)
      const page = Number(url.searchParams.get('page') ?? 1)
      const link =
        page * per < all.length
          ? {
              link: `<http://${req.headers.host}${url.pathname}?per_page=${per}&page=${page + 1}>; rel="next"`
            }
          : undefined
      return send(res, 200, all.slice((page - 1) * per, page * per), link)
    }
    if ((m = /^POST \/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(key))) {
      const c: FakeComment = { id: nextId++, body: body.body, user: BOT }
      gh.comments.set(Number(m[1]), [...(gh.comments.get(Number(m[1])) ?? []), c])
      return send(res, 201, c)
    }
    if ((m = /^PATCH \/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(key))) {
      const c = [...gh.comments.values()].flat().find((x) => x.id === Number(m![1]))
      if (!c) return send(res, 404, { message: 'Not Found' })
      c.body = body.body
      return send(res, 200, c)
    }
    if (/^POST \/repos\/[^/]+\/[^/]+\/deployments$/.test(key)) {
      const d = {
        id: nextId++,
        environment: body.environment,
        ref: body.ref,
        transient_environment: body.transient_environment,
        statuses: []
      }
      gh.deployments.push(d)
      return send(res, 201, d)
    }
    if (/^GET \/repos\/[^/]+\/[^/]+\/deployments$/.test(key)) {
      return send(
        res,
        200,
        gh.deployments.filter((d) => d.environment === url.searchParams.get('environment'))
      )
    }
    if ((m = /^POST \/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/.exec(key))) {
      const d = gh.deployments.find((x) => x.id === Number(m![1]))
      if (!d) return send(res, 404, { message: 'Not Found' })
      d.statuses.push(body)
      return send(res, 201, body)
    }
    if ((m = /^GET \/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/.exec(key))) {
      const state = gh.pulls.get(Number(m[1]))
      return state
        ? send(res, 200, { number: Number(m[1]), state })
        : send(res, 404, { message: 'Not Found' })
    }
    send(res, 404, { message: `Not Found: ${key}` })
  }
  const server: Server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    ...gh,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      })
  } as FakeGitHub
}

/**
 * One fake GitHub per test file, emptied before each test (comments, deployments, pull
 * states, requests, failures): what every test of a pull-request run sets up.
 */
export function useFakeGitHub(): FakeGitHub {
  let live: FakeGitHub | undefined
  beforeAll(async () => {
    live = await startFakeGitHub()
  })
  afterAll(() => live?.close())
  beforeEach(() => {
    live!.comments.clear()
    live!.deployments.length = 0
    live!.pulls.clear()
    live!.requests.length = 0
    live!.failures.clear()
  })
  // The server starts in beforeAll: the handle reads through to it when a test runs.
  return new Proxy({} as FakeGitHub, {
    get: (_target, key) => live![key as keyof FakeGitHub]
  })
}
