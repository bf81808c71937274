/**
 * Zero downtime (PRODUCT.md, Behaviour rules): a surge instance runs the new version beside
 * the old one; once it is up (settled, healthy) the instance with the real name is retired and
 * created anew; then the surge goes. If a surge never ran, the old instance was not touched;
 * if the new one fails, the surge keeps serving and says so. One record per replaced instance
 * carries the whole story, from its plan to its outcome.
 */
import { createHash } from 'node:crypto'
import type { DeployContext } from './context.js'
import { createRequest } from './create.js'
import type { InstancePlan } from './kinds/instance.js'
import { fqdnOf, launch, proveUp, type Launch, type Launched } from './launch.js'
import { logTails, retire, retireForReuse, waitFor } from './ops.js'
import { lockedOf } from './protect.js'
import { failedWords } from './runtime.js'

const SURGE_SUFFIX = /-surge-[0-9a-f]{7}$/
/** Instance names are at most 121 characters (ukc-api.md): a surge keeps room for its suffix. */
const SURGE_ROOM = 121 - 14

/** `<name>-surge-<7 hex>`: distinct per target config, recognisable by later runs. */
export function surgeName(p: InstancePlan): string {
  const hash = createHash('sha256')
    .update(`${p.name}\n${p.digest}\n${JSON.stringify(createRequest(p.spec, p.digest))}`)
    .digest('hex')
    .slice(0, 7)
  return `${p.name.slice(0, SURGE_ROOM)}-surge-${hash}`
}

export function isSurgeOf(candidate: string, name: string): boolean {
  return SURGE_SUFFIX.test(candidate) && candidate.slice(0, -14) === name.slice(0, SURGE_ROOM)
}

export interface Rollout {
  plan: InstancePlan
  /** The surge's name: it serves the new version while the real name is replaced. */
  surge: string
  /** The surge's create, once launched. */
  surgeLaunched?: Launched
  /** Why the surge cannot take over (did not run, did not stay up, failed the health check). */
  surgeDown?: string
  /** The instance made anew under the real name, in the swap. */
  replacement?: Launched
  /** Why the replacement is not up. */
  replacementDown?: string
}

export const beginRollouts = (plans: InstancePlan[]): Rollout[] =>
  plans.map((plan) => ({ plan, surge: surgeName(plan) }))

/** A rollout always waits: nothing old is touched before the new version runs. */
export const surgeLaunch = (r: Rollout): Launch => ({ p: r.plan, name: r.surge, wait: true })

/** Records each surge's create; one that did not run is down already. */
export function surgesLaunched(rollouts: Rollout[], made: Map<string, Launched>): void {
  for (const r of rollouts) {
    r.surgeLaunched = made.get(r.surge)
    if (!r.surgeLaunched?.running) r.surgeDown = r.surgeLaunched?.error ?? 'not created'
  }
}

const surgeUp = (r: Rollout): boolean => r.surgeDown === undefined

/** The surges that run, for the settle window and health check they share with new instances. */
export const runningSurges = (
  rollouts: Rollout[]
): { name: string; fqdn?: string; rollout: Rollout }[] =>
  rollouts
    .filter(surgeUp)
    .map((r) => ({ name: r.surge, fqdn: fqdnOf(r.surgeLaunched?.instance), rollout: r }))

/** A surge that did not prove itself: removed, and the old instance reported untouched. */
async function abandon(ctx: DeployContext, broken: Rollout[]): Promise<void> {
  const made = broken.filter((r) => r.surgeLaunched?.instance).map((r) => r.surge)
  // A health check may hold until the deadline: removing the surge still gets its window.
  const deadline = ctx.client.cleanupWindow()
  const tails = await logTails(ctx.client, made)
  await retire(ctx.client, made, 0, deadline)
  for (const r of broken)
    ctx.progress.ledger.fail(
      'instance',
      r.plan.name,
      `the new version ${failedWords(r.surgeDown!)}; the old instance keeps serving, untouched`,
      { logTail: tails.get(r.surge) }
    )
}

/** The old instances retired (drained first); those that would not go keep their surge beside them. */
async function retireOld(ctx: DeployContext, ready: Rollout[]): Promise<Rollout[]> {
  const names = ready.map((r) => r.plan.name)
  const retired = await retireForReuse(
    ctx.client,
    names,
    ctx.opts.drainTimeoutMs,
    ctx.opts.deadline,
    lockedOf(ready.map((r) => r.plan))
  )
  return ready.filter((r) => {
    const outcome = retired.get(r.plan.name)
    if (outcome?.ok) return true
    ctx.progress.ledger.fail(
      'instance',
      r.plan.name,
      `could not retire the old instance (${outcome?.error}); the surge '${r.surge}' serves the new version alongside it`
    )
    return false
  })
}

