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
  /** `owner/name` of the repository the workflow runs in. */
  repository?: string
  pr?: PullRequestEvent
  sha?: string
  runUrl?: string
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target'])

interface Payload {
  action?: string
  number?: number
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
  const event: WorkflowEvent = {
    name,
    repository: env.GITHUB_REPOSITORY,
    sha: env.GITHUB_SHA,
    runUrl
  }
  const pr = payload.pull_request
  if (PR_EVENTS.has(name) && pr) {
    const head = pr.head?.repo?.full_name
    const base = pr.base?.repo?.full_name
    event.pr = {
      number: pr.number ?? payload.number ?? 0,
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

/** The PR to preview, or undefined when not in preview mode; `preview: true` needs a PR event. */
export function previewOf(
  mode: 'auto' | 'true' | 'false',
  event: WorkflowEvent
): PullRequestEvent | undefined {
  if (mode === 'false') return undefined
  if (event.pr && event.pr.number > 0) return event.pr
  if (mode === 'true')
    throw new Error(
      `preview: true needs a pull_request or pull_request_target event to take the PR number from; this run is '${event.name || 'unknown'}'`
    )
  return undefined
}
