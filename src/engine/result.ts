/** The RunResult, built in one place: from what a run recorded, or for a run that never started. */
import type { Progress } from './ledger.js'
import type { Command, EngineOptions, ObjectResult, RunResult, RunStatus } from './types.js'

/** Status per the objects, and whether the step fails per `fail-on`. */
export function outcome(
  objects: ObjectResult[],
  failOn: EngineOptions['failOn']
): { status: RunStatus; failed: boolean } {
  const failed = objects.filter((o) => o.action === 'failed').length
  // The instances are what the user asked for: when every one of them failed, a service
  // group that was made along the way does not make the run a partial success.
  const instances = objects.filter((o) => o.kind === 'instance')
  const allInstancesFailed = instances.length > 0 && instances.every((o) => o.action === 'failed')
  const status: RunStatus =
    failed === 0
      ? 'success'
      : failed === objects.length || allInstancesFailed
        ? 'error'
        : 'partial_success'
  // `all` fails the step exactly when the status says error: everything the run tried
  // failed (or every instance did), so nothing it was asked for serves.
  const stepFails = failOn === 'any' ? failed > 0 : failOn === 'all' ? status === 'error' : false
  return { status, failed: stepFails }
}

/** States in which an instance serves (standby wakes on a request). */
const SERVING_STATES = new Set(['running', 'standby', 'starting'])

/** Whether any instance of the result still serves: one that did not fail, and was not rolled back. */
export function stillServing(objects: ObjectResult[]): boolean {
  return objects.some(
    (o) =>
      o.kind === 'instance' &&
      o.action !== 'failed' &&
      !o.rolledBack &&
      !o.foreign &&
      SERVING_STATES.has(o.state ?? '')
  )
}

/**
 * What to do about a failed row, where there is one thing to do; the console is shown below
 * the tables in the summary and comment, and after the table on the CLI's stderr.
 */
export function nextStep(o: ObjectResult): string | undefined {
  const e = o.error ?? ''
  if (/out of memory|ENOMEM/.test(e)) return 'raise memory_mb'
  if (/No image with tag|image .* not found|NOMEDIUM|no @sha256: digest/.test(e))
    return 'check the image name'
  if (o.logTail) return 'see its console below'
  return undefined
}

const withNextStep = (o: ObjectResult): ObjectResult => {
  const next = o.action === 'failed' ? nextStep(o) : undefined
  return next && !o.error!.endsWith(next) ? { ...o, error: `${o.error}; ${next}` } : o
}

/**
 * The result of a run, judged as `verdict` says (taken before any rollback changed the rows),
 * except that a partial success whose rollback left nothing serving is an error: nothing the
 * user asked for runs. `error` is a run-level failure (bad input, auth, timeout): the status
 * is `error` and the step fails, whatever the objects say.
 */
export function runResult(
  command: Command,
  progress: Progress,
  verdict: { status: RunStatus; failed: boolean },
  error?: string
): RunResult {
  const objects = progress.ledger.all().map(withNextStep)
  const rolledBackToNothing =
    verdict.status === 'partial_success' &&
    objects.some((o) => o.rolledBack) &&
    !stillServing(objects)
  return {
    command,
    status: error !== undefined || rolledBackToNothing ? 'error' : verdict.status,
    failed: error !== undefined || verdict.failed,
    ...(error !== undefined ? { error } : {}),
    objects,
    plan: progress.plan,
    notes: progress.notes,
    ...(progress.expiresAt !== undefined
      ? { expiresAt: new Date(progress.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') }
      : {})
  }
}

/** A run that ended before the engine could start (bad input, bad spec, a skipped PR). */
export function earlyResult(
  command: Command,
  end: { error: string } | { note: string }
): RunResult {
  if ('error' in end)
    return {
      command,
      status: 'error',
      failed: true,
      error: end.error,
      objects: [],
      plan: [],
      notes: []
    }
  return { command, status: 'success', failed: false, objects: [], plan: [], notes: [end.note] }
}
