/**
 * One command, from checked inputs to a RunResult: load the spec (renamed for a preview),
 * build the client, run the engine. Shared by the action and the CLI; it never throws, so
 * both can always report.
 */
import { earlyResult } from './engine/result.js'
import { runEngine } from './engine/run.js'
import type { EngineOptions, Logger, Provenance, RunResult } from './engine/types.js'
import { FieldError, messageOf, type Wording } from './fields.js'
import type { Inputs } from './inputs.js'
import { engineOptions } from './options.js'
import { loadSpec } from './spec/load.js'
import { loadYamlParser } from './spec/yaml.js'
import { isPreviewOf, previewSpec, previewSuffix, type PreviewOwner } from './spec/preview.js'
import { SpecError } from './spec/problems.js'
import { UkcClient } from './ukc/client.js'
import { masker } from './report/neutral.js'

export interface Invocation {
  inputs: Inputs
  /** Relative spec paths resolve here; spec files must stay inside it when `confined`. */
  workspace: string
  /**
   * Whether the spec and certificate files must lie inside the workspace (the action: the
   * repository; default). The CLI on a laptop reads a file wherever it is named.
   */
  confined?: boolean
  env: Record<string, string | undefined>
  /** How the front end names settings in messages (action inputs, CLI flags). */
  words: Wording
  logger: Logger
  debug?: (line: string) => void
  /** Preview mode: every name gets `-pr<N>-<owner tag>`, and only such names may be touched. */
  preview?: PreviewOwner
  /** `owner/name` of the repository (sweep deletes only its previews). */
  repository?: string
  /** sweep asks whether a PR is open. */
  prState?: EngineOptions['prState']
  /** Masks a secret found in the spec (a certificate key) before anything is logged. */
  onSecret?: (value: string) => void
  /** The commit, CI run and PR this deploy comes from, for the instances' annotations. */
  provenance?: Provenance
}

export interface Invoked {
  result: RunResult
  /** Set when the spec was at fault, with every problem and where it is. */
  specError?: SpecError
}

/** UKC_REQUEST_TIMEOUT_MS overrides the per-request timeout (30 s) for slow networks, or tests. */
function requestTimeout(env: Record<string, string | undefined>): number | undefined {
  const v = Number(env.UKC_REQUEST_TIMEOUT_MS)
  return Number.isInteger(v) && v >= 100 ? v : undefined
}

/** In preview mode, names given to delete (or any command) must be this repository's PR's. */
function guardPreviewNames(names: string[], owner: PreviewOwner): void {
  const foreign = names.filter((n) => !isPreviewOf(n, owner))
  if (foreign.length > 0)
    throw new FieldError(
      'foreign-names',
      'names',
      (w) =>
        `${w.label('names')}: in preview mode only this pull request's objects (names ending in ${previewSuffix(owner)}) may be touched; refused: ${foreign.join(', ')}`
    )
}

/**
 * Every string of a result with the run's secrets replaced by `***`: an API error may quote a
 * value back (a key sent in the wrong field), and the summary, the PR comment and the outputs
 * are not masked by the runner.
 */
function scrubbed(result: RunResult, secrets: Set<string>): RunResult {
  const mask = masker(secrets)
  const scrub = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : mask(text)
  return {
    ...result,
    error: scrub(result.error),
    notes: result.notes.map((n) => scrub(n)!),
    plan: result.plan.map((p) => ({ ...p, reason: scrub(p.reason)! })),
    objects: result.objects.map((o) => ({
      ...o,
      error: scrub(o.error),
      state: scrub(o.state),
      logTail: scrub(o.logTail)
    }))
  }
}

/** The secrets the inputs hold: the token, and every secret-env line and value. */
export function secretsOf(inputs: Pick<Inputs, 'token' | 'secretEnv'>): Set<string> {
  const secrets = new Set<string>([inputs.token])
  for (const line of inputs.secretEnv) {
    secrets.add(line.trim())
    if (line.includes('=')) secrets.add(line.slice(line.indexOf('=') + 1).trim())
  }
  return secrets
}

export async function invoke(inv: Invocation): Promise<Invoked> {
  const secrets = secretsOf(inv.inputs)
  const onSecret = (value: string): void => {
    secrets.add(value)
    inv.onSecret?.(value)
  }
  const invoked = await invokeEngine({ ...inv, onSecret })
  return { ...invoked, result: scrubbed(invoked.result, secrets) }
}

/** A spec error whose problems in an input's text name the input as the front end does. */
function worded(err: SpecError, words: Wording): SpecError {
  const input = words.input
  if (!input) return err
  return new SpecError(
    err.problems.map((p) => {
      const m = /^input '([a-z-]+)'$/.exec(p.file)
      return m ? { ...p, file: input(m[1]) } : p
    })
  )
}

async function invokeEngine(inv: Invocation): Promise<Invoked> {
  const { inputs } = inv
  const startedAt = Date.now()
  try {
    if (inputs.spec?.trim()) await loadYamlParser()
    let spec = loadSpec({
      spec: inputs.spec,
      shorthand: inputs.shorthand,
      secretEnv: inputs.secretEnv,
      previewEnv: inputs.previewEnv,
      workspace: inv.workspace,
      env: inv.env,
      onSecret: inv.onSecret,
      preview: inv.preview !== undefined,
      confined: inv.confined ?? true
    })
    let notices: string[] = []
    if (inv.preview) {
      guardPreviewNames(inputs.names, inv.preview)
      if (spec) ({ spec, notices } = previewSpec(spec, inv.preview))
    }
    const opts: EngineOptions = {
      ...engineOptions(inputs, {
        startedAt,
        preview: inv.preview !== undefined,
        env: inv.env,
        words: inv.words
      }),
      prState: inv.prState,
      preview: inv.preview,
      repository: inv.repository,
      provenance: inv.provenance ?? { commit: inv.env.GITHUB_SHA }
    }
    const client = new UkcClient({
      token: inputs.token,
      metro: inputs.metro,
      apiUrl: inputs.apiUrl,
      generation: inputs.apiGeneration,
      deadline: opts.deadline,
      requestTimeoutMs: requestTimeout(inv.env),
      debug: inv.debug
    })
    inv.logger.info(
      `ukc-deploy ${inputs.command}${inv.preview ? ` (preview of #${inv.preview.pr})` : ''} against ${client.baseUrl} (${client.generation} API)`
    )
    try {
      const result = await runEngine(client, spec, opts, inv.logger)
      result.notes.unshift(...notices)
      return { result }
    } finally {
      client.close()
    }
  } catch (err) {
    const specError = err instanceof SpecError ? worded(err, inv.words) : undefined
    return {
      result: earlyResult(inputs.command, { error: messageOf(specError ?? err, inv.words) }),
      specError
    }
  }
}
