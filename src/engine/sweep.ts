/**
 * `sweep`, for a scheduled workflow: previews whose pull request is closed (and with
 * `sweep-ttl`, open ones older than `preview-ttl`) are deleted in batch, in the delete order
 * of order.ts (autoscale, instances, [N] templates, volumes, service groups).
 * Only what this repository's previews provably made is touched: [N] instances and volumes
 * that carry this repository's tags (lifetime.ts); service groups and templates, and on
 * classic everything, by names with this repository's `-pr<N>-<owner tag>` suffix, instances
 * and templates only when their PREVIEW_ENV marker names this repository and that PR. A PR
 * whose state GitHub cannot tell is left alone. Nothing is ever unlocked: a locked object is
 * a failed row that says so.
 */
import { FieldError } from '../fields.js'
import { markerOf, previewPr, PREVIEW_ENV } from '../spec/preview.js'
import type { RunContext } from './context.js'
import type { Instance } from '../ukc/types.js'
import { templateGroup } from './kinds/template.js'
import { describeTtl, hasTags, previewTags, taggedPr, ttlOf } from './lifetime.js'
import { key, teardown } from './teardown.js'
import type { Kind } from './types.js'

interface Found {
  kind: Kind
  name: string
  uuid: string
  pr: number
  /** Instances: when made, and [N] when their own delete schedule falls due (sweep-ttl). */
  createdAt?: string
  ttlAt?: string
}

type Listed = {
  ok: boolean
  value: {
    name: string
    uuid: string
    env?: Record<string, string>
    tags?: string[]
    created_at?: string
    schedules?: Instance['schedules']
  }
}

/**
 * This repository's preview objects. [N] Instances and volumes carry tags: one `?tags=`
 * listing each finds them, the tags checked again here and the PR read from them; service
 * groups (which take no tags) and templates are found by name. [C] Everything by name, and
 * instances also by their marker.
 */
async function findPreviews(
  { client, progress }: RunContext,
  repository: string
): Promise<Found[]> {
  const templated = client.dialect.autoscaleClones === 'template'
  const tagged = client.dialect.policies
  const tags = previewTags(repository)
  const none = Promise.resolve({ items: [] as Listed[] })
  const [instances, groups, volumes, templates] = await Promise.all([
    tagged ? client.instances.tagged(tags) : client.instances.get(),
    client.services.get(),
    tagged ? client.volumes.tagged(tags) : client.volumes.get(),
    templated ? client.templates.get() : none
  ])
  const found: Found[] = []
  /** Instances and templates also prove it by their marker: tags or a name alone can be copied. */
  const marked = (kind: Kind, i: Listed, pr: number, looks: string): boolean => {
    if (kind !== 'instance' && kind !== 'template') return true
    if (i.value.env?.[PREVIEW_ENV] === markerOf({ repository, pr })) return true
    progress.notes.push(
      `${kind} '${i.value.name}' was left alone: its ${looks} a preview of #${pr}, but its ${PREVIEW_ENV} does not name this repository and PR`
    )
    return false
  }
  const byTags = (kind: Kind, items: Listed[]): void => {
    for (const i of items) {
      const pr = i.ok && hasTags(i.value.tags, tags) ? taggedPr(i.value.tags) : undefined
      if (pr === undefined || !marked(kind, i, pr, 'tags say it is')) continue
      found.push({ kind, name: i.value.name, uuid: i.value.uuid, pr, ...ages(i.value) })
    }
  }
  const byName = (kind: Kind, items: Listed[]): void => {
    for (const i of items) {
      // [N] A template is named after its group: `<group>-tpl-<hash>`.
      const base = kind === 'template' ? templateGroup(i.value.name) : i.value.name
      const pr = i.ok && base !== undefined ? previewPr(base, repository) : undefined
      if (pr === undefined || !marked(kind, i, pr, 'name looks like')) continue
      found.push({ kind, name: i.value.name, uuid: i.value.uuid, pr, ...ages(i.value) })
    }
  }
  ;(tagged ? byTags : byName)('instance', instances.items)
  byName('service_group', groups.items)
  ;(tagged ? byTags : byName)('volume', volumes.items)
  byName('template', templates.items as Listed[])
  return found
}

