/**
 * Replacements that cannot run twice (a read-write volume, no service group, `strategy:
 * recreate`): stop → hand over → start under the same name. They interrupt service, so the
 * run measures the gap, and they must never leave the service down: the running version is
 * recorded as observed before it is retired, and when the new one does not come up, it is
 * deleted and the previous version is created again from that record — same name, same
 * volumes — and proven up like any new instance.
 */
import type { InstanceSpec } from '../spec/schema.js'
import { shortPin } from '../ukc/images.js'
import type { Instance } from '../ukc/types.js'
import { failedWords } from './runtime.js'
import type { DeployContext } from './context.js'
import type { InstancePlan } from './kinds/instance.js'
import { fqdnOf, launch, proveUp, type Launched } from './launch.js'
import { logTails, retireForReuse } from './ops.js'
import { lockedOf } from './protect.js'

/** How long restoring the previous version may run past the deadline: boot, settle, a check. */
const RESTORE_WINDOW_MS = 30000

export interface Recreate {
  plan: InstancePlan
  /** When the old instance was asked to stop (epoch ms): the interruption starts here. */
  stoppedAt?: number
  /** The old instance is gone: its name and volumes are free. */
  retired: boolean
}

/**
 * The running version as a spec, from what the API answered about it: its pinned image and
 * config as observed, its group and volumes by name. Env the API did not return falls back to
 * the spec's (the platform returned it in every answer we have seen).
 */
export function previousVersion(have: Instance, want: InstanceSpec): InstanceSpec {
  return {
    name: want.name,
    image: have.image,
    memory_mb: have.memory_mb,
    vcpus: have.vcpus,
    args: have.args,
    env: have.env ?? want.env,
    service_group: have.service_group?.name,
    volumes: (have.volumes ?? []).map((v) => ({ name: v.name, at: v.at, readonly: v.readonly })),
    scale_to_zero: have.scale_to_zero?.policy
      ? {
          policy: have.scale_to_zero.policy,
          stateful: have.scale_to_zero.stateful,
          cooldown_time_ms: have.scale_to_zero.cooldown_time_ms
        }
      : undefined,
    restart_policy: have.restart_policy,
    features: have.features?.includes('delete-on-stop') ? ['delete-on-stop'] : [],
    where: want.where
  }
}

/** The old instances stopped (drained) and deleted, so name and volumes are free. */
export async function retireForRecreate(
  ctx: DeployContext,
  plans: InstancePlan[]
): Promise<Recreate[]> {
  if (plans.length === 0) return []
  const { client, opts, log, progress } = ctx
  return log.group(`Retiring ${plans.length} instance(s) to recreate them`, async () => {
    const stoppedAt = Date.now()
    const retired = await retireForReuse(
      client,
      plans.map((p) => p.name),
      opts.drainTimeoutMs,
      opts.deadline,
      lockedOf(plans)
    )
    return plans.map((plan) => {
      const outcome = retired.get(plan.name)
      if (outcome?.ok === false)
        progress.ledger.fail(
          'instance',
          plan.name,
          `could not retire the old instance: ${outcome.error}`
        )
      return { plan, stoppedAt, retired: outcome?.ok !== false }
    })
  })
}

const volumesOf = (spec: InstanceSpec): string => {
  const names = spec.volumes.map((v) => v.name).filter((n): n is string => n !== undefined)
  return names.length > 0 ? ` on ${names.join(', ')}` : ''
}

/** The interruption each recreate caused, old one stopped → a version running again. */
function noteInterruption(ctx: DeployContext, r: Recreate, runningAt: number): void {
  if (r.stoppedAt === undefined) return
  const s = ((runningAt - r.stoppedAt) / 1000).toFixed(1)
  ctx.progress.notes.push(
    `instance '${r.plan.name}': service was interrupted for ${s} s (recreated: ${r.plan.recreateWhy ?? 'it cannot run twice'})`
  )
}

/**
 * For every recreate whose new version did not come up: its console kept, the failed instance
 * deleted, the previous version created again under the same name and proven up. The row
 * fails either way and says both: what went wrong, and what runs now.
 */
export async function restoreFailed(
  ctx: DeployContext,
  recreates: Recreate[],
  /** When the creates answered: the new versions that came up were running from then. */
  launchedAt: number
): Promise<void> {
  const { ledger } = ctx.progress
  const done = recreates.filter((r) => r.retired)
  // A name someone else took in between is theirs: nothing of ours to restore there.
  const broken = done.filter(
    (r) =>
      ledger.failed('instance', r.plan.name) &&
      !ledger.get('instance', r.plan.name)?.foreign &&
      r.plan.actual
  )
  for (const r of done.filter((x) => !broken.includes(x))) noteInterruption(ctx, r, launchedAt)
  if (broken.length === 0) return
  const names = broken.map((r) => r.plan.name)
  await ctx.log.group(`Restoring the previous version of ${names.join(', ')}`, async () => {
    const tails = await logTails(ctx.client, names)
    const until = ctx.client.cleanupWindow(RESTORE_WINDOW_MS)
    const inWindow = { ...ctx, opts: { ...ctx.opts, deadline: until } }
    await retireForReuse(ctx.client, names, 0, until)
    const previous = broken.map((r) => ({
      p: {
        ...r.plan,
        spec: previousVersion(r.plan.actual!, r.plan.spec),
        digest: r.plan.actual!.image
      },
      name: r.plan.name,
      wait: true
    }))
    const made = await launch(inWindow, previous)
    const up = previous.filter((c) => made.get(c.name)?.running)
    const down = await proveUp(
      inWindow,
      up.map((c) => ({ name: c.name, fqdn: fqdnOf(made.get(c.name)?.instance) }))
    )
    for (const [i, r] of broken.entries())
      recordRestore(ctx, r, previous[i].p.spec, {
        made: made.get(r.plan.name),
        down: down.get(r.plan.name)?.why,
        logTail: tails.get(r.plan.name)
      })
  })
}

function recordRestore(
  ctx: DeployContext,
  r: Recreate,
  spec: InstanceSpec,
  outcome: { made?: Launched; down?: string; logTail?: string }
): void {
  const { ledger } = ctx.progress
  const why = ledger.get('instance', r.plan.name)?.error ?? 'it did not come up'
  const was = shortPin(spec.image)
  const m = outcome.made
  if (m?.instance && m.running && !outcome.down) {
    noteInterruption(ctx, r, Date.now())
    ledger.fromInstance(r.plan.name, m.instance, {
      action: 'failed',
      // The previous version is not this run's work: a rollback must not remove it.
      createdByRun: false,
      logTail: outcome.logTail,
      error: `the new version ${failedWords(why)}; the previous version (${was}) was restored${volumesOf(spec)} and runs`
    })
    return
  }
  ledger.fail(
    'instance',
    r.plan.name,
    `the new version ${failedWords(why)}; restoring the previous version (${was}) failed too (${outcome.down ?? m?.error ?? 'not created'}): nothing runs under this name`,
    {
      uuid: m?.instance?.uuid,
      state: m?.instance?.state,
      logTail: outcome.logTail,
      createdByRun: false
    }
  )
}
