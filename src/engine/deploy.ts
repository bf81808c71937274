/**
 * `deploy` (and `plan`): observe, plan, then apply in phases, each phase batched across the
 * whole spec — volumes and service groups, replacements by recreate, creates (with the
 * surges of rolling replacements), one wait, the rolling swap, cleanup — and finally one read
 * of everything touched, so the report shows what is really running.
 */
import { createHash } from 'node:crypto'
import type { Spec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { describeItem } from '../ukc/envelope.js'
import type { Instance, ServiceGroup } from '../ukc/types.js'
import { createNamed, createRequest, safeCreate, type Created } from './create.js'
import { probeAll } from './health.js'
import { Ledger, type Progress } from './ledger.js'
import { byName, observe } from './observe.js'
import { crashedSoon, logTails, mapLimit, retire, waitBudgetMs, waitFor } from './ops.js'
import { configureAutoscale, removeAutoscale } from './autoscale.js'
import { awaitIssuance, uploadCertificates } from './certificates.js'
import { planDeploy, planEntries, type DeployPlan, type InstancePlan } from './plan.js'
import type { EngineOptions, Logger } from './types.js'

export class DeployBlocked extends Error {
  constructor(readonly reasons: string[]) {
    super(`Nothing was changed: ${reasons.join('; ')}`)
    this.name = 'DeployBlocked'
  }
}

const SURGE_SUFFIX = /-surge-[0-9a-f]{7}$/

/** `<name>-surge-<7 hex>`: distinct per target config, recognisable by later runs. */
export function surgeName(p: InstancePlan): string {
  const hash = createHash('sha256')
    .update(`${p.name}\n${p.digest}\n${JSON.stringify(createRequest(p.spec, p.digest))}`)
    .digest('hex')
    .slice(0, 7)
  return `${p.name.slice(0, 121 - 14)}-surge-${hash}`
}

export function isSurgeOf(candidate: string, name: string): boolean {
  return SURGE_SUFFIX.test(candidate) && candidate.slice(0, -14) === name.slice(0, 121 - 14)
}

export async function deploy(
  client: UkcClient,
  spec: Spec,
  opts: EngineOptions,
  log: Logger,
  out: Progress
): Promise<void> {
  const { ledger, notes } = out
  const [actual, listing] = await log.group('Reading the current state', async () =>
    Promise.all([observe(client, spec), client.instances.get(undefined, { details: false })])
  )
  const plan = planDeploy(spec, actual, opts.strategy)
  if (plan.blockers.length > 0) throw new DeployBlocked(plan.blockers)
  const entries = planEntries(plan)
  out.plan.push(...entries)
  for (const e of entries) log.info(`plan: ${e.kind} ${e.name}: ${e.action} — ${e.reason}`)

  // What exists is reported as found; what is new gets its row when it is made.
  for (const v of plan.volumes) {
    const have = actual.volumes.get(v.name)
    if (have)
      ledger.set('volume', v.name, { uuid: have.uuid, state: have.state, action: 'unchanged' })
  }
  for (const g of plan.groups) {
    const have = actual.groups.get(g.name)
    if (have) ledger.fromGroup(g.name, have)
    if (g.action === 'conflict')
      ledger.fail(
        'service_group',
        g.name,
        `service group '${g.name}' cannot be updated: ${g.reason}`
      )
  }
  for (const p of plan.instances) {
    if (p.actual) ledger.fromInstance(p.name, p.actual)
    // A new instance that cannot be made gets its row in spec order, with the creates.
    if (p.action === 'conflict' && (p.actual || opts.command === 'plan'))
      ledger.fail('instance', p.name, p.reason)
  }
  const allNames = listing.items.map((i) => i.value.name)
  const leftovers = spec.instances.flatMap((i) =>
    allNames.filter((n) => isSurgeOf(n, i.name)).map((surge) => ({ surge, of: i.name }))
  )

  if (opts.command === 'plan') {
    for (const e of entries)
      if (ledger.get(e.kind, e.name)?.action !== 'failed')
        ledger.set(e.kind, e.name, {
          action: 'planned',
          intent: `${e.action}${e.strategy ? ` (${e.strategy})` : ''}`
        })
    for (const l of leftovers)
      notes.push(
        `surge instance '${l.surge}' is left over from an interrupted rollout of '${l.of}'; deploy removes it`
      )
    return
  }

  // Phase 1, in the order of order.ts: certificates, service groups, volumes; autoscale
  // configurations the spec drops or changes go before any instance changes.
  await uploadCertificates(client, plan.certificates, actual, log, out)
  const madeGroups = await createGroups(client, plan, out, log)
  await removeAutoscale(client, plan.autoscale, log, out)
  await createVolumes(client, spec, plan, out, log)

  // An instance whose group or volume is missing cannot be created or replaced.
  const work = plan.instances.filter((p) => {
    if (p.action !== 'create' && p.action !== 'replace') return false
    const g = p.spec.service_group
    if (g && ledger.failed('service_group', g)) {
      ledger.fail(
        'instance',
        p.name,
        `its service group '${g}' is not usable: ${ledger.get('service_group', g)!.error}`
      )
      return false
    }
    const v = p.spec.volumes.find((m) => m.name !== undefined && ledger.failed('volume', m.name))
    if (v) {
      ledger.fail('instance', p.name, `its volume '${v.name}' was not created`)
      return false
    }
    return true
  })
  const recreate = work.filter((p) => p.action === 'replace' && p.strategy === 'recreate')
  const rolling = work.filter((p) => p.action === 'replace' && p.strategy === 'rolling')
  const fresh = work.filter((p) => p.action === 'create')

  // Phase 2: replacements that cannot run twice make room first.
  if (recreate.length > 0) {
    await log.group(`Retiring ${recreate.length} instance(s) to recreate them`, async () => {
      const retired = await retire(
        client,
        recreate.map((p) => p.name),
        opts.drainTimeoutMs,
        opts.deadline
      )
      for (const p of recreate) {
        const r = retired.get(p.name)
        if (r && !r.ok)
          ledger.fail('instance', p.name, `could not retire the old instance: ${r.error}`)
      }
    })
  }

  // Phase 3: every create at once (bounded), surges included; each create waits on the server.
  const surges = new Map(rolling.map((p) => [p.name, surgeName(p)]))
  const creates = [
    ...fresh.map((p) => ({ p, name: p.name, role: 'new' as const, wait: opts.wait })),
    ...recreate
      .filter((p) => !ledger.failed('instance', p.name))
      .map((p) => ({ p, name: p.name, role: 'recreate' as const, wait: opts.wait })),
    // A rollout always waits: nothing old is touched before the new version runs.
    ...rolling.map((p) => ({ p, name: surges.get(p.name)!, role: 'surge' as const, wait: true }))
  ]
  const made = await launch(client, creates, opts, log)
  const surgeResults = new Map<string, Launched>()
  for (const c of creates) if (c.role === 'surge') surgeResults.set(c.p.name, made.get(c.name)!)
  // Rows in spec order: what was made, and what could not be.
  const createOf = new Map(creates.filter((c) => c.role !== 'surge').map((c) => [c.name, c]))
  for (const p of plan.instances) {
    if (p.action === 'conflict' && !p.actual) ledger.fail('instance', p.name, p.reason)
    const c = createOf.get(p.name)
    if (!c) continue
    const r = made.get(c.name)!
    if (!r.instance) {
      ledger.fail('instance', c.name, `create failed: ${r.error}`)
      continue
    }
    ledger.fromInstance(c.name, r.instance, {
      action: c.role === 'new' ? (r.ours ? 'created' : 'unchanged') : 'replaced',
      createdByRun: r.ours,
      error: undefined
    })
    if (r.adopted) notes.push(`instance '${c.name}': ${r.adopted}`)
    if (c.wait && !r.running) ledger.fail('instance', c.name, `did not start: ${r.error}`)
  }

  // Deployed means up: every new version must stay up through the settle window (and answer
  // the health check) before it counts — surges before anything old is touched, new and
  // recreated instances, and stopped ones this deploy started — all in one batched wait.
  const upSurges = rolling.filter((p) => surgeResults.get(p.name)?.running)
  const upNew = [
    ...creates.filter((c) => c.role !== 'surge' && made.get(c.name)?.running).map((c) => c.name),
    ...(await startStopped(client, plan.instances, opts, out, log))
  ]
  const crashed = await crashedSoon(
    client,
    [...upSurges.map((p) => surges.get(p.name)!), ...upNew],
    opts.deadline,
    opts.settleMs
  )
  for (const p of upSurges) {
    const c = crashed.get(surges.get(p.name)!)
    if (c) Object.assign(surgeResults.get(p.name)!, { running: false, error: c.why })
  }
  for (const name of upNew) {
    const c = crashed.get(name)
    if (c) ledger.fail('instance', name, `did not stay up: ${c.why}`, { state: c.state })
  }
  if (opts.healthCheck) {
    await checkHealth(opts.healthCheck, rolling, surgeResults, opts, log)
    const alive = upNew.filter((n) => !ledger.failed('instance', n))
    const probes = await probeAll(
      opts.healthCheck,
      alive.map((name) => ({ name, fqdn: fqdnOf(made.get(name)?.instance) })),
      opts.deadline
    )
    for (const [name, r] of probes)
      if (!r.ok) ledger.fail('instance', name, `health check ${r.url} failed (${r.detail})`)
  }

  // Phase 4: the rolling swap, for every replacement whose surge is serving.
  if (rolling.length > 0)
    await rollingSwap(client, rolling, surges, surgeResults, ledger, notes, opts, log)

  // Phase 5: surges left by an interrupted run, once the real instance runs again.
  const cleanable = leftovers.filter(
    (l) => !ledger.failed('instance', l.of) && ![...surges.values()].includes(l.surge)
  )
  if (cleanable.length > 0) {
    const real = await waitFor(
      client,
      cleanable.map((l) => l.of),
      'running',
      Math.min(opts.deadline, Date.now() + 5000)
    )
    const done = cleanable.filter((l) => real.get(l.of)?.ok)
    const retired = await retire(
      client,
      done.map((l) => l.surge),
      opts.drainTimeoutMs,
      opts.deadline
    )
    for (const l of done) {
      if (retired.get(l.surge)?.ok)
        notes.push(
          `removed surge instance '${l.surge}' left over from an interrupted rollout of '${l.of}'`
        )
      else
        notes.push(
          `surge instance '${l.surge}' (left over from an interrupted rollout of '${l.of}') could not be removed: ${retired.get(l.surge)?.error}`
        )
    }
  }

  // Autoscale clones a running instance of its group: configured once that instance runs.
  await configureAutoscale(client, plan.autoscale, log, out)

  const served = [
    ...madeGroups,
    ...spec.service_groups
      .map((g) => actual.groups.get(g.name))
      .filter((g): g is ServiceGroup => g !== undefined)
  ]
  await awaitIssuance(client, served, opts.deadline, log, out)
  await attachLogTails(client, ledger)
}

/** Service groups, one create each (the API's shape); a domain's certificate must have made it. */
async function createGroups(
  client: UkcClient,
  plan: DeployPlan,
  { ledger, notes }: Progress,
  log: Logger
): Promise<ServiceGroup[]> {
  const wanted = plan.groups.filter((g) => g.action === 'create').map((g) => g.spec!)
  const usable = wanted.filter((g) => {
    const bad = g.domains.find((d) => d.certificate && ledger.failed('certificate', d.certificate))
    if (bad)
      ledger.fail('service_group', g.name, `its certificate '${bad.certificate}' is not usable`)
    return !bad
  })
  if (usable.length === 0) return []
  const made = await log.group(`Creating ${usable.length} service group(s)`, () =>
    createNamed(
      usable.map((g) => ({
        name: g.name,
        services: g.services,
        ...(g.domains.length > 0
          ? {
              domains: g.domains.map((d) => ({
                name: d.name,
                ...(d.certificate ? { certificate: { name: d.certificate } } : {})
              }))
            }
          : {}),
        ...(g.soft_limit !== undefined ? { soft_limit: g.soft_limit } : {}),
        ...(g.hard_limit !== undefined ? { hard_limit: g.hard_limit } : {})
      })),
      (g) => g.name,
      (group) => client.services.create(group),
      async (names) =>
        byName(await client.services.get(names.map((name) => ({ name }))), 'service groups'),
      log
    )
  )
  const out: ServiceGroup[] = []
  for (const [name, r] of made) {
    if (r.adopted) notes.push(`service group '${name}': ${r.adopted}`)
    if (r.value) {
      out.push(r.value)
      ledger.fromGroup(name, r.value, {
        action: r.ours ? 'created' : 'unchanged',
        createdByRun: r.ours
      })
    } else ledger.fail('service_group', name, `create failed: ${r.error}`)
  }
  return out
}

/** Volumes, one create each (what the classic SDK sends). */
async function createVolumes(
  client: UkcClient,
  spec: Spec,
  plan: DeployPlan,
  { ledger, notes }: Progress,
  log: Logger
): Promise<void> {
  const wanted = plan.volumes
    .filter((v) => v.action === 'create')
    .map((v) => spec.volumes.find((s) => s.name === v.name)!)
  if (wanted.length === 0) return
  const made = await log.group(`Creating ${wanted.length} volume(s)`, () =>
    createNamed(
      wanted.map((v) => ({ name: v.name, size_mb: v.size_mb })),
      (v) => v.name,
      (volume) => client.volumes.create(volume),
      async (names) => byName(await client.volumes.get(names.map((name) => ({ name }))), 'volumes'),
      log
    )
  )
  for (const [name, r] of made) {
    if (r.adopted) notes.push(`volume '${name}': ${r.adopted}`)
    if (r.value)
      ledger.set('volume', name, {
        uuid: r.value.uuid,
        state: r.value.state,
        action: r.ours ? 'created' : 'unchanged',
        createdByRun: r.ours
      })
    else ledger.fail('volume', name, `create failed: ${r.error}`)
  }
}

/**
 * Spec instances that are right but `stopped` (not scale-to-zero `standby`) are not up: with
 * `wait`, deploy starts them — one batched start carrying its server-side wait — and they go
 * through the settle window like new ones; without `wait`, their row fails and says so.
 */
async function startStopped(
  client: UkcClient,
  plans: InstancePlan[],
  opts: EngineOptions,
  { ledger }: Progress,
  log: Logger
): Promise<string[]> {
  const stopped = plans.filter((p) => p.action === 'start')
  if (stopped.length === 0) return []
  if (!opts.wait) {
    for (const p of stopped)
      ledger.fail(
        'instance',
        p.name,
        'it is stopped; deploy with wait: true starts it (or run command: start)',
        { state: 'stopped' }
      )
    return []
  }
  return log.group(`Starting ${stopped.length} stopped instance(s)`, async () => {
    const r = await client.instances.start(
      stopped.map((p) => ({ name: p.name, wait_timeout_ms: waitBudgetMs(opts.deadline) }))
    )
    const up: string[] = []
    stopped.forEach((p, i) => {
      const item = r.items[i]
      if (item?.ok && item.value.state === 'running') {
        ledger.set('instance', p.name, { action: 'started', state: 'running', error: undefined })
        up.push(p.name)
      } else
        ledger.fail(
          'instance',
          p.name,
          `it was stopped and did not start: ${item ? describeItem(item) : 'no answer'}`,
          { state: item?.value?.state }
        )
    })
    return up
  })
}

/** The console tail of every instance that exists but failed, for the summary. */
export async function attachLogTails(client: UkcClient, ledger: Ledger): Promise<void> {
  const failed = ledger
    .all()
    .filter((o) => o.kind === 'instance' && o.action === 'failed' && o.uuid && !o.logTail)
  const tails = await logTails(
    client,
    failed.map((o) => o.name)
  )
  for (const o of failed)
    if (tails.has(o.name)) ledger.set('instance', o.name, { logTail: tails.get(o.name) })
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

interface Launched extends Created {
  running: boolean
}

/**
 * Creates (at most `concurrency` in flight) with the server-side wait folded into each create
 * (`wait_timeout_ms`), so an instance's create answers when it runs: no separate wait round
 * trip, no polling. Instances a create did not wait for (adopted, or found by a lookup after a
 * lost answer) get one batched wait.
 */
async function launch(
  client: UkcClient,
  creates: { p: InstancePlan; name: string; wait: boolean }[],
  opts: EngineOptions,
  log: Logger
): Promise<Map<string, Launched>> {
  const out = new Map<string, Launched>()
  if (creates.length === 0) return out
  await log.group(
    `Creating ${creates.length} instance(s)${creates.some((c) => c.wait) ? ' and waiting until they run' : ''}`,
    async () => {
      const results = await mapLimit(creates, opts.concurrency, (c) =>
        safeCreate(
          client,
          createRequest(c.p.spec, c.p.digest, c.name, c.wait ? waitBudgetMs(opts.deadline) : 0),
          log
        )
      )
      creates.forEach((c, i) =>
        out.set(c.name, { ...results[i], running: healthy(results[i].instance) })
      )
      const unwaited = creates
        .filter((c) => c.wait && out.get(c.name)!.adopted && !out.get(c.name)!.running)
        .map((c) => c.name)
      for (const [name, w] of await waitFor(client, unwaited, 'running', opts.deadline))
        Object.assign(out.get(name)!, { running: w.ok, error: w.error })
    }
  )
  for (const c of creates) {
    const r = out.get(c.name)!
    const state = r.instance?.state
    if (c.wait && r.instance && !r.running && !r.error)
      r.error =
        state === 'stopped'
          ? 'it stopped right after it started'
          : `still ${state} when the timeout ran out (wanted running)`
  }
  return out
}

/**
 * Zero downtime (PRODUCT.md, Behaviour rules): the surge serves while the instance with the
 * real name is retired and created anew; then the surge goes. If a surge never ran, the old
 * instance was not touched; if the new one fails, the surge keeps serving and says so.
 */
async function rollingSwap(
  client: UkcClient,
  rolling: InstancePlan[],
  surges: Map<string, string>,
  surgeResults: Map<string, Launched>,
  ledger: Ledger,
  notes: string[],
  opts: EngineOptions,
  log: Logger
): Promise<void> {
  const ready = rolling.filter((p) => surgeResults.get(p.name)?.running)
  const broken = rolling.filter((p) => !surgeResults.get(p.name)?.running)
  if (broken.length > 0) {
    const tails = await logTails(
      client,
      broken.filter((p) => surgeResults.get(p.name)?.instance).map((p) => surges.get(p.name)!)
    )
    await retire(
      client,
      broken.filter((p) => surgeResults.get(p.name)?.instance).map((p) => surges.get(p.name)!),
      0,
      opts.deadline
    )
    for (const p of broken) {
      const s = surgeResults.get(p.name)!
      ledger.fail(
        'instance',
        p.name,
        `the new version did not come up (${s.error ?? 'not created'}); the old instance keeps serving, untouched`,
        {
          logTail: tails.get(surges.get(p.name)!)
        }
      )
    }
  }
  if (ready.length === 0) return
  await log.group(`Rolling ${ready.length} instance(s) over to the new version`, async () => {
    const retired = await retire(
      client,
      ready.map((p) => p.name),
      opts.drainTimeoutMs,
      opts.deadline
    )
    const swapped = ready.filter((p) => {
      const r = retired.get(p.name)
      if (r?.ok) return true
      ledger.fail(
        'instance',
        p.name,
        `could not retire the old instance (${r?.error}); the surge '${surges.get(p.name)}' serves the new version alongside it`
      )
      return false
    })
    const made = await launch(
      client,
      swapped.map((p) => ({ p, name: p.name, wait: true })),
      opts,
      log
    )
    const waited = new Map(
      swapped.map((p) => [
        p.name,
        { ok: made.get(p.name)!.running, error: made.get(p.name)!.error }
      ])
    )
    const crashed = await crashedSoon(
      client,
      swapped.filter((p) => waited.get(p.name)?.ok).map((p) => p.name),
      opts.deadline,
      opts.settleMs
    )
    for (const [name, c] of crashed) waited.set(name, { ok: false, error: c.why })
    if (opts.healthCheck) {
      const up = swapped.filter((p) => waited.get(p.name)?.ok)
      const probes = await probeAll(
        opts.healthCheck,
        up.map((p) => ({ name: p.name, fqdn: fqdnOf(made.get(p.name)?.instance) })),
        opts.deadline
      )
      for (const [name, r] of probes)
        if (!r.ok)
          waited.set(name, { ok: false, error: `health check ${r.url} failed (${r.detail})` })
    }
    const finished: InstancePlan[] = []
    for (const p of swapped) {
      const m = made.get(p.name)!
      const w = waited.get(p.name)
      if (m.instance && w?.ok) {
        // A concurrent rollout may have made the new instance first: then it is that run's.
        ledger.fromInstance(p.name, m.instance, {
          action: 'replaced',
          createdByRun: m.ours,
          error: undefined
        })
        if (m.adopted) notes.push(`instance '${p.name}': ${m.adopted}`)
        finished.push(p)
      } else {
        const why = w?.error ?? m.error ?? 'unknown'
        ledger.fail(
          'instance',
          p.name,
          `the instance under the real name did not come up (${why}); surge '${surges.get(p.name)}' keeps serving the new version, and the next deploy completes the rollout`,
          {
            uuid: m.instance?.uuid,
            createdByRun: m.ours
          }
        )
        notes.push(`surge '${surges.get(p.name)}' is still serving for '${p.name}'`)
      }
    }
    const gone = await retire(
      client,
      finished.map((p) => surges.get(p.name)!),
      opts.drainTimeoutMs,
      opts.deadline
    )
    for (const p of finished) {
      if (!gone.get(surges.get(p.name)!)?.ok)
        notes.push(
          `surge '${surges.get(p.name)}' could not be removed: ${gone.get(surges.get(p.name)!)?.error}; the next deploy removes it`
        )
    }
  })
}

const fqdnOf = (inst: Instance | undefined): string | undefined =>
  inst?.service_group?.domains?.[0]?.fqdn

/** Surges that run must also pass the health check before anything old is touched. */
async function checkHealth(
  check: string,
  rolling: InstancePlan[],
  surgeResults: Map<string, Launched>,
  opts: EngineOptions,
  log: Logger
): Promise<void> {
  const up = rolling.filter((p) => surgeResults.get(p.name)?.running)
  if (up.length === 0) return
  const probes = await log.group(`Health check of ${up.length} new version(s)`, () =>
    probeAll(
      check,
      up.map((p) => ({ name: p.name, fqdn: fqdnOf(surgeResults.get(p.name)?.instance) })),
      opts.deadline
    )
  )
  for (const [name, r] of probes) {
    log.info(`health check ${r.url} for '${name}': ${r.ok ? 'healthy' : 'failed'} (${r.detail})`)
    if (!r.ok)
      Object.assign(surgeResults.get(name)!, {
        running: false,
        error: `health check ${r.url} failed (${r.detail})`
      })
  }
}
