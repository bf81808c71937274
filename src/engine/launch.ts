/**
 * Bringing instances up and proving they stay up: creates with the server-side wait folded in,
 * then the settle window and the health check — shared by new instances, recreates, surges
 * and the second half of a rollout.
 */
import type { Instance } from '../ukc/types.js'
import type { RunContext } from './context.js'
import { createRequest, safeCreate, type Created } from './create.js'
import { probeAll } from './health.js'
import { createExtras } from './lifetime.js'
import type { LimiterStats } from '../ukc/limiter.js'
import { crashedSoon, waitBudgetMs, waitFor } from './ops.js'
import type { InstancePlan } from './kinds/instance.js'
import { checkRuntime, startReading, type Measured } from './runtime.js'

export interface Launch {
  p: InstancePlan
  /** The name it is created under: the spec's, or a surge's. */
  name: string
  /** Whether the create waits until it runs (a surge always does). */
  wait: boolean
}

export interface Launched extends Created {
  running: boolean
}

/** Running, or scaled to zero (standby), which is how a scale-to-zero instance rests. */
export function healthy(inst: Instance | undefined): boolean {
  if (!inst) return false
  return (
    inst.state === 'running' ||
    (inst.state === 'standby' &&
      inst.scale_to_zero !== undefined &&
      inst.scale_to_zero.policy !== 'off')
  )
}

export const fqdnOf = (inst: Instance | undefined): string | undefined =>
  inst?.service_group?.domains?.[0]?.fqdn

/** Why a create that was to wait did not end up running, in words. */
function notRunningWhy(r: Launched): string | undefined {
  if (!r.instance || r.running || r.error) return r.error
  return r.instance.state === 'stopped'
    ? 'it stopped right after it started'
    : `still ${r.instance.state} when the timeout ran out (wanted running)`
}

/**
 * Creates, all at once (the transport's limiter keeps as many in flight as the API takes, see
 * ukc/limiter.ts), with the server-side wait folded into each create
 * (`wait_timeout_ms`), so an instance's create answers when it runs: no separate wait round
 * trip, no polling. Instances a create did not wait for (adopted, or found by a lookup after a
 * lost answer) get one batched wait.
 */
export async function launch(ctx: RunContext, creates: Launch[]): Promise<Map<string, Launched>> {
  const { client, opts, log } = ctx
  const out = new Map<string, Launched>()
  if (creates.length === 0) return out
  const waiting = creates.some((c) => c.wait) ? ' and waiting until they run' : ''
  await log.group(`Creating ${creates.length} instance(s)${waiting}`, async () => {
    const before = client.transport.limiter.stats()
    const refusedBefore = client.instances.refusedPolicies
    const results = await Promise.all(
      creates.map((c) => {
        const waitMs = c.wait ? waitBudgetMs(opts.deadline) : 0
        const req = createRequest(c.p.spec, c.p.digest, c.name, waitMs)
        return safeCreate(client, { ...req, ...createExtras(ctx, c.p.spec.name) }, log)
      })
    )
    const pushback = pushedBack(before, client.transport.limiter.stats(), creates.length)
    if (pushback) log.info(pushback)
    if (client.instances.refusedPolicies && !refusedBefore)
      ctx.progress.notes.push(
        "this metro refused tags, annotations and schedules on create ('… is not a valid member'): the instances were made without them, so they carry no ownership tags and previews here do not expire by themselves"
      )
    creates.forEach((c, i) =>
      out.set(c.name, { ...results[i], running: healthy(results[i].instance) })
    )
    const unwaited = creates
      .filter((c) => c.wait && out.get(c.name)!.adopted && !out.get(c.name)!.running)
      .map((c) => c.name)
    for (const [name, w] of await waitFor(client, unwaited, 'running', opts.deadline))
      Object.assign(out.get(name)!, { running: w.ok, error: w.error })
  })
  for (const c of creates) if (c.wait) out.get(c.name)!.error = notRunningWhy(out.get(c.name)!)
  return out
}

/** `API limited concurrency to 16 (429); 200 creates in about 13 waves`, when it pushed back. */
function pushedBack(before: LimiterStats, after: LimiterStats, n: number): string | undefined {
  if (after.pushbacks === before.pushbacks) return undefined
  const paused =
    after.pausedMs > before.pausedMs
      ? `, paused ${Math.round((after.pausedMs - before.pausedMs) / 100) / 10} s as it asked (Retry-After)`
      : ''
  return `API limited concurrency to ${after.lowest} (${after.reason}, ${after.pushbacks - before.pushbacks} answer${after.pushbacks - before.pushbacks === 1 ? '' : 's'})${paused}; ${n} creates in about ${Math.ceil(n / ((after.lowest + after.limit) / 2))} waves`
}

export interface NotUp {
  why: string
  /** The state the API reports, when the settle window caught it stopping. */
  state?: string
}

/**
 * Deployed means up: every instance given must stay up through the settle window — one
 * batched server-side wait for all — and then answer the health check, if there is one.
 * Answers the ones that did not, and why.
 */
export async function proveUp(
  ctx: RunContext,
  instances: { name: string; fqdn?: string; measured?: Measured }[]
): Promise<Map<string, NotUp>> {
  const { client, opts, log } = ctx
  const names = instances.map((i) => i.name)
  const down = new Map<string, NotUp>()
  const candidates = instances.flatMap((i) => (i.measured ? [i.measured] : []))
  const reading = startReading(client, candidates)
  for (const [name, c] of await crashedSoon(client, names, opts.deadline, opts.settleMs))
    down.set(name, { why: `did not stay up: ${c.why}`, state: c.state })
  const check = opts.healthCheck
  const alive = instances.filter((i) => !down.has(i.name))
  if (check && alive.length > 0) {
    const probes = await log.group(`Health check of ${alive.length} new version(s)`, () =>
      probeAll(check, alive, opts.deadline, opts.healthCheckTimeoutMs)
    )
    for (const [name, r] of probes) {
      log.info(`health check ${r.url} for '${name}': ${r.ok ? 'healthy' : 'failed'} (${r.detail})`)
      if (!r.ok) down.set(name, { why: `health check ${r.url} failed (${r.detail})` })
    }
  }
  // What stayed up is measured (and judged against the budget) before anything old is retired.
  const measured = candidates.filter((m) => !down.has(m.name))
  for (const [name, why] of await checkRuntime(ctx, measured, reading)) down.set(name, { why })
  return down
}
