/**
 * [N] What the new platform keeps on what the action makes, so that previews clean up after
 * themselves and every object says where it came from (new-platform-primitives.md §1, §2, §7,
 * §11): tags that prove ownership to a `?tags=` listing, annotations with the commit, run and
 * pull request (they reach the guest), and on previews a `delete` schedule at the end of
 * `preview-ttl`, renewed by every push with one batched PATCH, and an autokill on their
 * service groups so a group goes once its instances have. Classic has none of it: a preview
 * there lives until its PR closes or a scheduled sweep finds it (sweep.ts).
 */
import { ownerTag, previewSuffix } from '../spec/preview.js'
import { describeItem } from '../ukc/envelope.js'
import type { CreateInstanceRequest, Instance, InstanceUpdate, Schedule } from '../ukc/types.js'
import type { DeployContext, RunContext } from './context.js'
import type { EngineOptions } from './types.js'

/** On everything the action makes. */
export const OWN_TAG = 'ukc-deploy'
/** The name of the preview's delete schedule; only this one is ever set or renewed. */
export const TTL_SCHEDULE = 'ukc-deploy-ttl'
/**
 * How long an empty preview service group waits before the platform deletes it: long enough
 * that a recreate, which empties it for seconds, never loses it.
 */
export const GROUP_AUTOKILL_MS = 3_600_000

export const ownerTagOf = (repository: string): string => `${OWN_TAG}.owner=${ownerTag(repository)}`
export const prTagOf = (pr: number): string => `${OWN_TAG}.pr=${pr}`

/** The tags a preview listing asks for: this repository's, and of one PR when given. */
export function previewTags(repository: string, pr?: number): string[] {
  return [OWN_TAG, ownerTagOf(repository), ...(pr !== undefined ? [prTagOf(pr)] : [])]
}

/** The PR a tagged object is a preview of, read from its tags (undefined: none). */
export function taggedPr(tags: readonly string[] | undefined): number | undefined {
  const tag = tags?.find((t) => t.startsWith(`${OWN_TAG}.pr=`))
  const n = tag ? Number(tag.slice(OWN_TAG.length + 4)) : NaN
  return Number.isInteger(n) && n > 0 ? n : undefined
}

/** Whether an object carries every one of the tags (the listing's filter, checked again here). */
export const hasTags = (have: readonly string[] | undefined, want: readonly string[]): boolean =>
  want.every((t) => have?.includes(t) ?? false)

/** The spec's own name for an object, without the preview suffix. */
function specNameOf(name: string, opts: EngineOptions): string {
  const suffix = opts.preview ? previewSuffix(opts.preview) : ''
  return suffix && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name
}

/** `ukc-deploy`, the owner tag, the PR for a preview, and the name in the spec. */
export function ownTags(opts: EngineOptions, specName: string): string[] {
  const repository = opts.preview?.repository ?? opts.repository
  return [
    OWN_TAG,
    ...(repository ? [ownerTagOf(repository)] : []),
    ...(opts.preview ? [prTagOf(opts.preview.pr)] : []),
    `${OWN_TAG}.spec=${specNameOf(specName, opts)}`
  ]
}

/** `YYYY-MM-DD HH:MM:SS` in UTC: the one-point-in-time form of the calendar syntax. */
export function calendarTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/** When this run's previews expire (epoch ms), on a platform that runs schedules. */
export const expiryOf = (opts: EngineOptions, client: RunContext['client']): number | undefined =>
  opts.preview && client.dialect.policies ? opts.previewExpiresAt : undefined

const ttlSchedule = (at: number): Schedule => ({
  name: TTL_SCHEDULE,
  action: 'delete',
  when: calendarTime(at)
})

