/**
 * The sticky preview comment: one per pull request and spec, found again by a hidden marker
 * among the token's own comments (every page of them), and updated in place on every push.
 */
import type { RunResult } from '../engine/types.js'
import { publicUrls } from '../report/outputs.js'
import { cell } from '../report/summary.js'
import type { GitHubRest } from './rest.js'

/** GitHub refuses comment bodies over 65536 characters. */
export const MAX_COMMENT = 65536

export function marker(key: string): string {
  return `<!-- ukc-deploy preview: ${key.replace(/--+/g, '-')} -->`
}

export interface CommentContext {
  pr: number
  sha: string
  runUrl?: string
  /** The PR closed and its preview was deleted. */
  closed: boolean
}

export function renderComment(key: string, result: RunResult, ctx: CommentContext): string {
  const sha = ctx.sha.slice(0, 7)
  const run = ctx.runUrl ? ` · [run](${ctx.runUrl})` : ''
  const head = `${marker(key)}\n`
  if (ctx.closed) {
    const ok = result.status !== 'error'
    return `${head}### 🧹 Preview of #${ctx.pr} ${ok ? 'deleted' : 'not fully deleted'}\n\n${ok ? 'The pull request closed, so its preview was deleted.' : `Deleting the preview failed: ${cell(result.error ?? 'see the run')}. A scheduled sweep will retry.`}\n\n<sub>at ${sha}${run}</sub>\n`
  }
  const icon =
    result.status === 'success' ? '🚀' : result.status === 'partial_success' ? '⚠️' : '❌'
  const url = publicUrls(result.objects)[0]
  const rows = result.objects
    .filter((o) => o.kind === 'instance')
    .map(
      (o) =>
        `| ${cell(o.name)} | ${cell(o.state)} | ${o.fqdns[0] ? `https://${o.fqdns[0]}` : ''} | ${o.error ? `❌ ${cell(o.error)}` : ''} |`
    )
  const table =
    rows.length > 0
      ? `| Instance | State | URL | Error |\n|---|---|---|---|\n${rows.join('\n')}\n\n`
      : ''
  const error = result.error ? `> ${cell(result.error)}\n\n` : ''
  let body = `${head}### ${icon} Preview of #${ctx.pr}${url ? `: ${url}` : ''}\n\n${error}${table}<sub>deployed ${sha}${run} · ukc-deploy</sub>\n`
  if (body.length > MAX_COMMENT)
    body = `${body.slice(0, MAX_COMMENT - 200)}\n\n… (trimmed to GitHub's comment size limit; the job summary has everything)\n`
  return body
}

interface Comment {
  id: number
  body?: string
  user?: { login?: string; type?: string } | null
}

/** The login the token writes as: GITHUB_TOKEN cannot read /user, and writes as github-actions[bot]. */
async function ownLogin(rest: GitHubRest): Promise<string> {
  try {
    const { data } = await rest.request<{ login: string }>('GET', '/user')
    return data.login
  } catch {
    return 'github-actions[bot]'
  }
}

/** Creates the comment, or updates the one this token left before. Returns its id and what was done. */
export async function upsertComment(
  rest: GitHubRest,
  repo: string,
  pr: number,
  key: string,
  body: string
): Promise<{ id: number; action: 'created' | 'updated' }> {
  const [login, comments] = await Promise.all([
    ownLogin(rest),
    rest.all<Comment>(`/repos/${repo}/issues/${pr}/comments`)
  ])
  const mine = comments.find((c) => c.user?.login === login && (c.body ?? '').includes(marker(key)))
  if (mine) {
    await rest.request('PATCH', `/repos/${repo}/issues/comments/${mine.id}`, { body })
    return { id: mine.id, action: 'updated' }
  }
  const { data } = await rest.request<{ id: number }>(
    'POST',
    `/repos/${repo}/issues/${pr}/comments`,
    { body }
  )
  return { id: data.id, action: 'created' }
}
