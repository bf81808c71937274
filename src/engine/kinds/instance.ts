/**
 * Instances (ukc-api.md §6): created pinned to the image digest the plan resolved, kept when
 * config and digest match, replaced — rolling (rollout.ts) or by recreate — when they differ,
 * and started when right but stopped. Deployed means up: every new version goes through the
 * settle window and the health check before it counts.
 */
import type { InstanceSpec, Spec } from '../../spec/schema.js'
import { PREVIEW_ENV, previewSuffix } from '../../spec/preview.js'
import { describeItem } from '../../ukc/envelope.js'
import { sameImage, shortPin } from '../../ukc/images.js'
import type { Instance } from '../../ukc/types.js'
import type { DeployContext } from '../context.js'
import { fqdnOf, launch, proveUp, type Launch, type Launched } from '../launch.js'
import type { Actual } from '../observe.js'
import { waitBudgetMs } from '../ops.js'
import { restoreFailed, retireForRecreate } from '../recreate.js'
import { runtimeOf, type Measured } from '../runtime.js'
import {
  beginRollouts,
  removeLeftovers,
  runningSurges,
  surgeLaunch,
  surgesLaunched,
  swap
} from '../rollout.js'
import type { PlanEntry } from '../types.js'
import { sameList } from '../same.js'

export interface InstancePlan extends PlanEntry {
  kind: 'instance'
  spec: InstanceSpec
  actual?: Instance
  /** The pinned reference (`user/app@sha256:…`) the new instance will run. */
  digest?: string
  /** The instance under its name is not this run's to touch (another preview's). */
  foreign?: boolean
  /** Why it is recreated rather than rolled (it interrupts service). */
  recreateWhy?: string
}

/** API defaults, so that leaving a field out of the spec is not a change (ukc-api.md §6.5). */
const DEFAULTS = { memory_mb: 128, vcpus: 1, restart_policy: 'never', cooldown_time_ms: 1000 }

function stz(
  s: { policy?: string; stateful?: boolean; cooldown_time_ms?: number } | undefined
): string {
  if (!s || s.policy === 'off' || s.policy === undefined) return 'off'
  return `${s.policy}/${s.stateful ? 'stateful' : 'stateless'}/${s.cooldown_time_ms ?? DEFAULTS.cooldown_time_ms}ms`
}

/** A field with an API default differs when the two sides differ once the default fills in. */
function defaulted<K extends 'memory_mb' | 'vcpus' | 'restart_policy'>(
  field: K,
  want: InstanceSpec,
  have: Instance
): string | undefined {
  const w = want[field] ?? DEFAULTS[field]
  return w !== (have[field] ?? DEFAULTS[field]) ? `${field} ${have[field]} → ${w}` : undefined
}

/** Mounts as comparable strings; a volume the spec makes with the instance is `new`. */
function mounts(want: InstanceSpec, have: Instance): [string[], string[]] {
  const wantVols = want.volumes.map(
    (v) => `${v.name !== undefined ? v.name : 'new'}:${v.at}:${v.readonly}`
  )
  const haveVols = (have.volumes ?? []).map(
    (v) => `${want.volumes.some((w) => w.name === v.name) ? v.name : 'new'}:${v.at}:${v.readonly}`
  )
  return [wantVols.sort(), haveVols.sort()]
}

