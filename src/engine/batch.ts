/**
 * `start`, `stop`, `delete` and `status` of a set of instances, by the names a spec gives or
 * the `names` input: one request per step for the whole set (PRODUCT.md, Batch).
 */
import type { Spec } from '../spec/schema.js'
import type { UkcClient } from '../ukc/client.js'
import { describeItem } from '../ukc/envelope.js'
import { ErrorCode } from '../ukc/errors.js'
import { toRef } from '../ukc/scope.js'
import type { Instance, ObjectRef } from '../ukc/types.js'
import type { RunContext } from './context.js'
import type { Ledger } from './ledger.js'
import { attachLogTails, retireRefs, STILL_HELD, untilGone, waitBudgetMs, waitFor } from './ops.js'
import { externalRefs } from '../spec/check.js'
import { markerOf, PREVIEW_ENV, type PreviewOwner } from '../spec/preview.js'
import { templateGroup } from './kinds/template.js'
import { hasTags, previewTags, taggedPr } from './lifetime.js'
import { DELETE_ORDER } from './order.js'
import { key, teardown, type Doomed } from './teardown.js'
import type { Kind } from './types.js'

export interface Target {
  /** How the user named it (a name, or a UUID). */
  label: string
  ref: ObjectRef
}

export function targetsOf(spec: Spec | undefined, names: string[]): Target[] {
  const labels = names.length > 0 ? names : (spec?.instances.map((i) => i.name) ?? [])
  return [...new Set(labels)].map((label) => ({ label, ref: toRef(label) }))
}

/** Reads the set; rows are keyed by the name the API reports (or the label when unknown). */
async function read(
  client: UkcClient,
  targets: Target[],
  ledger: Ledger
): Promise<Map<string, Instance>> {
  const r = await client.instances.get(targets.map((t) => t.ref))
  const found = new Map<string, Instance>()
  targets.forEach((t, i) => {
    const item = r.items[i]
    if (item?.ok) {
      found.set(t.label, item.value)
      ledger.fromInstance(item.value.name, item.value)
    } else
      ledger.fail('instance', t.label, item ? describeItem(item) : 'no answer', {
        state: item?.code === ErrorCode.NotFound ? 'absent' : undefined
      })
  })
  return found
}

export async function status({ client, progress }: RunContext, targets: Target[]): Promise<void> {
  await read(client, targets, progress.ledger)
}

/**
 * start or stop: one request for the set, with the details (domains, private IPs) read in the
 * same round trip rather than after, then one wait for the whole set.
 */
async function switchState(
  ctx: RunContext,
  verb: 'start' | 'stop',
  targets: Target[]
): Promise<void> {
  const {
    client,
    opts,
    progress: { ledger }
  } = ctx
  const refs = targets.map((t) => t.ref)
  const drain =
    verb === 'stop' && opts.drainTimeoutMs > 0 ? { drain_timeout_ms: opts.drainTimeoutMs } : {}
  // start carries the server-side wait itself; stop does not block, so it is followed by one.
  const waitMs =
    verb === 'start' && opts.wait ? { wait_timeout_ms: waitBudgetMs(opts.deadline) } : {}
  const [r, details] = await Promise.all([
    verb === 'start'
      ? client.instances.start(refs.map((ref) => ({ ...ref, ...waitMs })))
      : client.instances.stop(refs.map((ref) => ({ ...ref, ...drain }))),
    client.instances.get(refs)
  ])
  const names: string[] = []
  targets.forEach((t, i) => {
    const item = r.items[i]
    if (!item || (!item.ok && !item.timedOut)) {
      ledger.fail('instance', t.label, `${verb} failed: ${item ? describeItem(item) : 'no answer'}`)
      return
    }
    names.push(item.value.name)
    const known = details.items[i]
    if (known?.ok) ledger.fromInstance(item.value.name, known.value)
    ledger.set('instance', item.value.name, {
      uuid: item.value.uuid,
      state: item.value.state,
      action: verb === 'start' ? 'started' : 'stopped'
    })
    if (item.timedOut)
      ledger.fail(
        'instance',
        item.value.name,
        `still ${item.value.state} when the timeout ran out (wanted running)`
      )
  })
  if (opts.wait && verb === 'stop') await waitStopped(ctx, names)
  await attachLogTails(client, ledger)
}

