/**
 * The sticky preview comment: one per pull request and spec, found again by a hidden marker
 * among the token's own comments (every page of them), and updated in place on every push.
 */
import type { ObjectResult, RunResult } from '../engine/types.js'
import { publicUrls } from '../report/outputs.js'
import { cell, consoleBlock, expiryLine, runtimeCell } from '../report/summary.js'
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

/** Lines of a failed instance's console shown in the comment (the summary has more). */
const CONSOLE_LINES = 15

/** `api, worker`, or `api and 3 more`. */
function names(rows: ObjectResult[]): string {
  const shown = rows.slice(0, 3).map((o) => cell(o.name))
  return rows.length > 3 ? `${shown.join(', ')} and ${rows.length - 3} more` : shown.join(', ')
}

/** The headline: what happened, and what is running now. */
function headline(result: RunResult, pr: number): string {
  const url = publicUrls(result.objects)[0]
  if (result.status === 'success') return `### 🚀 Preview of #${pr}${url ? `: ${url}` : ''}`
  const running = result.objects.filter((o) => o.kind === 'instance' && !o.rolledBack && serving(o))
  const now =
    running.length === 0
      ? 'nothing is running'
      : `${names(running)} ${running.length === 1 ? 'is' : 'are'} running${url ? ` at ${url}` : ''}`
  return result.status === 'partial_success'
    ? `### ⚠️ Preview of #${pr} partly failed — ${now}`
    : `### ❌ Preview of #${pr} failed — ${now}`
}

/** Serving now: running or on standby, not failed, not rolled back. */
const serving = (o: ObjectResult): boolean =>
  o.action !== 'failed' && !o.rolledBack && (o.state === 'running' || o.state === 'standby')

/** A failed instance: its name, its reason in words, and its console's last lines. */
function fault(o: ObjectResult): string {
  const block = o.logTail ? `\n\n${consoleBlock(o.name, o.logTail, CONSOLE_LINES)}` : ''
  return `**${cell(o.name)}** ❌ ${cell(o.error ?? 'failed')}${block}`
}

function row(o: ObjectResult): string {
  const url = serving(o) && o.fqdns[0] ? `https://${o.fqdns[0]}` : ''
  const what =
    o.action === 'failed'
      ? '❌ at fault, see above'
      : o.rolledBack
        ? 'rolled back (not at fault)'
        : '✅'
  return `| ${cell(o.name)} | ${cell(o.state)} | ${url} | ${runtimeCell(o)} | ${what} |`
}

/**
 * The comment, trimmed by rows when GitHub's size limit is near: the headline, the first
 * failures and the footer always stay, and the rows left out are counted.
 */
export function renderComment(key: string, result: RunResult, ctx: CommentContext): string {
  const sha = ctx.sha.slice(0, 7)
  const run = ctx.runUrl ? ` · [run](${ctx.runUrl})` : ''
  const head = `${marker(key)}\n`
  if (ctx.closed) {
    const ok = result.status !== 'error'
    return `${head}### 🧹 Preview of #${ctx.pr} ${ok ? 'deleted' : 'not fully deleted'}\n\n${ok ? 'The pull request closed, so its preview was deleted.' : `Deleting the preview failed: ${cell(result.error ?? 'see the run')}. A scheduled sweep will retry.`}\n\n<sub>at ${sha}${run}</sub>\n`
  }
  const instances = result.objects.filter((o) => o.kind === 'instance')
  const failed = instances.filter((o) => o.action === 'failed')
  const error = result.error ? `> ${cell(result.error)}\n\n` : ''
  const word =
    result.status === 'success'
      ? 'deployed'
      : result.status === 'partial_success'
        ? 'partly deployed'
        : 'failed at'
  const footer = `<sub>${word} ${sha}${run} · ukc-deploy</sub>\n`
  const expiry = expiryLine(result)
  const top = `${head}${headline(result, ctx.pr)}\n\n${error}${expiry ? `${expiry}\n\n` : ''}`
  // The instances at fault first, then every row (at fault or not) in one table.
  const parts = [...failed.map(fault), ...instances.map(row)]
  const faults = failed.length
  const tableHead = '| Instance | State | URL | Runtime | Result |\n|---|---|---|---|---|\n'
  const render = (kept: number): string => {
    const shownFaults = parts.slice(0, Math.min(kept, faults))
    const shownRows = parts.slice(faults, Math.max(faults, kept))
    const left = parts.length - kept
    const more =
      left > 0 ? `…and ${left} more row${left === 1 ? '' : 's'} in the job summary\n\n` : ''
    const table = shownRows.length > 0 ? `${tableHead}${shownRows.join('\n')}\n\n` : ''
    const blocks = shownFaults.length > 0 ? `${shownFaults.join('\n\n')}\n\n` : ''
    return `${top}${blocks}${table}${more}${footer}`
  }
  let kept = parts.length
  let body = render(kept)
  while (body.length > MAX_COMMENT && kept > 1) {
    // Cut in proportion to the excess, at least one row a round.
    const over = body.length - MAX_COMMENT
    kept = Math.max(1, kept - Math.max(1, Math.ceil((over / body.length) * kept) + 1))
    body = render(kept)
  }
  return body.length > MAX_COMMENT
    ? `${body.slice(0, MAX_COMMENT - footer.length - 2)}\n\n${footer}`
    : body
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