/** Tags, annotations and, on a preview, its delete schedule: what every create carries. */
export function createExtras(
  { client, opts }: RunContext,
  specName: string
): Partial<CreateInstanceRequest> {
  if (!client.dialect.policies) return {}
  const p = opts.provenance ?? {}
  const annotations: Record<string, string> = {}
  // The platform refuses a whole create over one value with control characters: an odd
  // environment (a runner's variable with a line break) loses that annotation, not the deploy.
  const add = (key: string, value: string | undefined): void => {
    if (value && !/\p{Cc}/u.test(value)) annotations[`${OWN_TAG}/${key}`] = value.slice(0, 2048)
  }
  add('commit', p.commit)
  add('run', p.runUrl)
  add('pull-request', p.prUrl)
  const at = expiryOf(opts, client)
  return {
    tags: ownTags(opts, specName),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    ...(at !== undefined ? { schedules: [ttlSchedule(at)] } : {})
  }
}

/** When an instance's own TTL schedule falls due, as the platform reports it. */
export function ttlOf(inst: Pick<Instance, 'schedules'> | undefined): string | undefined {
  const s = inst?.schedules?.find((x) => x.name === TTL_SCHEDULE)
  return s?.next_at ?? s?.when
}

/**
 * Phase: every preview instance this run did not make itself (kept, started, or still serving
 * after a failed rollout) gets its delete schedule moved to the new expiry, and one an earlier
 * version made without tags gets them (so the sweep's tag listing finds it from now on) — one
 * PATCH for all, no re-create. What was made this run carries both from its create.
 */
export async function renewPreview(ctx: DeployContext): Promise<void> {
  const { client, opts, log, progress } = ctx
  // A metro that refused them on create has no schedules to renew (a note said so).
  if (!opts.preview || !client.dialect.policies || client.instances.refusedPolicies) return
  const at = expiryOf(opts, client)
  const kept = ctx.plan.instances.filter((p) => {
    const o = progress.ledger.get('instance', p.name)
    return o?.uuid && !o.createdByRun && !o.foreign && o.state !== 'deleted' && o.state !== 'absent'
  })
  const updates = kept.flatMap((p): InstanceUpdate[] => {
    const tags = ownTags(opts, p.name)
    return [
      ...(at !== undefined
        ? [{ name: p.name, prop: 'schedules', op: 'set', value: [ttlSchedule(at)] } as const]
        : []),
      ...(hasTags(p.actual?.tags, tags)
        ? []
        : [{ name: p.name, prop: 'tags', op: 'add', value: tags } as const])
    ]
  })
  if (updates.length === 0) {
    progress.expiresAt = at
    return
  }
  const r = await client.instances.update(updates).catch((err: unknown) => {
    progress.notes.push(
      `the preview's expiry and tags could not be renewed: the platform refused the update (${err instanceof Error ? err.message : String(err)}); the instances keep what they had`
    )
    return undefined
  })
  if (!r) return
  progress.expiresAt = at
  const failed = updates.filter((_, i) => !r.items[i]?.ok)
  if (at !== undefined)
    log.info(
      `preview-ttl: ${kept.length} kept instance(s) now expire at ${calendarTime(at)} UTC${failed.length ? ` (${failed.length} change(s) refused)` : ''}`
    )
  for (const [i, u] of updates.entries())
    if (!r.items[i]?.ok)
      progress.notes.push(
        `instance '${u.name}': its ${u.prop === 'tags' ? 'tags could not be added' : 'expiry could not be renewed; it keeps the one it had'} (${r.items[i] ? describeItem(r.items[i]) : 'no answer'})`
      )
}

/** [C] Said once per preview run: classic has no schedules, so nothing expires by itself. */
export function classicTtlNotice({ client, opts, progress }: RunContext): void {
  if (!opts.preview || opts.previewTtlMs <= 0 || client.dialect.policies) return
  progress.notes.push(
    `preview-ttl: the classic API has no schedules, so this preview does not expire by itself; it is deleted when the pull request closes, or by a scheduled sweep (command: sweep with sweep-ttl: true) once it is older than ${describeTtl(opts.previewTtlMs)}`
  )
}

/** `7d`, `12h`, `30m`, `90s`: the largest whole unit. */
export function describeTtl(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000]
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`
  return `${Math.round(ms / 1000)}s`
}