export const start = (ctx: RunContext, targets: Target[]): Promise<void> =>
  switchState(ctx, 'start', targets)

export const stop = (ctx: RunContext, targets: Target[]): Promise<void> =>
  switchState(ctx, 'stop', targets)

async function waitStopped(
  { client, opts, log, progress }: RunContext,
  names: string[]
): Promise<void> {
  const { ledger } = progress
  const state = 'stopped'
  const waited = await log.group(`Waiting for ${names.length} instance(s) to be ${state}`, () =>
    waitFor(client, names, state, opts.deadline)
  )
  for (const name of names) {
    const w = waited.get(name)
    if (w && !w.ok) ledger.fail('instance', name, w.error ?? `not ${state}`, { state: w.state })
    else if (w) ledger.set('instance', name, { state: w.state })
  }
}

/**
 * What a delete with a spec removes besides the instances: only what the spec defines, and
 * [N] the templates its groups' autoscale cloned (`<group>-tpl-<hash>`, found by listing).
 */
async function specOwned(client: UkcClient, spec: Spec | undefined): Promise<Doomed> {
  const groups = new Set(spec?.service_groups.map((g) => g.name) ?? [])
  const templates =
    client.dialect.autoscaleClones === 'template' && groups.size > 0
      ? (await client.templates.get()).items
          .filter((i) => i.ok && groups.has(templateGroup(i.value.name) ?? ''))
          .map((i) => i.value.name)
      : []
  return {
    volume: spec?.volumes.map((v) => v.name) ?? [],
    template: templates,
    // A group whose template is deleted loses its autoscale first (the template is in use).
    autoscale:
      spec?.service_groups
        .filter((g) => g.autoscale || templates.some((t) => templateGroup(t) === g.name))
        .map((g) => g.name) ?? [],
    service_group: spec?.service_groups.map((g) => g.name) ?? [],
    certificate: spec?.certificates.map((c) => c.name) ?? []
  }
}

/** The instances, drained first when asked; already gone is not a failure. */
async function deleteInstances(ctx: RunContext, targets: Target[]): Promise<void> {
  const { client, opts, log, progress } = ctx
  await log.group(`Deleting ${targets.length} instance(s)`, async () => {
    const refs = targets.map((t) => t.ref)
    // [N] The action's own delete of production unlocks what it deletes; a preview's never.
    const gone = await retireRefs(
      client,
      refs,
      opts.drainTimeoutMs,
      opts.deadline,
      () => !opts.preview
    )
    // Deleted means gone: what lingers still holds its volumes and group, deleted next.
    const held = await untilGone(
      client,
      refs.filter((_, i) => gone[i].ok && gone[i].state === 'deleted'),
      opts.deadline
    )
    targets.forEach((t, i) => {
      const g = gone[i]
      const name = g.name ?? t.label
      if (held.includes(t.ref)) progress.ledger.fail('instance', name, STILL_HELD)
      else if (!g.ok) progress.ledger.fail('instance', name, g.error ?? 'not deleted')
      else if (g.state === 'absent')
        progress.ledger.set('instance', name, { action: 'unchanged', state: 'absent' })
      else
        progress.ledger.set('instance', name, { uuid: g.uuid, action: 'deleted', state: 'deleted' })
    })
  })
}

/** The spec's own volumes, autoscale, service groups and certificates, in delete order. */
async function deleteOwned(ctx: RunContext, doomed: Doomed): Promise<void> {
  const { client, opts, log, progress } = ctx
  if (Object.values(doomed).every((list) => list.length === 0)) return
  await log.group(
    "Deleting the spec's autoscale, templates, volumes, service groups and certificates",
    async () => {
      const gone = await teardown(client, doomed, 0, opts.deadline)
      for (const [kind, names] of Object.entries(doomed) as [Kind, string[]][]) {
        for (const name of names) {
          const g = gone.get(key(kind, name))
          if (!g?.ok) progress.ledger.fail(kind, name, g?.error ?? 'not deleted')
          else
            progress.ledger.set(kind, name, {
              uuid: g.uuid,
              action: g.state === 'absent' ? 'unchanged' : 'deleted',
              state: g.state
            })
        }
      }
    }
  )
}