/** What differs between an instance and its spec; env changes name keys, never values. */
export function instanceChanges(
  want: InstanceSpec,
  have: Instance,
  digest: string | undefined
): string[] {
  const changes: (string | undefined)[] = []
  // Both sides are full pinned references (`user/app@sha256:…`), as the API reports them.
  if (digest && !sameImage(have.image, digest))
    changes.push(`image ${want.image} → ${shortPin(digest)} (running ${shortPin(have.image)})`)
  changes.push(defaulted('memory_mb', want, have), defaulted('vcpus', want, have))
  if (want.args !== undefined && !sameList(want.args, have.args ?? [])) changes.push('args')
  const haveEnv = have.env ?? {}
  const envKeys = [...new Set([...Object.keys(want.env), ...Object.keys(haveEnv)])]
    .filter((k) => want.env[k] !== haveEnv[k])
    .sort()
  if (envKeys.length > 0) changes.push(`env (${envKeys.join(', ')})`)
  changes.push(defaulted('restart_policy', want, have))
  if (stz(want.scale_to_zero) !== stz(have.scale_to_zero))
    changes.push(`scale_to_zero ${stz(have.scale_to_zero)} → ${stz(want.scale_to_zero)}`)
  if ((want.service_group ?? '') !== (have.service_group?.name ?? ''))
    changes.push(
      `service_group ${have.service_group?.name ?? '(none)'} → ${want.service_group ?? '(none)'}`
    )
  if (!sameList(...mounts(want, have))) changes.push('volumes')
  // The classic API does not report `features` (ukc-api.md §0.1): only an answer that carries
  // them can show a change; their absence is not one.
  if (
    have.features !== undefined &&
    want.features.includes('delete-on-stop') !== have.features.includes('delete-on-stop')
  )
    changes.push('features')
  return changes.filter((c): c is string => c !== undefined)
}

/** What the platform lets several instances share: which volumes, by name, and how. */
export interface Sharing {
  /** Whether read-only mounts of a `rox` volume may be shared (the new platform). */
  readOnly: boolean
  /** A volume's access mode as the account has it, else as the spec makes it (default `rwo`). */
  accessMode(volume: string): string
}

/** Why a mount stops a surge from running beside the old instance, if it does. */
function exclusive(
  mount: { name: string; readonly: boolean },
  sharing: Sharing
): string | undefined {
  if (!mount.readonly) return `volume '${mount.name}' is mounted read-write and allows one writer`
  if (!sharing.readOnly)
    return `volume '${mount.name}' attaches to one instance at a time on this platform`
  const mode = sharing.accessMode(mount.name)
  if (mode === 'rwo')
    return `volume '${mount.name}' has access mode rwo and attaches to one instance at a time (a volume made with access_mode: rox takes read-only mounts from several)`
  return undefined
}

/** Why an instance must be replaced by recreate rather than a rolling surge, if it must. */
function recreateReason(
  want: InstanceSpec,
  strategy: 'rolling' | 'recreate',
  sharing: Sharing
): string | undefined {
  if (strategy === 'recreate') return 'strategy: recreate'
  // The volume first: it is the reason two copies cannot run, wherever the instance serves.
  for (const m of want.volumes) {
    const why = m.name !== undefined ? exclusive(m, sharing) : undefined
    if (why) return why
  }
  if (!want.service_group) return 'not in a service group: there is no traffic to hand over'
  return undefined
}

type Verdict = Pick<
  InstancePlan,
  'action' | 'reason' | 'changes' | 'strategy' | 'foreign' | 'recreateWhy'
>

/** What to do with an instance the account already has under the spec's name. */
function planExisting(
  want: InstanceSpec,
  have: Instance,
  digest: string | undefined,
  ctx: { imageError?: string; strategy: 'rolling' | 'recreate'; sharing: Sharing }
): Verdict {
  // A preview never takes over an instance another repository's (or PR's) preview made.
  const marker = want.env[PREVIEW_ENV]
  if (marker !== undefined && have.env?.[PREVIEW_ENV] !== marker)
    return {
      action: 'conflict',
      foreign: true,
      reason: `an instance of this name exists but is not this preview's (its ${PREVIEW_ENV} is ${have.env?.[PREVIEW_ENV] ? `'${have.env[PREVIEW_ENV]}'` : 'not set'}, this preview is '${marker}'); it is left alone`
    }
  if (!digest)
    return {
      action: 'conflict',
      reason: `image '${want.image}' cannot be resolved to a digest (${ctx.imageError ?? 'the registry does not know it'}); the running instance is left as it is`
    }
  const changes = instanceChanges(want, have, digest)
  // A right instance that is stopped is not up (standby is how scale-to-zero rests).
  if (changes.length === 0 && have.state === 'stopped')
    return {
      action: 'start',
      reason: 'config and image digest match, but it is stopped; deploy starts it'
    }
  if (changes.length === 0) return { action: 'unchanged', reason: 'config and image digest match' }
  const why = recreateReason(want, ctx.strategy, ctx.sharing)
  return {
    action: 'replace',
    changes,
    strategy: why ? 'recreate' : 'rolling',
    recreateWhy: why,
    reason: `${changes.join('; ')} — ${why ? `recreate (${why}): stop, hand over, start under the same name, so service is interrupted; if the new version does not come up, the previous one is restored` : 'rolling: surge instance, then replace in place'}`
  }
}