/** The new instances under the real names: launched, then held to the settle window and health check. */
async function replace(ctx: DeployContext, swapped: Rollout[]): Promise<void> {
  const made = await launch(
    ctx,
    swapped.map((r) => ({ p: r.plan, name: r.plan.name, wait: true }))
  )
  for (const r of swapped) {
    r.replacement = made.get(r.plan.name)
    if (!r.replacement?.running) r.replacementDown = r.replacement?.error ?? 'unknown'
  }
  const up = swapped.filter((r) => r.replacementDown === undefined)
  const down = await proveUp(
    ctx,
    up.map((r) => ({ name: r.plan.name, fqdn: fqdnOf(r.replacement?.instance) }))
  )
  for (const r of up) r.replacementDown = down.get(r.plan.name)?.why
}

/** Rows for the swapped instances; the surges of finished ones are removed. */
async function finish(ctx: DeployContext, swapped: Rollout[]): Promise<void> {
  const { ledger, notes } = ctx.progress
  const finished = swapped.filter((r) => r.replacement?.instance && !r.replacementDown)
  for (const r of swapped) {
    const m = r.replacement
    if (finished.includes(r)) {
      // A concurrent rollout may have made the new instance first: then it is that run's.
      ledger.fromInstance(r.plan.name, m!.instance!, {
        action: 'replaced',
        createdByRun: m!.ours,
        error: undefined
      })
      if (m!.adopted) notes.push(`instance '${r.plan.name}': ${m!.adopted}`)
      continue
    }
    ledger.fail(
      'instance',
      r.plan.name,
      `the instance under the real name did not come up (${r.replacementDown}); surge '${r.surge}' keeps serving the new version, and the next deploy completes the rollout`,
      { uuid: m?.instance?.uuid, createdByRun: m?.ours ?? false }
    )
    notes.push(`surge '${r.surge}' is still serving for '${r.plan.name}'`)
  }
  const names = finished.map((r) => r.surge)
  const gone = await retire(ctx.client, names, ctx.opts.drainTimeoutMs, ctx.opts.deadline)
  for (const name of names.filter((n) => !gone.get(n)?.ok))
    notes.push(
      `surge '${name}' could not be removed: ${gone.get(name)?.error}; the next deploy removes it`
    )
}

/** The swap, for every rollout whose surge is up; the others are abandoned untouched. */
export async function swap(ctx: DeployContext, rollouts: Rollout[]): Promise<void> {
  const broken = rollouts.filter((r) => !surgeUp(r))
  if (broken.length > 0) await abandon(ctx, broken)
  const ready = rollouts.filter(surgeUp)
  if (ready.length === 0) return
  await ctx.log.group(`Rolling ${ready.length} instance(s) over to the new version`, async () => {
    const swapped = await retireOld(ctx, ready)
    await replace(ctx, swapped)
    await finish(ctx, swapped)
  })
}

export interface Leftover {
  surge: string
  /** The spec instance it was a surge of. */
  of: string
}

/** Surges an interrupted rollout left behind, found by name among all instances. */
export function leftoverSurges(instanceNames: string[], allNames: string[]): Leftover[] {
  return instanceNames.flatMap((of) =>
    allNames.filter((n) => isSurgeOf(n, of)).map((surge) => ({ surge, of }))
  )
}

/** Surges left by an interrupted run go, once the real instance runs again. */
export async function removeLeftovers(ctx: DeployContext, current: Rollout[]): Promise<void> {
  const { client, opts, progress } = ctx
  const cleanable = ctx.plan.leftovers.filter(
    (l) => !progress.ledger.failed('instance', l.of) && !current.some((r) => r.surge === l.surge)
  )
  if (cleanable.length === 0) return
  const soon = Math.min(opts.deadline, Date.now() + 5000)
  const real = await waitFor(
    client,
    cleanable.map((l) => l.of),
    'running',
    soon
  )
  const done = cleanable.filter((l) => real.get(l.of)?.ok)
  const names = done.map((l) => l.surge)
  const retired = await retire(client, names, opts.drainTimeoutMs, opts.deadline)
  for (const l of done) {
    const why = `left over from an interrupted rollout of '${l.of}'`
    progress.notes.push(
      retired.get(l.surge)?.ok
        ? `removed surge instance '${l.surge}' ${why}`
        : `surge instance '${l.surge}' (${why}) could not be removed: ${retired.get(l.surge)?.error}`
    )
  }
}
