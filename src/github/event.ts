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
}

/** Events that are always about a pull request; `issue_comment` is when its issue is one. */
const PR_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread'
])

interface Payload {
  action?: string
  number?: number
  issue?: { number?: number; pull_request?: unknown }
  pull_request?: {
    number?: number
    merged?: boolean
    head?: { sha?: string; repo?: { full_name?: string; fork?: boolean } | null }
    base?: { repo?: { full_name?: string } }
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
