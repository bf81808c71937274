/**
 * The last lines of the step log: one per outcome, so a run never ends on a `::group::` with
 * no result. `✓ deployed 2 instances, 1 service group: https://…` or
 * `✗ 1 of 3 instances failed: worker (No image …)`.
 */
import { CREATE_ORDER, KIND_LABEL } from '../engine/order.js'
import type { Kind, RunResult } from '../engine/types.js'
import { publicUrls } from './outputs.js'
import { planHeadline } from './summary.js'

const DONE: Record<RunResult['command'], string> = {
  deploy: 'deployed',
  plan: 'planned',
  start: 'started',
  stop: 'stopped',
  delete: 'deleted',
  status: 'read',
  sweep: 'swept'
}

const count = (n: number, kind: Kind): string =>
  `${n} ${KIND_LABEL[kind]}${n === 1 || kind === 'autoscale' ? '' : 's'}`

const short = (text: string | undefined): string => {
  const line = (text ?? 'failed').split('\n')[0]
  return line.length > 80 ? `${line.slice(0, 80)}…` : line
}

/** `2 instances, 1 volume`: rows (or plan entries) counted per kind, in creation order. */
const counted = (rows: { kind: Kind }[]): string =>
  CREATE_ORDER.map((kind) => [kind, rows.filter((r) => r.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => count(n, kind))
    .join(', ')

export function outcomeLines(result: RunResult): string[] {
  const lines: string[] = []
  if (result.error) lines.push(`✗ ${result.command}: ${short(result.error)}`)
  for (const kind of CREATE_ORDER) {
    const rows = result.objects.filter((o) => o.kind === kind)
    const failed = rows.filter((o) => o.action === 'failed')
    if (failed.length > 0)
      lines.push(
        `✗ ${failed.length} of ${count(rows.length, kind)} failed: ${failed.map((o) => `${o.name} (${short(o.error)})`).join(', ')}`
      )
  }
  const mark = (): string => (lines.length > 0 ? '·' : '✓')
  if (result.command === 'plan') {
    const headline = planHeadline(result.plan)
    if (headline) lines.push(`${lines.length > 0 ? '✗' : '✓'} ${headline}`)
    return lines
  }
  const gone = result.objects.filter((o) => o.action === 'unchanged' && o.state === 'absent')
  if (gone.length > 0) lines.push(`${mark()} already gone: ${gone.map((o) => o.name).join(', ')}`)
  if (result.dryRun) {
    const doomed = result.plan.filter((p) => p.action === 'delete')
    lines.push(
      `${mark()} would delete ${counted(doomed) || 'nothing'}${doomed.length ? `: ${doomed.map((p) => p.name).join(', ')}` : ''}`
    )
    return lines
  }
  const rolledBack = result.objects.filter((o) => o.rolledBack && o.action !== 'failed')
  // What the command did to the rest: a deploy's deleted rows (rolled back, a surge) are not deployed.
  const fine = result.objects.filter(
    (o) =>
      o.action !== 'failed' &&
      !o.rolledBack &&
      !gone.includes(o) &&
      !(result.command === 'deploy' && o.action === 'deleted')
  )
  if (rolledBack.length > 0)
    lines.push(
      `· rolled back (not at fault): ${counted(rolledBack)}: ${rolledBack.map((o) => o.name).join(', ')}`
    )
  if (fine.length > 0 || lines.length === 0) {
    const url = result.command === 'deploy' ? publicUrls(result.objects)[0] : undefined
    lines.push(
      `${mark()} ${DONE[result.command]} ${counted(fine) || 'nothing'}${url ? `: ${url}` : ''}`
    )
  }
  return lines
}
