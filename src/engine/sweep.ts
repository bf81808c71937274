/**
 * `sweep`, for a scheduled workflow: previews whose pull request is closed are deleted in
 * batch (instances, then volumes, then service groups). Only what this repository's previews
 * provably made is touched: names with this repository's `-pr<N>-<owner tag>` suffix, and of
 * instances only those whose PREVIEW_ENV marker names this repository and that PR. A PR
 * whose state GitHub cannot tell is left alone.
 */
import { markerOf, previewPr, PREVIEW_ENV } from '../spec/preview.js'
import type { UkcClient } from '../ukc/client.js'
import type { Progress } from './ledger.js'
import { key, teardown } from './teardown.js'
import type { EngineOptions, Kind, Logger } from './types.js'

export async function sweep(
  client: UkcClient,
  opts: EngineOptions,
  log: Logger,
  progress: Progress
): Promise<void> {
  const repository = opts.repository
  if (!opts.prState || !repository)
    throw new Error(
      'sweep asks GitHub which pull requests are closed: it needs a GitHub token (the github-token input; GITHUB_TOKEN for the CLI) and GITHUB_REPOSITORY'
    )
  const { ledger, notes, plan } = progress
  const [instances, groups, volumes] = await Promise.all([
    client.instances.get(),
    client.services.get(),
    client.volumes.get()
  ])
  const found: { kind: Kind; name: string; uuid: string; pr: number }[] = []
  const add = (
    kind: Kind,
    items: { ok: boolean; value: { name: string; uuid: string; env?: Record<string, string> } }[]
  ): void => {
    for (const i of items) {
      const pr = i.ok ? previewPr(i.value.name, repository) : undefined
      if (pr === undefined) continue
      const marker = i.value.env?.[PREVIEW_ENV]
      if (kind === 'instance' && marker !== markerOf({ repository, pr })) {
        notes.push(
          `instance '${i.value.name}' was left alone: its name looks like a preview of #${pr}, but its ${PREVIEW_ENV} does not name this repository and PR`
        )
        continue
      }
      found.push({ kind, name: i.value.name, uuid: i.value.uuid, pr })
    }
  }
  add('instance', instances.items)
  add('service_group', groups.items)
  add('volume', volumes.items)
  const prs = [...new Set(found.map((f) => f.pr))].sort((a, b) => a - b)
  const states = new Map(
    await Promise.all(prs.map(async (n) => [n, await opts.prState!(n)] as const))
  )
  log.info(
    `sweep: ${found.length} preview object(s) of ${prs.length} pull request(s): ${prs.map((n) => `#${n} ${states.get(n)}`).join(', ') || 'none'}`
  )
  for (const n of prs.filter((p) => states.get(p) === 'unknown'))
    notes.push(`PR #${n}: GitHub could not tell its state, so its preview was left alone`)
  const doomed = found.filter((f) => states.get(f.pr) === 'closed')
  for (const f of doomed) {
    plan.push({ kind: f.kind, name: f.name, action: 'delete', reason: `PR #${f.pr} is closed` })
    ledger.set(f.kind, f.name, { uuid: f.uuid, action: opts.dryRun ? 'planned' : 'unchanged' })
  }
  if (opts.dryRun || doomed.length === 0) return
  const names = (kind: Kind): string[] => doomed.filter((f) => f.kind === kind).map((f) => f.name)
  await log.group(
    `Deleting the previews of ${new Set(doomed.map((f) => f.pr)).size} closed pull request(s)`,
    async () => {
      const gone = await teardown(
        client,
        {
          instance: names('instance'),
          volume: names('volume'),
          service_group: names('service_group')
        },
        opts.drainTimeoutMs,
        opts.deadline
      )
      for (const f of doomed) {
        const g = gone.get(key(f.kind, f.name))
        ledger.set(
          f.kind,
          f.name,
          g?.ok
            ? { action: 'deleted', state: 'deleted' }
            : { action: 'failed', error: g?.error ?? 'not deleted' }
        )
      }
    }
  )
}
