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

/**
 * The result of a run, judged as `verdict` says (taken before any rollback changed the rows).
 * `error` is a run-level failure (bad input, auth, timeout): the status is `error` and the
 * step fails, whatever the objects say.
 */
export function runResult(
  command: Command,
  progress: Progress,
  verdict: { status: RunStatus; failed: boolean },
  error?: string
): RunResult {
  return {
    command,
    status: error !== undefined ? 'error' : verdict.status,
    failed: error !== undefined || verdict.failed,
    ...(error !== undefined ? { error } : {}),
    objects: progress.ledger.all(),
    plan: progress.plan,
    notes: progress.notes
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
