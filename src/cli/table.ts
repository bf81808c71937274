/** What the CLI prints on a terminal: one aligned row per object, then failures and notes. */
import { KIND_LABEL } from '../engine/order.js'
import type { RunResult } from '../engine/types.js'
import { actionOf } from '../report/summary.js'

export function table(result: RunResult): string {
  const rows = [
    ['KIND', 'NAME', 'ACTION', 'STATE', 'URL', 'UUID'],
    ...result.objects.map((o) => [
      KIND_LABEL[o.kind],
      o.name,
      actionOf(o),
      `${o.state ?? '-'}${o.locked ? ' (locked)' : ''}`,
      o.fqdns[0] ? `https://${o.fqdns[0]}` : '-',
      o.uuid ?? '-'
    ])
  ]
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  const lines = rows.map((r) =>
    r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')
  )
  if (result.objects.length === 0) lines.length = 0
  for (const o of result.objects.filter((x) => x.error))
    lines.push(`${o.action === 'failed' ? '✗' : '•'} ${KIND_LABEL[o.kind]} ${o.name}: ${o.error}`)
  for (const n of result.notes) lines.push(`• ${n}`)
  if (result.expiresAt) lines.push(`• the preview expires at ${result.expiresAt}`)
  if (result.command === 'plan')
    for (const p of result.plan)
      lines.push(
        `plan: ${KIND_LABEL[p.kind]} ${p.name}: ${p.action}${p.strategy ? ` (${p.strategy})` : ''} — ${p.reason}`
      )
  // The error itself is on stderr, once; here only that the run ended in it.
  lines.push(`status: ${result.status}`)
  return `${lines.join('\n')}\n`
}
