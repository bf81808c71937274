/**
 * The handful of GitHub REST calls the action makes (comments, deployments, pull requests),
 * on @actions/http-client so that no Octokit is bundled. GITHUB_API_URL points it at GitHub
 * Enterprise, or at a fake in tests.
 */
import { HttpClient } from '@actions/http-client'
import { PRODUCT, VERSION } from '../version.js'

export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly apiMessage: string
  ) {
    super(`${method} ${path}: HTTP ${status}${apiMessage ? `: ${apiMessage}` : ''}`)
    this.name = 'GitHubError'
  }
}

export class GitHubRest {
  private readonly http: HttpClient
  readonly apiUrl: string

  constructor(
    private readonly token: string,
    apiUrl = 'https://api.github.com'
  ) {
    this.apiUrl = apiUrl.replace(/\/+$/, '')
    this.http = new HttpClient(`${PRODUCT}/${VERSION}`, [], {
      socketTimeout: 15000,
      keepAlive: true
    })
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json'
    }
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown
  ): Promise<{ data: T; next?: string }> {
    const url = path.startsWith('http') ? path : `${this.apiUrl}${path}`
    const res = await this.http.request(
      method,
      url,
      body === undefined ? null : JSON.stringify(body),
      this.headers()
    )
    const text = await res.readBody()
    const status = res.message.statusCode ?? 0
    let data: unknown
    try {
      data = text ? JSON.parse(text) : undefined
    } catch {
      data = undefined
    }
    if (status < 200 || status >= 300) {
      const message = (data as { message?: string } | undefined)?.message ?? text.slice(0, 200)
      throw new GitHubError(status, method, new URL(url).pathname, message)
    }
    const link = String(res.message.headers.link ?? '')
    const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1]
    return { data: data as T, next: next && this.onApiHost(next) ? next : undefined }
  }

  /** A `Link` to another host would get the token: only the GitHub API's own URLs are followed. */
  private onApiHost(url: string): boolean {
    try {
      const api = new URL(this.apiUrl)
      const u = new URL(url)
      return u.origin === api.origin && u.pathname.startsWith(api.pathname.replace(/\/?$/, '/'))
    } catch {
      return false
    }
  }

  /** Every page of a list, following the Link header. */
  async all<T>(path: string): Promise<T[]> {
    const out: T[] = []
    let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}per_page=100`
    for (let pages = 0; next && pages < 100; pages++) {
      const page: { data: T[]; next?: string } = await this.request<T[]>('GET', next)
      out.push(...page.data)
      next = page.next
    }
    return out
  }

  dispose(): void {
    this.http.dispose()
  }
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
