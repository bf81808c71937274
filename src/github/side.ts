/**
 * Everything the action does on GitHub around a run: the GitHub Deployment and the sticky
 * preview comment. Best effort throughout: a failure here is a warning with its cause, never
 * a failed deploy.
 */
import type { RunResult } from '../engine/types.js'
import { publicUrls } from '../report/outputs.js'
import { renderComment, upsertComment } from './comment.js'
import { deactivate, pullState, setStatus, startDeployment } from './deployment.js'
import type { PullRequestEvent, WorkflowEvent } from './event.js'
import { explain, GitHubRest } from './rest.js'

export interface SideOptions {
  token?: string
  /** Epoch ms: the run's `timeout`, which bounds every GitHub call too. */
  deadline?: number
  apiUrl?: string
  event: WorkflowEvent
  preview?: PullRequestEvent
  comment: boolean
  /** The environment input, or `preview/pr-<N>` in preview mode. */
  environment?: string
  /** Tells apart the comments of several specs on one PR. */
  specKey: string
  /** The run deletes the preview (the PR closed). */
  closing: boolean
  warn: (message: string) => void
  info: (message: string) => void
}

export class GitHubSide {
  private readonly rest?: GitHubRest
  private deploymentId?: number

  constructor(private readonly o: SideOptions) {
    if (o.token && o.event.repository)
      this.rest = new GitHubRest(o.token, o.apiUrl, { deadline: o.deadline })
  }

  get environment(): string | undefined {
    return (
      this.o.environment ?? (this.o.preview ? `preview/pr-${this.o.preview.number}` : undefined)
    )
  }

  private get wanted(): boolean {
    return Boolean(this.o.preview && this.o.comment) || this.environment !== undefined
  }

  private async attempt(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      this.o.warn(explain(err, what))
    }
  }

  /** Before the deploy: a deployment in progress. */
  async begin(): Promise<void> {
    if (!this.wanted) return
    if (!this.rest) {
      this.o.warn(
        'The PR comment and GitHub Deployment were skipped: no github-token (or no GITHUB_REPOSITORY)'
      )
      return
    }
    const env = this.environment
    if (!env || this.o.closing) return
    await this.attempt('Creating the GitHub Deployment', async () => {
      this.deploymentId = await startDeployment(
        this.rest!,
        {
          repo: this.o.event.repository!,
          ref: this.o.preview?.headSha || this.o.event.sha || 'HEAD',
          environment: env,
          transient: Boolean(this.o.preview)
        },
        this.o.event.runUrl
      )
    })
  }

  /** After the run: the deployment's outcome, and the sticky comment. */
  async finish(result: RunResult): Promise<void> {
    if (!this.rest || !this.wanted) return
    const repo = this.o.event.repository!
    const env = this.environment
    if (env && this.o.closing)
      await this.attempt('Marking the GitHub Deployment inactive', async () => {
        const n = await deactivate(this.rest!, repo, env, this.o.event.runUrl)
        this.o.info(`GitHub Deployments of ${env}: ${n} marked inactive`)
      })
    if (this.deploymentId !== undefined)
      await this.attempt('Updating the GitHub Deployment', () =>
        setStatus(this.rest!, repo, this.deploymentId!, {
          state: result.status === 'success' ? 'success' : 'failure',
          environment_url: publicUrls(result.objects)[0],
          log_url: this.o.event.runUrl,
          description: `ukc-deploy: ${result.status}`
        })
      )
    const pr = this.o.preview
    if (pr && this.o.comment)
      await this.attempt('The preview comment', async () => {
        const body = renderComment(this.o.specKey, result, {
          pr: pr.number,
          sha: pr.headSha,
          runUrl: this.o.event.runUrl,
          closed: this.o.closing
        })
        const done = await upsertComment(this.rest!, repo, pr.number, this.o.specKey, body)
        this.o.info(`Preview comment ${done.action} on #${pr.number}`)
      })
  }

  /** sweep asks whether a PR is still open. */
  prState(): ((n: number) => Promise<'open' | 'closed' | 'unknown'>) | undefined {
    if (!this.rest) return undefined
    const rest = this.rest
    const repo = this.o.event.repository!
    return (n) => pullState(rest, repo, n)
  }

  dispose(): void {
    this.rest?.dispose()
  }
}
