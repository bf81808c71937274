/**
 * GitHub Deployments: a deployment per run in the environment (`preview/pr-<N>` for
 * previews, transient), `in_progress` then `success` or `failure` with the URL and the run's
 * log, and `inactive` when the preview is deleted.
 */
import type { GitHubRest } from './rest.js'

export interface DeploymentTarget {
  repo: string
  ref: string
  environment: string
  transient: boolean
}

export async function startDeployment(
  rest: GitHubRest,
  t: DeploymentTarget,
  logUrl?: string
): Promise<number> {
  const { data } = await rest.request<{ id: number }>('POST', `/repos/${t.repo}/deployments`, {
    ref: t.ref,
    environment: t.environment,
    transient_environment: t.transient,
    production_environment: false,
    auto_merge: false,
    required_contexts: [],
    description: 'ukc-deploy'
  })
  await setStatus(rest, t.repo, data.id, { state: 'in_progress', log_url: logUrl })
  return data.id
}

export async function setStatus(
  rest: GitHubRest,
  repo: string,
  id: number,
  s: {
    state: 'in_progress' | 'success' | 'failure' | 'error' | 'inactive'
    environment_url?: string
    log_url?: string
    description?: string
  }
): Promise<void> {
  const body: Record<string, unknown> = { state: s.state, auto_inactive: false }
  if (s.environment_url) body.environment_url = s.environment_url
  if (s.log_url) body.log_url = s.log_url
  if (s.description) body.description = s.description.slice(0, 140)
  await rest.request('POST', `/repos/${repo}/deployments/${id}/statuses`, body)
}

/** Marks every deployment of the environment inactive (the preview is gone). */
export async function deactivate(
  rest: GitHubRest,
  repo: string,
  environment: string,
  logUrl?: string
): Promise<number> {
  const list = await rest.all<{ id: number }>(
    `/repos/${repo}/deployments?environment=${encodeURIComponent(environment)}`
  )
  for (const d of list)
    await setStatus(rest, repo, d.id, {
      state: 'inactive',
      log_url: logUrl,
      description: 'preview deleted'
    })
  return list.length
}

/** `open` or `closed`; `unknown` when GitHub cannot say (never delete on a guess). */
export async function pullState(
  rest: GitHubRest,
  repo: string,
  n: number
): Promise<'open' | 'closed' | 'unknown'> {
  try {
    const { data } = await rest.request<{ state?: string }>('GET', `/repos/${repo}/pulls/${n}`)
    return data.state === 'closed' ? 'closed' : data.state === 'open' ? 'open' : 'unknown'
  } catch {
    return 'unknown'
  }
}
