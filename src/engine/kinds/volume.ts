/**
 * Volumes (ukc-api.md §6): made once at their size, which is fixed at creation — a size that
 * differs from the spec is noted, never changed.
 */
import type { AccessMode, Spec } from '../../spec/schema.js'
import { ownTags } from '../lifetime.js'
import type { DeployContext } from '../context.js'
import { createNamed } from '../create.js'
import { byName, type Actual } from '../observe.js'
import type { PlanEntry } from '../types.js'

export type VolumePlan = PlanEntry & { kind: 'volume'; sizeMb: number; accessMode?: AccessMode }

/** Per volume: create, or keep (a size or access mode that differs is said, not changed). */
export function planVolumes(spec: Spec, actual: Actual): VolumePlan[] {
  return spec.volumes.map((v) => {
    const base = {
      kind: 'volume' as const,
      name: v.name,
      sizeMb: v.size_mb,
      ...(v.access_mode ? { accessMode: v.access_mode } : {})
    }
    const have = actual.volumes.get(v.name)
    const mode = v.access_mode ? `, access mode ${v.access_mode}` : ''
    if (!have) return { ...base, action: 'create', reason: `new, ${v.size_mb} MiB${mode}` }
    const notes = [
      have.size_mb !== undefined && have.size_mb !== v.size_mb
        ? `it has ${have.size_mb} MiB; the spec says ${v.size_mb}; sizes are fixed at creation`
        : undefined,
      v.access_mode && have.access_mode !== undefined && have.access_mode !== v.access_mode
        ? `it has access mode ${have.access_mode}; the spec says ${v.access_mode}; a volume keeps the mode it was made with, so rollouts follow ${have.access_mode}`
        : undefined
    ].filter((n) => n !== undefined)
    return {
      ...base,
      action: 'unchanged',
      reason: `exists${notes.length ? ` (${notes.join('; ')})` : ''}`
    }
  })
}

/** Phase: the new volumes, one create each (what the classic SDK sends), all at once. */
export async function createVolumes(ctx: DeployContext): Promise<void> {
  const { client, plan, log, progress } = ctx
  const { ledger, notes } = progress
  const wanted = plan.volumes.filter((v) => v.action === 'create')
  if (wanted.length === 0) return
  const made = await log.group(`Creating ${wanted.length} volume(s)`, () =>
    createNamed(
      wanted.map((v) => ({
        name: v.name,
        size_mb: v.sizeMb,
        ...(v.accessMode ? { access_mode: v.accessMode } : {}),
        // [N] Owned by tags like the instances (lifetime.ts); sweep finds them by them.
        ...(client.dialect.policies ? { tags: ownTags(ctx.opts, v.name) } : {})
      })),
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
 * Phase, last: the volumes' states as they are now, after their instances mounted them (a
 * volume made before its instance read `available`, which is no longer true). One request.
 */
export async function readVolumeStates({ client, plan, progress }: DeployContext): Promise<void> {
  const { ledger } = progress
  const names = plan.volumes.map((v) => v.name).filter((n) => ledger.get('volume', n)?.uuid)
  if (names.length === 0) return
  try {
    const now = byName(await client.volumes.get(names.map((name) => ({ name }))), 'volumes')
    for (const [name, v] of now) ledger.set('volume', name, { state: v.state })
  } catch {
    // A courtesy read at the end: its failure must not turn a deploy into a failure.
  }
}
