/**
 * The GitHub REST calls the action makes (comments, deployments, pull requests), through the
 * toolkit's Octokit (`@actions/github`): its proxy handling, GITHUB_API_URL for GitHub
 * Enterprise (or a fake in tests), pagination, and the retry and throttling plugins for 5xx
 * and rate limits. This file adds only what the action needs on top: every call bounded by
 * the run's deadline, pages followed only on the API host, and errors in one shape.
 */
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { PRODUCT, VERSION } from '../version.js'

export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly apiMessage: string
  ) {
    super(
      `${method} ${path}: ${status ? `HTTP ${status}` : 'no answer'}${apiMessage ? `: ${apiMessage}` : ''}`
    )
    this.name = 'GitHubError'
  }
}

/** The longest one GitHub call (with its retries) may take. */
const CALL_MS = 10000

/** A rate limit is waited out (at most twice) only when the wait fits in the run. */
const RATE_LIMIT_RETRIES = 2

export interface GitHubRestOptions {
  /** Epoch ms: the run's `timeout`; no GitHub call outlives it. Default: 60 s from now. */
  deadline?: number
}

type Octokit = ReturnType<typeof getOctokit>

/**
 * A call whose time ran out fails as 408, so the retry plugin does not try it again with a
 * signal that is already spent. Registered before the retry plugin, so it sees the error first.
 */
function runOutIsFinal(octokit: {
  hook: {
    error: (
      name: 'request',
      fn: (e: unknown, o: { request?: { signal?: AbortSignal } }) => never
    ) => void
  }
}): void {
  octokit.hook.error('request', (error, options) => {
    if (options.request?.signal?.aborted) Object.assign(error as object, { status: 408 })
    throw error
  })
}

export class GitHubRest {
  readonly apiUrl: string
  private readonly octokit: Octokit
  private readonly deadline: number

  constructor(token: string, apiUrl = 'https://api.github.com', opts: GitHubRestOptions = {}) {
    this.apiUrl = apiUrl.replace(/\/+$/, '')
    this.deadline = opts.deadline ?? Date.now() + 60000
    const fits = (retryAfterSeconds: number, retryCount: number): boolean =>
      retryCount < RATE_LIMIT_RETRIES && Date.now() + retryAfterSeconds * 1000 < this.deadline
    this.octokit = getOctokit(
      token,
      {
        baseUrl: this.apiUrl,
        userAgent: `${PRODUCT}/${VERSION}`,
        throttle: {
          onRateLimit: (after: number, _o: unknown, _k: unknown, count: number) =>
            fits(after, count),
          onSecondaryRateLimit: (after: number, _o: unknown, _k: unknown, count: number) =>
            fits(after, count)
        },
        // The plugin's list, plus 408: a call cut off by the run's timeout is not retried.
        retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 408, 410, 422, 451] }
      },
      runOutIsFinal,
      retry,
      throttling
    )
    // A `Link: rel="next"` (or any absolute URL) to another host would receive the token.
    this.octokit.hook.before('request', (options) => {
      // Every request has its time bound, also the pages Octokit's pagination asks for itself
      // (it passes no request options on).
      options.request = { ...options.request, signal: options.request?.signal ?? this.signal() }
      const url = String(options.url)
      if (/^https?:\/\//i.test(url) && !this.onApiHost(url))
        throw new GitHubError(0, String(options.method), url, 'refused: not on the GitHub API host')
    })
  }

  private onApiHost(url: string): boolean {
    try {
      const api = new URL(this.apiUrl)
      const u = new URL(url)
      return u.origin === api.origin && u.pathname.startsWith(api.pathname.replace(/\/?$/, '/'))
    } catch {
      return false
    }
  }

  /**
   * The abort signal of one call, its retries included: at most 10 s, and never past the
   * run's deadline, so a GitHub that does not answer cannot hold a deploy up for long.
   */
  private signal(): AbortSignal {
    return AbortSignal.timeout(Math.max(1, Math.min(CALL_MS, this.deadline - Date.now())))
  }

  private wrap(method: string, path: string, err: unknown): GitHubError {
    if (err instanceof GitHubError) return err
    const e = err as {
      status?: number
      name?: string
      message?: string
      response?: { data?: unknown }
    }
    const data = e.response?.data as { message?: string } | string | undefined
    const message =
      typeof data === 'object' && data?.message
        ? data.message
        : e.name === 'AbortError' || e.name === 'TimeoutError' || /abort/i.test(e.message ?? '')
          ? "the run's timeout ran out before GitHub answered"
          : (e.message ?? String(err))
    return new GitHubError(e.status ?? 0, method, path.split('?')[0], message)
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ data: T }> {
    try {
      const res = await this.octokit.request(`${method} ${path}`, {
        ...(body === undefined ? {} : { data: body }),
        request: { signal: this.signal() }
      })
      return { data: res.data as T }
    } catch (err) {
      throw this.wrap(method, path, err)
    }
  }

  /** Every page of a list (Octokit's pagination, 100 a page). */
  async all<T>(path: string): Promise<T[]> {
    try {
      // A next page on another host ends the list (and the hook refuses it anyway).
      const route: string = `GET ${path}`
      return (await this.octokit.paginate(
        route as 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { per_page: 100 } as never,
        (response: { headers: { link?: string }; data: unknown }, done: () => void) => {
          const next = /<([^>]+)>;\s*rel="next"/.exec(String(response.headers.link ?? ''))?.[1]
          if (next && !this.onApiHost(next)) done()
          return response.data as unknown as T[]
        }
      )) as T[]
    } catch (err) {
      throw this.wrap('GET', path, err)
    }
  }

  /** Nothing to free: Octokit holds no sockets of its own. */
  dispose(): void {}
}

/** Why GitHub refused, in words a user can act on. */
export function explain(err: unknown, what: string): string {
  if (
    err instanceof GitHubError &&
    err.status === 403 &&
    /not accessible by integration/i.test(err.apiMessage)
  )
    return (
      `${what} was skipped: GitHub answered 403 "${err.apiMessage}". The token cannot write here: ` +
      'on a pull request from a fork the GITHUB_TOKEN is read-only, the repository or organisation may make the default token read-only, ' +
      'or the workflow lacks the permission. Add to the job:\n' +
      '  permissions:\n    contents: read\n    pull-requests: write   # the preview comment\n    deployments: write     # the GitHub Deployment'
    )
  if (err instanceof GitHubError && (err.status === 401 || err.status === 403))
    return `${what} was skipped: GitHub refused the token (${err.message}); check the github-token input`
  return `${what} failed: ${err instanceof Error ? err.message : String(err)}`
}
