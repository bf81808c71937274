/**
 * [N] Production protection (`protect`, new-platform-primitives.md §1 `delete_lock`, §11.3):
 * once a production instance is proven up, one batched PATCH sets `delete_lock: true` (the
 * create has no such member), so nothing deletes it by accident — not a console click, not a
 * script, not a preview's cleanup. The action's own rollout, recreate, delete and rollback
 * unlock exactly the instances they are about to delete, in one PATCH right before that
 * DELETE (ops.ts `retireRefs`); a preview close and `sweep` never unlock anything.
 */
import { describeItem } from '../ukc/envelope.js'
import type { Instance, ObjectRef } from '../ukc/types.js'
import type { UkcClient } from '../ukc/client.js'
import type { DeployContext, RunContext } from './context.js'

/** What the platform answers a delete of a locked object [CLI: internal/timeouts/timeouts_test.go]. */
export const LOCKED_MESSAGE = 'Deletion protection enabled'

/** Why a delete was refused, in words, when a lock refused it. */
export function lockedWords(message: string | undefined): string | undefined {
  if (!message?.includes(LOCKED_MESSAGE)) return undefined
  return `it is locked against deletion (delete_lock, "${LOCKED_MESSAGE}"); ukc-deploy unlocks only what its own rollout or delete of production removes, never for a preview close or a sweep — remove the lock first (PATCH delete_lock false) if it is to go`
}

const SERVING = new Set(['running', 'standby'])

/**
 * Phase: the spec's instances that serve at the end of the deploy and are not locked yet get
 * `delete_lock: true` in one request — new, replaced, kept from before this feature, and a
 * previous version a failed recreate restored. Never a preview, never another's instance, never
 * one of this run's failures (a rollback may still have to remove it).
 */
export async function lockProduction(ctx: DeployContext): Promise<void> {
  const { client, opts, log, progress } = ctx
  if (!client.dialect.policies || opts.preview || !opts.protect) return
  const { ledger } = progress
  const names = ctx.plan.instances
    .map((p) => ledger.get('instance', p.name))
    .filter(
      (o) =>
        o?.uuid &&
        !o.foreign &&
        !o.locked &&
        SERVING.has(o.state ?? '') &&
        (o.action !== 'failed' || !o.createdByRun)
    )
    .map((o) => o!.name)
  if (names.length === 0) return
  // The deploy itself worked: a platform that refuses the lock leaves a note, not a failure.
  const r = await client.instances
    .update(names.map((name) => ({ name, prop: 'delete_lock', op: 'set', value: true })))
    .catch((err: unknown) => {
      progress.notes.push(
        `production is not locked against deletion: the platform refused the lock (${err instanceof Error ? err.message : String(err)})`
      )
      return undefined
    })
  if (!r) return
  const locked = names.filter((_, i) => r.items[i]?.ok)
  for (const name of locked) ledger.set('instance', name, { locked: true })
  log.info(`protect: ${locked.length} production instance(s) locked against deletion`)
  for (const [i, name] of names.entries())
    if (!r.items[i]?.ok)
      progress.notes.push(
        `instance '${name}' runs but could not be locked against deletion (${r.items[i] ? describeItem(r.items[i]) : 'no answer'})`
      )
}

/**
 * The instances given unlocked, right before the caller deletes them: one PATCH. A failed
 * unlock is not reported here — the delete that follows answers for itself.
 */
export async function unlock(client: UkcClient, refs: readonly ObjectRef[]): Promise<void> {
  if (refs.length === 0 || !client.dialect.policies) return
  await client.instances
    .update(refs.map((ref) => ({ ...ref, prop: 'delete_lock', op: 'set', value: false })))
    .catch(() => undefined)
}

/** The names of the replaced instances that are locked: a rollout or recreate unlocks those. */
export const lockedOf = (plans: readonly { name: string; actual?: Instance }[]): Set<string> =>
  new Set(plans.filter((p) => p.actual?.delete_lock === true).map((p) => p.name))

/** [C] `protect` means nothing on classic: said once in the log of a production deploy. */
export function classicProtectNotice({ client, opts, log }: RunContext): void {
  if (client.dialect.policies || opts.preview || !opts.protect || opts.command !== 'deploy') return
  log.info(
    'protect: the classic API has no delete locks, so production instances are not locked against deletion'
  )
}