/**
 * Deletes the instances (draining first when asked), then the volumes, autoscale, service
 * groups and certificates the spec defines. Deleting what is already gone is not a failure:
 * the result is what was asked.
 */
export async function remove(
  ctx: RunContext,
  spec: Spec | undefined,
  targets: Target[]
): Promise<void> {
  if (ctx.opts.dryRun) return planRemoval(ctx, spec, targets)
  const owner = ctx.opts.preview
  const all = owner ? await withTagged(ctx, targets, owner) : targets
  await deleteInstances(ctx, owner ? await ownedTargets(ctx, all, owner) : all)
  if (!spec) return
  // Volumes the spec merely mounts belong to someone else.
  const { volumes } = externalRefs(spec)
  if (volumes.length > 0)
    ctx.progress.notes.push(
      `volume(s) ${volumes.map((v) => `'${v}'`).join(', ')} are mounted by the spec but not defined in it, so they were not deleted`
    )
  await deleteOwned(ctx, await specOwned(ctx.client, spec))
}

/**
 * [N] A closing PR's preview is found by its tags too: instances of it the spec no longer
 * names (a surge an interrupted rollout left, an instance dropped from the spec) go with it.
 */
async function withTagged(
  { client }: RunContext,
  targets: Target[],
  owner: PreviewOwner
): Promise<Target[]> {
  if (!client.dialect.policies) return targets
  const tags = previewTags(owner.repository, owner.pr)
  const listed = await client.instances.tagged(tags)
  const extra = listed.items
    .filter((i) => i.ok && hasTags(i.value.tags, tags) && taggedPr(i.value.tags) === owner.pr)
    .map((i) => i.value.name)
    .filter((name) => !targets.some((t) => t.label === name))
  return [...targets, ...extra.map((name) => ({ label: name, ref: { name } }))]
}

/**
 * In preview mode an instance is deleted only when it proves to be this repository's preview
 * of this PR: its PREVIEW_ENV marker says so. Anything else under such a name is left alone.
 */
async function ownedTargets(
  { client, progress: { ledger } }: RunContext,
  targets: Target[],
  owner: PreviewOwner
): Promise<Target[]> {
  if (targets.length === 0) return targets
  const r = await client.instances.get(targets.map((t) => t.ref))
  return targets.filter((_, i) => {
    const item = r.items[i]
    if (!item?.ok) return true // absent: deleting it again reports it as gone
    const marker = item.value.env?.[PREVIEW_ENV]
    if (marker === markerOf(owner)) return true
    ledger.fail(
      'instance',
      item.value.name,
      `left alone: it is not this repository's preview of #${owner.pr} (its ${PREVIEW_ENV} is ${marker ? `'${marker}'` : 'not set'})`,
      { uuid: item.value.uuid, state: item.value.state, foreign: true }
    )
    return false
  })
}

/** What delete would remove — the instances found, and what the spec owns — read but not touched (dry-run). */
async function planRemoval(
  { client, progress: { ledger, plan } }: RunContext,
  spec: Spec | undefined,
  targets: Target[]
): Promise<void> {
  const found = await read(client, targets, ledger)
  const reason = 'dry-run: would be deleted'
  for (const t of targets) {
    const inst = found.get(t.label)
    // Already gone is what a delete asks for: not a failure, and nothing to do.
    if (!inst && ledger.get('instance', t.label)?.state === 'absent')
      ledger.set('instance', t.label, { action: 'unchanged', error: undefined })
    if (!inst) continue
    ledger.set('instance', inst.name, { action: 'planned', intent: 'would delete' })
    plan.push({ kind: 'instance', name: inst.name, action: 'delete', reason })
  }
  // Every kind the real delete removes is a row too, so the dry run's table lists it.
  const owned = await specOwned(client, spec)
  for (const kind of DELETE_ORDER)
    for (const name of owned[kind] ?? []) {
      ledger.set(kind, name, { action: 'planned', intent: 'would delete' })
      plan.push({ kind, name, action: 'delete', reason })
    }
}