const ages = (v: Listed['value']): Pick<Found, 'createdAt' | 'ttlAt'> => ({
  createdAt: v.created_at,
  ttlAt: ttlOf(v)
})

/**
 * sweep-ttl: the open PRs whose preview is older than preview-ttl — its newest instance made
 * that long ago. [N] A preview whose instances carry their own delete schedule is the
 * platform's to expire (a push renews it without a new instance), so it is not judged here.
 */
function expiredPrs(found: Found[], ttlMs: number, now = Date.now()): Map<number, string> {
  const out = new Map<number, string>()
  const instances = found.filter((f) => f.kind === 'instance')
  for (const pr of new Set(instances.map((f) => f.pr))) {
    const mine = instances.filter((f) => f.pr === pr)
    if (mine.some((f) => f.ttlAt !== undefined)) continue
    const newest = Math.max(...mine.map((f) => Date.parse(f.createdAt ?? '') || now))
    if (now - newest > ttlMs)
      out.set(
        pr,
        `its preview is older than preview-ttl ${describeTtl(ttlMs)} (last deployed ${new Date(newest).toISOString().slice(0, 16).replace('T', ' ')} UTC)`
      )
  }
  return out
}

/** The ones whose pull request GitHub says is closed; a PR it cannot tell about is left alone. */
async function ofClosedPrs(
  { opts, log, progress }: RunContext,
  found: Found[],
  prState: NonNullable<RunContext['opts']['prState']>
): Promise<Found[]> {
  const prs = [...new Set(found.map((f) => f.pr))].sort((a, b) => a - b)
  const states = new Map(await Promise.all(prs.map(async (n) => [n, await prState(n)] as const)))
  log.info(
    `sweep: ${found.length} preview object(s) of ${prs.length} pull request(s): ${prs.map((n) => `#${n} ${states.get(n)}`).join(', ') || 'none'}`
  )
  for (const n of prs.filter((p) => states.get(p) === 'unknown'))
    progress.notes.push(`PR #${n}: GitHub could not tell its state, so its preview was left alone`)
  const expired =
    opts.sweepTtl && opts.previewTtlMs > 0
      ? expiredPrs(
          found.filter((f) => states.get(f.pr) === 'open'),
          opts.previewTtlMs
        )
      : new Map<number, string>()
  const doomed = found.filter((f) => states.get(f.pr) === 'closed' || expired.has(f.pr))
  for (const f of doomed) {
    progress.plan.push({
      kind: f.kind,
      name: f.name,
      action: 'delete',
      reason: expired.has(f.pr)
        ? `PR #${f.pr} is open, but ${expired.get(f.pr)}`
        : `PR #${f.pr} is closed`
    })
    progress.ledger.set(f.kind, f.name, {
      uuid: f.uuid,
      action: opts.dryRun ? 'planned' : 'unchanged'
    })
  }
  return doomed
}

export async function sweep(ctx: RunContext): Promise<void> {
  const { client, opts, log, progress } = ctx
  const repository = opts.repository
  if (!opts.prState || !repository)
    throw new FieldError(
      'no-github',
      'github-token',
      (w) =>
        `sweep asks GitHub which pull requests are closed: it needs a GitHub token (${w.name('github-token')}) and GITHUB_REPOSITORY`
    )
  const doomed = await ofClosedPrs(ctx, await findPreviews(ctx, repository), opts.prState)
  if (opts.dryRun || doomed.length === 0) return
  const names = (kind: Kind): string[] => doomed.filter((f) => f.kind === kind).map((f) => f.name)
  const prs = new Set(doomed.map((f) => f.pr)).size
  await log.group(`Deleting the previews of ${prs} pull request(s)`, async () => {
    const gone = await teardown(
      client,
      {
        instance: names('instance'),
        // A template is in use while its group's autoscale clones it: that goes first.
        autoscale: [...new Set(names('template').map((t) => templateGroup(t)!))],
        template: names('template'),
        volume: names('volume'),
        service_group: names('service_group')
      },
      opts.drainTimeoutMs,
      opts.deadline
    )
    for (const f of doomed) {
      const g = gone.get(key(f.kind, f.name))
      progress.ledger.set(
        f.kind,
        f.name,
        g?.ok
          ? { action: 'deleted', state: 'deleted' }
          : { action: 'failed', error: g?.error ?? 'not deleted' }
      )
    }
  })
}
