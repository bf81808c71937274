/**
 * One run of the engine for one command: dispatch, outcome per `fail-on`, rollback per
 * `on-failure`. Whatever happens, it returns a RunResult (never throws), so every output is
 * set on every path.
 */
import { FieldError, messageOf } from '../fields.js'
import type { Spec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { remove, start, status, stop, targetsOf } from './batch.js'
import type { RunContext } from './context.js'
import { deploy } from './deploy.js'
import { newProgress } from './ledger.js'
import { outcome, runResult } from './result.js'
import { sweep } from './sweep.js'
import { templateGroup } from './kinds/template.js'
import { key, teardown } from './teardown.js'
import type { EngineOptions, Kind, Logger, ObjectResult, RunResult } from './types.js'

async function dispatch(ctx: RunContext, spec: Spec | undefined): Promise<void> {
  const { command } = ctx.opts
  if (command === 'sweep') return sweep(ctx)
  if (command === 'deploy' || command === 'plan') {
    if (!spec)
      throw new FieldError(
        'no-spec',
        'spec',
        (w) =>
          `${command} needs a spec: ${w.name('spec')} (a file or inline YAML), or ${w.name('shorthand')}`
      )
    return deploy(ctx, spec)
  }
  const targets = targetsOf(spec, ctx.opts.names)
  if (targets.length === 0)
    throw new FieldError(
      'no-names',
      'names',
      (w) =>
        `${command} needs instances: ${w.name('names')} (names or UUIDs, one per line) or a spec`
    )
  if (command === 'status') return status(ctx, targets)
  if (command === 'start') return start(ctx, targets)
  if (command === 'stop') return stop(ctx, targets)
  return remove(ctx, spec, targets)
}

/** Deletes what this run created (instances first), so a failed run leaves nothing behind. */
async function rollback({ client, opts, log, progress }: RunContext): Promise<void> {
  const { ledger } = progress
  // A template an autoscale configuration of this run now clones stays: it is in use.
  const inUse = (o: ObjectResult): boolean => {
    const group = o.kind === 'template' ? templateGroup(o.name) : undefined
    const a = group !== undefined ? ledger.get('autoscale', group) : undefined
    return a?.action === 'created' || a?.action === 'replaced'
  }
  const created = ledger.all().filter((o) => o.createdByRun && o.action !== 'replaced' && !inUse(o))
  if (created.length === 0) return
  const names = (kind: Kind): string[] => created.filter((o) => o.kind === kind).map((o) => o.name)
  await log.group(`Rolling back ${created.length} object(s) this run created`, async () => {
    // Past the run's deadline still gets a short, bounded window: leaving orphans is worse.
    const deadline = Math.max(opts.deadline, client.cleanupWindow())
    const doomed = {
      instance: names('instance'),
      service_group: names('service_group'),
      volume: names('volume'),
      template: names('template'),
      certificate: names('certificate')
    }
    // What this run locked (protect) it unlocks to take back.
    const locked = new Set(created.filter((o) => o.locked).map((o) => o.name))
    const gone = await teardown(client, doomed, 0, deadline, locked)
    for (const o of created) {
      if (!gone.get(key(o.kind, o.name))?.ok) {
        progress.notes.push(
          `rollback could not delete ${o.kind} '${o.name}' (${o.uuid ?? 'no uuid'}); delete it by hand`
        )
        continue
      }
      progress.ledger.set(o.kind, o.name, {
        createdByRun: false,
        state: 'deleted',
        rolledBack: true,
        action: o.action === 'failed' ? 'failed' : 'deleted'
      })
    }
  })
}

export async function runEngine(
  client: UkcClient,
  spec: Spec | undefined,
  opts: EngineOptions,
  log: Logger
): Promise<RunResult> {
  const ctx: RunContext = { client, opts, log, progress: newProgress((m) => log.warning(m)) }
  let error: string | undefined
  try {
    await dispatch(ctx, spec)
  } catch (err) {
    error = messageOf(err, opts.words)
  }
  const verdict = outcome(ctx.progress.ledger.all(), opts.failOn)
  if (
    (error !== undefined || verdict.failed) &&
    opts.onFailure === 'rollback' &&
    opts.command === 'deploy'
  ) {
    try {
      await rollback(ctx)
    } catch (err) {
      ctx.progress.notes.push(
        `rollback failed: ${messageOf(err, opts.words)}; check the objects listed as created`
      )
    }
  }
  const result = runResult(opts.command, ctx.progress, verdict, error)
  return opts.dryRun && opts.command === 'delete' ? { ...result, dryRun: true } : result
}
