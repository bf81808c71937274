/**
 * The action: inputs → spec → engine → outputs, job summary and annotations, with the GitHub
 * side (preview comment, Deployment) around it. Secrets are masked before anything else
 * happens, and every output is set on every path.
 */
import * as core from '@actions/core'
import { earlyResult } from './engine/result.js'
import type { Logger, RunResult } from './engine/types.js'
import { messageOf, type Wording } from './fields.js'
import { previewOf, readEvent, type PullRequestEvent, type WorkflowEvent } from './github/event.js'
import type { GitHubSide } from './github/side.js'
import { COMMANDS, lines, readInputs, type Command, type Inputs } from './inputs.js'
import { invoke } from './invoke.js'
import { outcomeLines } from './report/outcome.js'
import { outputsOf } from './report/outputs.js'
import { summaryMarkdown } from './report/summary.js'
import { neutral } from './report/neutral.js'
import type { SpecError } from './spec/problems.js'

/**
 * Every line the action logs may carry server text (reasons, states, messages): each is one
 * line, with control characters shown and `::`/`##[` broken, so it can never forge a workflow
 * command (the toolkit escapes only `%`, CR and LF in a command's data) or move a terminal.
 */
const oneLine = (m: string): string => neutral(m)

/** Messages name what the user sets as the action's inputs. */
export const ACTION_WORDS: Wording = {
  name: (field) =>
    field === 'token'
      ? 'the token input (e.g. token: ${{ secrets.UKC_TOKEN }}) or the UKC_TOKEN environment variable'
      : field === 'shorthand'
        ? 'the shorthand inputs name and image'
        : `the ${field} input`,
  label: (field) => field
}

const logger: Logger = {
  info: (m) => core.info(oneLine(m)),
  warning: (m) => core.warning(oneLine(m)),
  debug: (m) => core.debug(oneLine(m)),
  group: (title, fn) => core.group(oneLine(title), fn)
}

/**
 * The token and the whole secret-env input, masked before the first line is logged: every
 * value, and every line as it stands (a line without `=` is still a secret someone pasted).
 */
function maskSecrets(): string {
  const token = (core.getInput('token') || process.env.UKC_TOKEN || '').trim()
  if (token) core.setSecret(token)
  for (const line of lines(core.getInput('secret-env'))) {
    const value = line.includes('=') ? line.slice(line.indexOf('=') + 1).trim() : line.trim()
    if (value) core.setSecret(value)
  }
  return token
}

/**
 * GitHub shows about 10 error annotations per step, and the step's own failure is one of them:
 * past that, the rest are counted in one annotation instead of lost from view.
 */
const MAX_ERROR_ANNOTATIONS = 10

type Annotation = { message: string; props: core.AnnotationProperties }

function annotate(result: RunResult, specError?: SpecError): void {
  const errors: Annotation[] = []
  for (const p of specError?.problems ?? []) {
    // Only real files get a file annotation; inline specs and inputs are named in the text.
    const isFile =
      p.line !== undefined &&
      !p.file.startsWith('input ') &&
      p.file !== 'spec' &&
      p.file !== 'inputs'
    errors.push({
      message: oneLine(`${p.path ? `${p.path}: ` : ''}${p.message}`),
      props: isFile
        ? { title: 'ukc-deploy: spec', file: p.file, startLine: p.line, startColumn: p.column }
        : { title: `ukc-deploy: ${p.file}` }
    })
  }
  for (const o of result.objects.filter((x) => x.action === 'failed'))
    errors.push({
      message: oneLine(o.error ?? 'failed'),
      props: { title: oneLine(`ukc-deploy: ${o.kind.replace('_', ' ')} ${o.name}`) }
    })
  const room = MAX_ERROR_ANNOTATIONS - (result.failed ? 1 : 0)
  const shown = errors.length > room ? errors.slice(0, room - 1) : errors
  for (const e of shown) core.error(e.message, e.props)
  if (shown.length < errors.length)
    core.error(
      `…and ${errors.length - shown.length} more failed; the job summary lists every one`,
      { title: 'ukc-deploy' }
    )
}

async function report(result: RunResult, specError?: SpecError): Promise<void> {
  for (const [name, value] of Object.entries(outputsOf(result))) core.setOutput(name, value)
  annotate(result, specError)
  for (const note of result.notes) core.notice(oneLine(note), { title: 'ukc-deploy' })
  try {
    await core.summary.addRaw(summaryMarkdown(result)).write()
  } catch (err) {
    core.warning(
      oneLine(
        `Could not write the job summary: ${err instanceof Error ? err.message : String(err)}`
      )
    )
  }
  // A spec error is annotated problem by problem above; its outcome line only counts them.
  if (!specError) for (const line of outcomeLines(result)) core.info(oneLine(line))
  if (result.failed)
    core.setFailed(
      oneLine(
        // Each spec problem is annotated above already: the failure names the count, once.
        specError
          ? `ukc-deploy ${result.command}: the spec has ${specError.problems.length} problem(s); see the annotations above`
          : `ukc-deploy ${result.command}: ${result.error ?? `${result.status}: ${result.objects.filter((o) => o.action === 'failed').length} object(s) failed`}`
      )
    )
}

