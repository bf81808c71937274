/**
 * `sweep`, for a scheduled workflow: previews whose pull request is closed are deleted in
 * batch, in the delete order of order.ts (autoscale, instances, [N] templates, volumes,
 * service groups).
 * Only what this repository's previews provably made is touched: names with this
 * repository's `-pr<N>-<owner tag>` suffix, and of instances only those whose PREVIEW_ENV
 * marker names this repository and that PR. A PR whose state GitHub cannot tell is left alone.
 */
import { FieldError } from '../fields.js'
import { markerOf, previewPr, PREVIEW_ENV } from '../spec/preview.js'
import type { RunContext } from './context.js'
import { templateGroup } from './kinds/template.js'
import { key, teardown } from './teardown.js'
import type { Kind } from './types.js'

interface Found {
  kind: Kind
  name: string
  uuid: string
  pr: number
}

type Listed = { ok: boolean; value: { name: string; uuid: string; env?: Record<string, string> } }

/** This repository's preview objects, by name; instances also by their marker. */
async function findPreviews(
  { client, progress }: RunContext,
  repository: string
): Promise<Found[]> {
  const templated = client.dialect.autoscaleClones === 'template'
  const [instances, groups, volumes, templates] = await Promise.all([
    client.instances.get(),
    client.services.get(),
    client.volumes.get(),
    templated ? client.templates.get() : Promise.resolve({ items: [] as Listed[] })
  ])
  const found: Found[] = []
  const add = (kind: Kind, items: Listed[]): void => {
    for (const i of items) {
      // [N] A template is named after its group: `<group>-tpl-<hash>`.
      const base = kind === 'template' ? templateGroup(i.value.name) : i.value.name
      const pr = i.ok && base !== undefined ? previewPr(base, repository) : undefined
      if (pr === undefined) continue
      const marked = kind === 'instance' || kind === 'template'
      if (marked && i.value.env?.[PREVIEW_ENV] !== markerOf({ repository, pr })) {
        progress.notes.push(
          `${kind} '${i.value.name}' was left alone: its name looks like a preview of #${pr}, but its ${PREVIEW_ENV} does not name this repository and PR`
        )
        continue
      }
      found.push({ kind, name: i.value.name, uuid: i.value.uuid, pr })
    }
  }
  add('instance', instances.items)
  add('service_group', groups.items)
  add('volume', volumes.items)
  add('template', templates.items as Listed[])
  return found
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
  const doomed = found.filter((f) => states.get(f.pr) === 'closed')
  for (const f of doomed) {
    progress.plan.push({
      kind: f.kind,
      name: f.name,
      action: 'delete',
      reason: `PR #${f.pr} is closed`
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
  await log.group(`Deleting the previews of ${prs} closed pull request(s)`, async () => {
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
