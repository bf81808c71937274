/**
 * The last lines of the step log: one per outcome, so a run never ends on a `::group::` with
 * no result. `✓ deployed 2 instances, 1 service group: https://…` or
 * `✗ 1 of 3 instances failed: worker (No image …)`.
 */
import { CREATE_ORDER, KIND_LABEL } from '../engine/order.js'
import type { Kind, ObjectResult, RunResult } from '../engine/types.js'
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

export function outcomeLines(result: RunResult): string[] {
  const lines: string[] = []
  if (result.error) lines.push(`✗ ${result.command}: ${short(result.error)}`)
  const byKind = (kind: Kind): ObjectResult[] => result.objects.filter((o) => o.kind === kind)
  for (const kind of CREATE_ORDER) {
    const rows = byKind(kind)
    const failed = rows.filter((o) => o.action === 'failed')
    if (failed.length > 0)
      lines.push(
        `✗ ${failed.length} of ${count(rows.length, kind)} failed: ${failed.map((o) => `${o.name} (${short(o.error)})`).join(', ')}`
      )
  }
  const fine = CREATE_ORDER.map(
    (kind) => [kind, byKind(kind).filter((o) => o.action !== 'failed').length] as const
  )
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => count(n, kind))
  if (result.command === 'plan') {
    const headline = planHeadline(result.plan)
    if (headline) lines.push(`${lines.length > 0 ? '✗' : '✓'} ${headline}`)
  } else if (fine.length > 0 || lines.length === 0) {
    const url = result.command === 'deploy' ? publicUrls(result.objects)[0] : undefined
    lines.push(
      `${lines.length > 0 ? '·' : '✓'} ${DONE[result.command]} ${fine.join(', ') || 'nothing'}${url ? `: ${url}` : ''}`
    )
  }
  return lines
}