/**
 * A pull request without a UKC token is skipped, not failed: GitHub gives fork pull requests
 * (and Dependabot's) no secrets, so the step ends green with outputs set. The notice is
 * printed once, by report().
 */
function prWithoutToken(event: WorkflowEvent, token: string): RunResult | undefined {
  if (!event.pr || token) return undefined
  const note = event.pr.fork
    ? `Skipped: pull request #${event.pr.number} comes from a fork, and GitHub gives fork pull requests no secrets, so there is no UKC token. Deploy previews of forks with a label-gated pull_request_target workflow (see README, "Previews of forks").`
    : `Skipped: pull request #${event.pr.number} has no UKC token (GitHub gives Dependabot's pull requests, and forks', no secrets; otherwise check that the token input is set, e.g. token: \${{ secrets.UKC_TOKEN }}).`
  return earlyResult('deploy', { note })
}

/** A preview belongs to the repository the workflow runs in; without it there is no owner. */
function repositoryOf(event: WorkflowEvent): string {
  if (!event.repository)
    throw new Error(
      'preview mode needs GITHUB_REPOSITORY (owner/name): previews carry their repository in their names'
    )
  return event.repository
}

/** What this run does, and which GitHub pieces it touches: decided once, from inputs and event. */
interface Policy {
  command: Command
  /** Preview mode: the pull request the objects belong to. */
  pr?: PullRequestEvent
  /** A sticky comment and/or a Deployment around the engine run. */
  aroundRun: boolean
  comment: boolean
  /** The PR closed: its preview is being deleted. */
  closing: boolean
  /** The GitHub side (Octokit) loads only for a run that uses it: around the run, or sweep. */
  needsGitHub: boolean
}

function policyFor(inputs: Inputs, event: WorkflowEvent): Policy {
  const pr = previewOf(inputs.preview, event)
  // `closed` turns a preview deploy into the deletion of that PR's objects.
  const closing = pr !== undefined && event.pr?.action === 'closed' && inputs.command === 'deploy'
  const command: Command = closing ? 'delete' : inputs.command
  const touches = command === 'deploy' || (pr !== undefined && command === 'delete')
  const aroundRun = touches && (pr !== undefined || inputs.environment !== undefined)
  return {
    command,
    pr,
    aroundRun,
    comment: inputs.comment && (command === 'deploy' || command === 'delete'),
    closing: pr !== undefined && command === 'delete',
    needsGitHub: command === 'sweep' || aroundRun
  }
}

async function gitHubSide(
  inputs: Inputs,
  event: WorkflowEvent,
  policy: Policy
): Promise<GitHubSide> {
  const { GitHubSide } = await import('./github/side.js')
  return new GitHubSide({
    token: inputs.githubToken,
    deadline: Date.now() + inputs.timeoutSeconds * 1000,
    apiUrl: process.env.GITHUB_API_URL,
    event,
    preview: policy.pr,
    comment: policy.comment,
    environment: inputs.environment,
    specKey: specKey(inputs),
    closing: policy.closing,
    warn: (m) => core.warning(oneLine(m)),
    info: (m) => core.info(oneLine(m))
  })
}

function specKey(inputs: Inputs): string {
  if (inputs.spec && !inputs.spec.includes('\n')) return inputs.spec.trim()
  return inputs.shorthand.name ? `name:${inputs.shorthand.name}` : 'inline'
}

export async function run(): Promise<void> {
  const token = maskSecrets()
  const event = readEvent(process.env)
  const skipped = prWithoutToken(event, token)
  if (skipped) return report(skipped)
  // The command as given, for reports of a run whose inputs were bad.
  const asked = core.getInput('command').trim().toLowerCase()
  let command: Command = (COMMANDS as readonly string[]).includes(asked)
    ? (asked as Command)
    : 'deploy'
  let side: GitHubSide | undefined
  try {
    const inputs = readInputs((name) => core.getInput(name))
    const policy = policyFor(inputs, event)
    command = policy.command
    const { pr } = policy
    if (policy.closing && command !== inputs.command)
      core.info(`Pull request #${pr!.number} closed: deleting its preview`)
    if (policy.needsGitHub) side = await gitHubSide(inputs, event, policy)
    if (policy.aroundRun) await side?.begin()
    const { result, specError } = await invoke({
      inputs: { ...inputs, command },
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      env: process.env,
      words: ACTION_WORDS,
      logger,
      debug: (line) => core.debug(line),
      preview: pr ? { repository: repositoryOf(event), pr: pr.number } : undefined,
      repository: event.repository,
      prState: command === 'sweep' ? side?.prState() : undefined,
      onSecret: (value) => core.setSecret(value),
      provenance: {
        commit: pr?.headSha || event.sha,
        runUrl: event.runUrl,
        prUrl:
          pr && event.repository
            ? `${process.env.GITHUB_SERVER_URL || 'https://github.com'}/${event.repository}/pull/${pr.number}`
            : undefined
      }
    })
    if (policy.aroundRun) await side?.finish(result)
    await report(result, specError)
  } catch (err) {
    await report(earlyResult(command, { error: messageOf(err, ACTION_WORDS) }))
  } finally {
    side?.dispose()
  }
}