/** Per instance: create, keep, start, replace (rolling or recreate), or refuse. */
export function planInstances(
  spec: Spec,
  actual: Actual,
  strategy: 'rolling' | 'recreate',
  sharesReadOnly = false
): InstancePlan[] {
  const sharing: Sharing = {
    readOnly: sharesReadOnly,
    accessMode: (volume) =>
      actual.volumes.get(volume)?.access_mode ??
      spec.volumes.find((v) => v.name === volume)?.access_mode ??
      'rwo'
  }
  return spec.instances.map((want): InstancePlan => {
    const have = actual.instances.get(want.name)
    const digest = actual.digests.get(want.image)
    const imageError = actual.imageErrors.get(want.image)
    const base = { kind: 'instance' as const, name: want.name, spec: want, actual: have, digest }
    if (have)
      return { ...base, ...planExisting(want, have, digest, { imageError, strategy, sharing }) }
    if (!digest && imageError)
      return {
        ...base,
        action: 'conflict',
        reason: `image ${want.image} not found (${imageError}); nothing can be created from it`
      }
    return { ...base, action: 'create', reason: digest ? `new, image ${shortPin(digest)}` : 'new' }
  })
}

/** Creates and replacements whose service group and volumes are there to use. */
function buildable({ plan, progress: { ledger } }: DeployContext): InstancePlan[] {
  return plan.instances.filter((p) => {
    if (p.action !== 'create' && p.action !== 'replace') return false
    const g = p.spec.service_group
    if (g && ledger.failed('service_group', g)) {
      const why = ledger.get('service_group', g)?.error
      ledger.fail('instance', p.name, `its service group '${g}' is not usable: ${why}`)
      return false
    }
    const v = p.spec.volumes.find((m) => m.name !== undefined && ledger.failed('volume', m.name))
    if (v) ledger.fail('instance', p.name, `its volume '${v.name}' was not created`)
    return !v
  })
}

/** Rows in spec order: what was made, and what could not be. */
function recordCreates(ctx: DeployContext, creates: Launch[], made: Map<string, Launched>): void {
  const { ledger, notes } = ctx.progress
  const byName = new Map(creates.map((c) => [c.name, c]))
  for (const p of ctx.plan.instances) {
    if (p.action === 'conflict' && !p.actual) ledger.fail('instance', p.name, p.reason)
    const c = byName.get(p.name)
    const r = made.get(p.name)
    if (!c || !r) continue
    if (!r.instance) {
      // A name held by something else is a conflict row with the holder, never a success.
      const holder = r.holder ? { uuid: r.holder.uuid, state: r.holder.state, foreign: true } : {}
      ledger.fail('instance', c.name, `create failed: ${r.error}`, holder)
      continue
    }
    ledger.fromInstance(c.name, r.instance, {
      action: c.p.action === 'create' ? (r.ours ? 'created' : 'unchanged') : 'replaced',
      createdByRun: r.ours,
      error: undefined
    })
    if (r.adopted) notes.push(`instance '${c.name}': ${r.adopted}`)
    if (c.wait && !r.running) ledger.fail('instance', c.name, `did not start: ${r.error}`)
  }
}

/**
 * Spec instances that are right but `stopped` (not scale-to-zero `standby`) are not up: with
 * `wait`, deploy starts them — one batched start carrying its server-side wait — and they go
 * through the settle window like new ones; without `wait`, their row fails and says so.
 */
