/**
 * One run of the engine for one command: dispatch, outcome per `fail-on`, rollback per
 * `on-failure`. Whatever happens, it returns a RunResult (never throws), so every output is
 * set on every path.
 */
import type { Spec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { remove, start, status, stop, targetsOf } from './batch.js'
import { deploy } from './deploy.js'
import { sweep } from './sweep.js'
import { newProgress, type Progress } from './ledger.js'
import { key, teardown } from './teardown.js'
import type { EngineOptions, Kind, Logger, ObjectResult, RunResult, RunStatus } from './types.js'

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
  const stepFails =
    failOn === 'any'
      ? failed > 0
      : failOn === 'all'
        ? failed > 0 && failed === objects.length
        : false
  return { status, failed: stepFails }
}

async function dispatch(
  client: UkcClient,
  spec: Spec | undefined,
  opts: EngineOptions,
  log: Logger,
  progress: Progress
): Promise<void> {
  switch (opts.command) {
    case 'deploy':
    case 'plan':
      if (!spec)
        throw new Error(
          `${opts.command} needs a spec: the spec input (a file or inline YAML), or the shorthand inputs name and image`
        )
      return deploy(client, spec, opts, log, progress)
    case 'sweep':
      return sweep(client, opts, log, progress)
    default: {
      const targets = targetsOf(spec, opts.names)
      if (targets.length === 0)
        throw new Error(
          `${opts.command} needs instances: the names input (names or UUIDs, one per line) or a spec`
        )
      if (opts.command === 'status') return status(client, targets, progress)
      if (opts.command === 'start') return start(client, targets, opts, log, progress)
      if (opts.command === 'stop') return stop(client, targets, opts, log, progress)
      return remove(client, spec, targets, opts, log, progress)
    }
  }
}

/** Deletes what this run created (instances first), so a failed run leaves nothing behind. */
async function rollback(
  client: UkcClient,
  progress: Progress,
  opts: EngineOptions,
  log: Logger
): Promise<void> {
  const created = progress.ledger.all().filter((o) => o.createdByRun && o.action !== 'replaced')
  if (created.length === 0) return
  await log.group(`Rolling back ${created.length} object(s) this run created`, async () => {
    const names = (kind: Kind): string[] =>
      created.filter((o) => o.kind === kind).map((o) => o.name)
    // Past the run's deadline still gets a short, bounded window: leaving orphans is worse.
    const deadline = Math.max(opts.deadline, Date.now() + 15000)
    const gone = await teardown(
      client,
      {
        instance: names('instance'),
        service_group: names('service_group'),
        volume: names('volume'),
        certificate: names('certificate')
      },
      0,
      deadline
    )
    for (const o of created) {
      if (gone.get(key(o.kind, o.name))?.ok) {
        const error = o.error ? `${o.error} (rolled back)` : 'rolled back because the run failed'
        progress.ledger.set(o.kind, o.name, {
          createdByRun: false,
          state: 'deleted',
          error,
          action: o.action === 'failed' ? 'failed' : 'deleted'
        })
      } else
        progress.notes.push(
          `rollback could not delete ${o.kind} '${o.name}' (${o.uuid ?? 'no uuid'}); delete it by hand`
        )
    }
  })
}

export async function runEngine(
  client: UkcClient,
  spec: Spec | undefined,
  opts: EngineOptions,
  log: Logger
): Promise<RunResult> {
  const progress = newProgress((m) => log.warning(m))
  let error: string | undefined
  try {
    await dispatch(client, spec, opts, log, progress)
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  }
  let { status, failed } = outcome(progress.ledger.all(), opts.failOn)
  if (error) {
    status = 'error'
    failed = true
  }
  if (failed && opts.onFailure === 'rollback' && opts.command === 'deploy') {
    try {
      await rollback(client, progress, opts, log)
    } catch (err) {
      progress.notes.push(
        `rollback failed: ${err instanceof Error ? err.message : String(err)}; check the objects listed as created`
      )
    }
  }
  return {
    command: opts.command,
    status,
    failed,
    error,
    objects: progress.ledger.all(),
    plan: progress.plan,
    notes: progress.notes
  }
}
