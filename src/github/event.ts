/** What triggered the workflow, read from GITHUB_EVENT_NAME and the payload at GITHUB_EVENT_PATH. */
import { readFileSync } from 'node:fs'

export interface PullRequestEvent {
  number: number
  action: string
  headSha: string
  /** The head branch lives in another repository: its GITHUB_TOKEN is read-only, secrets absent. */
  fork: boolean
  merged: boolean
}

export interface WorkflowEvent {
  name: string
  /** The event is about a pull request (opened, reviewed, commented on, ...). */
  aboutPr: boolean
  /** `owner/name` of the repository the workflow runs in. */
  repository?: string
  pr?: PullRequestEvent
  sha?: string
  runUrl?: string
  /** An indirect event (a check suite) that lists several pull requests: which is unclear. */
  ambiguous?: number[]
}

/** Events that are always about a pull request; `issue_comment` is when its issue is one. */
const PR_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread'
])

/** A pull request as the check and workflow_run events list them. */
interface ListedPr {
  number?: number
  head?: { sha?: string }
}

/** The run or suite an indirect event is about, with the pull requests it belongs to. */
interface Indirect {
  event?: string
  head_sha?: string
  pull_requests?: ListedPr[]
  head_repository?: { full_name?: string } | null
  check_suite?: Indirect
}

interface Payload {
  action?: string
  number?: number
  repository?: { full_name?: string }
  workflow_run?: Indirect
  check_suite?: Indirect
  check_run?: Indirect
  issue?: { number?: number; pull_request?: unknown }
  pull_request?: {
    number?: number
    merged?: boolean
    head?: { sha?: string; repo?: { full_name?: string; fork?: boolean } | null }
    base?: { repo?: { full_name?: string } }
  }
}

/** Events that carry the pull requests they are about in a list, rather than as the payload. */
const INDIRECT: Record<string, (p: Payload) => Indirect | undefined> = {
  workflow_run: (p) => p.workflow_run,
  check_suite: (p) => p.check_suite,
  check_run: (p) => p.check_run && { ...p.check_run.check_suite, ...p.check_run }
}

/**
 * A `workflow_run`, `check_suite` or `check_run` about a pull request is a preview of it: it
 * runs with the base repository's secrets and a write token, so it must never reach the
 * production names. GitHub lists no pull request when the head is in a fork; then the event is
 * still about one (the run was triggered by `pull_request*`), and previewOf refuses it.
 */
function indirectPr(name: string, payload: Payload, env: Record<string, string | undefined>) {
  const about = INDIRECT[name]?.(payload)
  if (!about) return undefined
  const listed = about.pull_requests ?? []
  const triggeredByPr = about.event?.startsWith('pull_request') ?? false
  if (listed.length === 0 && !triggeredByPr) return undefined
  const base = payload.repository?.full_name ?? env.GITHUB_REPOSITORY
  const head = about.head_repository?.full_name
  return {
    listed,
    pr:
      listed.length === 1
        ? {
            number: listed[0].number ?? 0,
            action: payload.action ?? '',
            headSha: about.head_sha ?? listed[0].head?.sha ?? '',
            fork: head !== undefined && base !== undefined && head !== base,
            merged: false
          }
        : undefined
  }
}

export function readEvent(env: Record<string, string | undefined>): WorkflowEvent {
  const name = env.GITHUB_EVENT_NAME ?? ''
  let payload: Payload = {}
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Payload
    } catch {
      payload = {}
    }
  }
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined
  const isCommentOnPr = name === 'issue_comment' && payload.issue?.pull_request !== undefined
  const event: WorkflowEvent = {
    name,
    aboutPr: PR_EVENTS.has(name) || isCommentOnPr,
    repository: env.GITHUB_REPOSITORY,
    sha: env.GITHUB_SHA,
    runUrl
  }
  const indirect = indirectPr(name, payload, env)
  if (indirect) {
    event.aboutPr = true
    event.pr = indirect.pr
    if (indirect.listed.length > 1) event.ambiguous = indirect.listed.map((p) => p.number ?? 0)
    return event
  }
  const pr = payload.pull_request ?? (isCommentOnPr ? {} : undefined)
  if (event.aboutPr && pr) {
    const head = pr.head?.repo?.full_name
    const base = pr.base?.repo?.full_name
    event.pr = {
      number: pr.number ?? payload.number ?? payload.issue?.number ?? 0,
      action: payload.action ?? '',
      headSha: pr.head?.sha ?? env.GITHUB_SHA ?? '',
      fork:
        Boolean(pr.head?.repo?.fork && head !== base) ||
        (head !== undefined && base !== undefined && head !== base),
      merged: Boolean(pr.merged)
    }
  }
  return event
}

/**
 * The PR to preview, or undefined when not in preview mode. Every event about a pull request
 * is a preview (`auto`); one whose PR number cannot be read is an error, never a deploy to
 * the production names. `preview: true` needs an event about a pull request.
 */
export function previewOf(
  mode: 'auto' | 'true' | 'false',
  event: WorkflowEvent
): PullRequestEvent | undefined {
  if (mode === 'false') return undefined
  if (event.pr && event.pr.number > 0) return event.pr
  if (event.ambiguous)
    throw new Error(
      `preview: this '${event.name}' event is about ${event.ambiguous.length} pull requests (${event.ambiguous.map((n) => `#${n}`).join(', ')}), so which preview to deploy is unclear; nothing was deployed (run the preview from the pull_request event, or set preview: false to deploy the names as written)`
    )
  if (event.aboutPr && INDIRECT[event.name])
    throw new Error(
      `preview: this '${event.name}' event was triggered by a pull request, but GitHub lists none in it (it does so when the pull request comes from a fork); nothing was deployed, and production's names are never used for it (see README, "Previews of forks")`
    )
  if (event.aboutPr)
    throw new Error(
      `preview: this '${event.name}' event is about a pull request, but its number could not be read from the event payload (GITHUB_EVENT_PATH); nothing was deployed (set preview: false to deploy the names as written)`
    )
  if (mode === 'true')
    throw new Error(
      `preview: true needs an event about a pull request (pull_request, pull_request_target, a review or a comment on one) to take the PR number from; this run is '${event.name || 'unknown'}'`
    )
  return undefined
}