async function startStopped({
  client,
  plan,
  opts,
  log,
  progress
}: DeployContext): Promise<{ name: string; fqdn?: string }[]> {
  const { ledger } = progress
  const stopped = plan.instances.filter((p) => p.action === 'start')
  if (stopped.length === 0) return []
  if (!opts.wait) {
    const why = 'it is stopped; deploy with wait: true starts it (or run command: start)'
    for (const p of stopped) ledger.fail('instance', p.name, why, { state: 'stopped' })
    return []
  }
  return log.group(`Starting ${stopped.length} stopped instance(s)`, async () => {
    const waitMs = waitBudgetMs(opts.deadline)
    const r = await client.instances.start(
      stopped.map((p) => ({ name: p.name, wait_timeout_ms: waitMs }))
    )
    return stopped
      .filter((p, i) => {
        const item = r.items[i]
        if (item?.ok && item.value.state === 'running') {
          ledger.set('instance', p.name, { action: 'started', state: 'running', error: undefined })
          return true
        }
        const why = `it was stopped and did not start: ${item ? describeItem(item) : 'no answer'}`
        ledger.fail('instance', p.name, why, { state: item?.value?.state })
        return false
      })
      .map((p) => ({ name: p.name, fqdn: fqdnOf(p.actual) }))
  })
}

/**
 * What a new version is compared with: a preview with the production instance of its spec
 * name; a rollout with the version it replaces (beside a surge, or known from its answers
 * once a recreate retired it); a new or restarted instance with nothing.
 */
function measuredOf(ctx: DeployContext, name: string, p: InstancePlan): Measured {
  const owner = ctx.opts.preview
  const suffix = owner ? previewSuffix(owner) : undefined
  if (suffix && p.name.endsWith(suffix))
    return { name, row: p.name, comparedWith: p.name.slice(0, -suffix.length) }
  if (p.action !== 'replace' || !p.actual) return { name, row: p.name }
  return name !== p.name
    ? { name, row: p.name, comparedWith: p.name }
    : { name, row: p.name, known: runtimeOf(p.actual) }
}

/**
 * Phase: every instance change. Recreates make room; then every create at once — new
 * instances, recreates and the surges of rolling replacements; then the settle window and the
 * health check for all of them in one go; then the rolling swap, and the surges an interrupted
 * run left behind.
 */
export async function applyInstances(ctx: DeployContext): Promise<void> {
  const work = buildable(ctx)
  const rollouts = beginRollouts(work.filter((p) => p.strategy === 'rolling'))
  const recreates = await retireForRecreate(
    ctx,
    work.filter((p) => p.action === 'replace' && p.strategy === 'recreate')
  )
  const wait = ctx.opts.wait
  const creates: Launch[] = [
    ...work.filter((p) => p.action === 'create').map((p) => ({ p, name: p.name, wait })),
    ...recreates.filter((r) => r.retired).map((r) => ({ p: r.plan, name: r.plan.name, wait })),
    ...rollouts.map(surgeLaunch)
  ]
  const made = await launch(ctx, creates)
  const launchedAt = Date.now()
  recordCreates(ctx, creates, made)
  surgesLaunched(rollouts, made)
  const fresh = creates.filter((c) => c.name === c.p.name && made.get(c.name)?.running)
  const upNew = [
    ...fresh.map((c) => ({ name: c.name, fqdn: fqdnOf(made.get(c.name)?.instance) })),
    ...(await startStopped(ctx))
  ]
  const plans = new Map(ctx.plan.instances.map((p) => [p.name, p]))
  const surges = runningSurges(rollouts).map((s) => ({
    ...s,
    measured: measuredOf(ctx, s.name, s.rollout.plan)
  }))
  const down = await proveUp(ctx, [
    ...surges,
    ...upNew.map((u) => ({ ...u, measured: measuredOf(ctx, u.name, plans.get(u.name)!) }))
  ])
  for (const r of rollouts) r.surgeDown ??= down.get(r.surge)?.why
  for (const { name } of upNew) {
    const d = down.get(name)
    if (d) ctx.progress.ledger.fail('instance', name, d.why, d.state ? { state: d.state } : {})
  }
  await restoreFailed(ctx, recreates, launchedAt)
  if (rollouts.length > 0) await swap(ctx, rollouts)
  await removeLeftovers(ctx, rollouts)
}
