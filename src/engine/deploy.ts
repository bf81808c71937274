/**
 * `deploy` (and `plan`): observe, plan, then apply in phases — one per object kind, in the
 * order things are made (order.ts), each batched across the whole spec — and finally the
 * console tails of whatever failed, so the report shows what is really running.
 */
import type { Spec } from '../spec/schema.js'
import type { DeployContext, Phase, RunContext } from './context.js'
import { configureAutoscale, removeAutoscale } from './kinds/autoscale.js'
import { awaitIssuance, uploadCertificates } from './kinds/certificate.js'
import { applyInstances } from './kinds/instance.js'
import { createGroups } from './kinds/service-group.js'
import { makeTemplates, reportTemplates, retireTemplates } from './kinds/template.js'
import { createVolumes, readVolumeStates } from './kinds/volume.js'
import { classicTtlNotice, renewPreview } from './lifetime.js'
import { observe } from './observe.js'
import { attachLogTails } from './ops.js'
import { planDeploy, planEntries } from './plan.js'
import { classicProtectNotice, lockProduction } from './protect.js'

export class DeployBlocked extends Error {
  constructor(readonly reasons: string[]) {
    super(`Nothing was changed: ${reasons.join('; ')}`)
    this.name = 'DeployBlocked'
  }
}

/**
 * The apply, in creation order. Autoscale configurations the spec drops or changes go before
 * any instance changes; new ones after, because autoscale clones a running instance; the
 * platform's certificates for new domains are followed last. [N] Templates are made before the
 * instances change (from stopped copies), and the ones nothing clones any more are deleted
 * after autoscale was re-pointed.
 */
const PHASES: readonly Phase[] = [
  uploadCertificates,
  createGroups,
  removeAutoscale,
  createVolumes,
  makeTemplates,
  applyInstances,
  lockProduction,
  renewPreview,
  configureAutoscale,
  retireTemplates,
  awaitIssuance,
  readVolumeStates,
  (ctx) => attachLogTails(ctx.client, ctx.progress.ledger)
]

/** Rows for what exists, as found; what is new gets its row when it is made. */
function reportFound(ctx: DeployContext): void {
  const {
    actual,
    plan,
    opts,
    progress: { ledger }
  } = ctx
  reportTemplates(ctx)
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
      ledger.fail('instance', p.name, p.reason, p.foreign ? { foreign: true } : {})
  }
}

/** `plan`: every row says what deploy would do to it, and nothing is written. */
function reportPlan({ plan, progress: { ledger, notes } }: DeployContext): void {
  for (const e of planEntries(plan))
    if (ledger.get(e.kind, e.name)?.action !== 'failed')
      ledger.set(e.kind, e.name, {
        action: 'planned',
        intent: `${e.action}${e.strategy ? ` (${e.strategy})` : ''}`
      })
  for (const l of plan.leftovers)
    notes.push(
      `surge instance '${l.surge}' is left over from an interrupted rollout of '${l.of}'; deploy removes it`
    )
}

export async function deploy(run: RunContext, spec: Spec): Promise<void> {
  const actual = await run.log.group('Reading the current state', () => observe(run.client, spec))
  if (actual.autoscaleUnread)
    run.progress.notes.push(
      `autoscale could not be read (${actual.autoscaleUnread}); the spec configures none, so the deploy went on without it`
    )
  const plan = planDeploy(spec, actual, run.opts.strategy, run.client.dialect)
  if (plan.blockers.length > 0) throw new DeployBlocked(plan.blockers)
  const entries = planEntries(plan)
  run.progress.plan.push(...entries)
  for (const e of entries) run.log.info(`plan: ${e.kind} ${e.name}: ${e.action} — ${e.reason}`)
  const ctx: DeployContext = { ...run, spec, actual, plan, madeGroups: [] }
  reportFound(ctx)
  if (run.opts.command === 'plan') return reportPlan(ctx)
  classicTtlNotice(ctx)
  classicProtectNotice(ctx)
  for (const phase of PHASES) await phase(ctx)
}
