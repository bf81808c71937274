/**
 * The job summary as Markdown: the outcome, totals, a table per kind of object, the plan,
 * notes, and the console tail of every instance that failed (collapsed). Pure text, so the
 * action and the CLI's --summary write the same thing.
 */
import { CREATE_ORDER, KIND_LABEL } from '../engine/order.js'
import { describeRuntime, rowRuntime } from '../engine/runtime.js'
import type { Kind, ObjectResult, RunResult } from '../engine/types.js'
import { isUuid } from '../ukc/names.js'
import { neutral } from './neutral.js'

const ICON: Record<RunResult['status'], string> = {
  success: '✅',
  partial_success: '⚠️',
  error: '❌'
}
const KIND_TITLE: Record<Kind, string> = {
  certificate: 'Certificates',
  service_group: 'Service groups',
  autoscale: 'Autoscale',
  volume: 'Volumes',
  template: 'Instance templates',
  instance: 'Instances'
}

const ZWSP = '\u200b'

/** A UUID as code; anything else (or nothing) as plain text, so an empty cell stays empty. */
const uuidCell = (uuid: string | undefined): string =>
  uuid && isUuid(uuid) ? `\`${uuid}\`` : cell(uuid)

/**
 * Text the action did not build (names, states, messages from the API) as inert Markdown for
 * a table cell or a line: no HTML, no pipes or line breaks, no Markdown syntax, no
 * @-mentions (they would notify people) and no autolinks or issue references (a zero-width
 * space breaks `://`, `www.`, `@` and `#<digits>`).
 */
export function cell(text: string | undefined): string {
  return (
    neutral(text ?? '')
      .replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!)
      .replace(/[\\`*_[\]~|]/g, (c) => `\\${c}`)
      .replace(/[\r\n\u2028\u2029]+/g, ' ')
      // Mentions and issue references start a word (`acme/api@sha256:…` is neither).
      .replace(/(^|[^A-Za-z0-9_])@(?=[A-Za-z0-9])/g, `$1@${ZWSP}`)
      .replace(/(^|[^A-Za-z0-9_])#(?=\d)/g, `$1#${ZWSP}`)
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${ZWSP}.`)
  )
}

function bootTime(us: number | undefined): string {
  if (us === undefined) return ''
  return us < 1000 ? `${us} µs` : `${(us / 1000).toFixed(us < 10000 ? 1 : 0)} ms`
}

/**
 * What the run measured of a version it started, compared with production (or the version it
 * replaced); for anything else, the boot time its answer carried.
 */
export function runtimeCell(r: ObjectResult): string {
  // What no longer runs has no runtime worth showing.
  if (r.rolledBack || r.action === 'deleted') return ''
  const figures = rowRuntime(r)
  if (!figures) return r.bootTimeUs !== undefined ? `boot ${bootTime(r.bootTimeUs)}` : ''
  const vs = r.baseline
    ? `<br><sub>${cell(r.comparedWith ?? 'before')}: ${cell(describeRuntime(r.baseline))}</sub>`
    : ''
  return `${cell(describeRuntime(figures, r.baseline))}${vs}`
}

function totals(objects: ObjectResult[]): string {
  const parts: string[] = []
  for (const kind of CREATE_ORDER) {
    const rows = objects.filter((o) => o.kind === kind)
    if (rows.length === 0) continue
    const counts = new Map<string, number>()
    for (const r of rows) counts.set(r.action, (counts.get(r.action) ?? 0) + 1)
    parts.push(
      `${rows.length} ${KIND_LABEL[kind]}${rows.length > 1 && kind !== 'autoscale' ? 's' : ''}: ${[...counts].map(([a, n]) => `${n} ${a}`).join(', ')}`
    )
  }
  return parts.join(' · ')
}

/** `Plan: 2 to create, 2 to replace (rolling), 1 to recreate, 2 unchanged`, as terraform says it. */
export function planHeadline(plan: RunResult['plan']): string {
  if (plan.length === 0) return ''
  const words = (p: RunResult['plan'][number]): string => {
    if (p.action === 'replace')
      return p.strategy === 'recreate' ? 'to recreate' : 'to replace (rolling)'
    if (p.action === 'unchanged') return 'unchanged'
    if (p.action === 'conflict') return 'refused'
    return `to ${p.action}`
  }
  const order = [
    'to create',
    'to replace (rolling)',
    'to recreate',
    'to start',
    'to delete',
    'unchanged',
    'refused'
  ]
  const counts = new Map<string, number>()
  for (const p of plan) counts.set(words(p), (counts.get(words(p)) ?? 0) + 1)
  const parts = [...counts].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
  return `Plan: ${parts.map(([w, n]) => `${n} ${w}`).join(', ')}`
}

/** What happened to a row; for `plan`, what would; a rollback's deletes say so. */
export const actionOf = (r: ObjectResult): string =>
  r.action === 'planned' && r.intent
    ? r.intent
    : r.rolledBack && r.action !== 'failed'
      ? 'rolled back'
      : r.action

/**
 * An instance's console tail as a collapsed block: inert (control characters shown, HTML
 * escaped), and at most `maxLines` of its last lines when given.
 */
export function consoleBlock(name: string, tail: string, maxLines?: number): string {
  const all = tail.replace(/\n+$/, '').split('\n')
  const lines = maxLines !== undefined ? all.slice(-maxLines) : all
  const log = neutral(lines.join('\n'), { keepLines: true }).replace(
    /[<>&]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!
  )
  const size =
    maxLines !== undefined ? `last ${lines.length} lines` : `last ${Buffer.byteLength(tail)} bytes`
  return `<details><summary>Console of ${cell(name)} (${size})</summary>\n\n<pre>\n${log}\n</pre>\n\n</details>`
}

function table(kind: ObjectResult['kind'], rows: ObjectResult[]): string {
  const link = (f: string): string => `[${cell(f)}](https://${f})`
  const lines =
    kind === 'instance'
      ? [
          '| Name | Action | State | URL | UUID | Runtime | Error |',
          '|---|---|---|---|---|---|---|'
        ]
      : kind === 'service_group'
        ? ['| Name | Action | URLs | UUID | Error |', '|---|---|---|---|---|']
        : ['| Name | Action | State | UUID | Error |', '|---|---|---|---|---|']
  for (const r of rows) {
    const err = r.error ? `❌ ${cell(r.error)}` : ''
    const state = [cell(r.state), r.locked ? '🔒 locked' : '', r.detail ? cell(r.detail) : '']
      .filter((part) => part !== '')
      .join(' · ')
    if (kind === 'instance')
      lines.push(
        `| ${cell(r.name)} | ${actionOf(r)} | ${state} | ${r.fqdns[0] ? link(r.fqdns[0]) : ''} | ${uuidCell(r.uuid)} | ${runtimeCell(r)} | ${err} |`
      )
    else if (kind === 'service_group')
      lines.push(
        `| ${cell(r.name)} | ${actionOf(r)} | ${r.fqdns.map(link).join('<br>')} | ${uuidCell(r.uuid)} | ${err} |`
      )
    else
      lines.push(`| ${cell(r.name)} | ${actionOf(r)} | ${state} | ${uuidCell(r.uuid)} | ${err} |`)
  }
  return lines.join('\n')
}

/** [N] When a preview goes by itself, and that pushes keep it (lifetime.ts). */
export function expiryLine(result: RunResult): string | undefined {
  if (!result.expiresAt) return undefined
  const at = result.expiresAt.slice(0, 16).replace('T', ' ')
  return `⏳ This preview expires at ${at} UTC (preview-ttl); every push renews it, and closing the pull request deletes it at once.`
}

export function summaryMarkdown(result: RunResult, context: { title?: string } = {}): string {
  const out: string[] = []
  out.push(
    `### ${ICON[result.status]} ukc-deploy ${result.command}: ${result.status.replace('_', ' ')}${context.title ? ` — ${cell(context.title)}` : ''}`
  )
  // A plain blockquote with a bold word: GitHub alerts (`> [!CAUTION]`) show as literal text
  // where they are not supported, and a job summary is such a place.
  if (result.error) out.push(`> **Error:** ${result.error.split('\n').map(cell).join('<br>\n> ')}`)
  const t = result.command === 'plan' ? planHeadline(result.plan) : totals(result.objects)
  if (t) out.push(t)
  const expiry = expiryLine(result)
  if (expiry) out.push(expiry)
  for (const kind of CREATE_ORDER) {
    const rows = result.objects.filter((o) => o.kind === kind)
    if (rows.length > 0) out.push(`#### ${KIND_TITLE[kind]}\n\n${table(kind, rows)}`)
  }
  if (result.plan.length > 0) {
    const rows = result.plan.map(
      (p) =>
        `| ${p.kind.replace('_', ' ')} | ${cell(p.name)} | ${p.action}${p.strategy ? ` (${p.strategy})` : ''} | ${cell(p.reason)} |`
    )
    const open = result.command === 'plan' ? ' open' : ''
    out.push(
      `<details${open}><summary>Plan</summary>\n\n| Kind | Name | Action | Why |\n|---|---|---|---|\n${rows.join('\n')}\n\n</details>`
    )
  }
  if (result.notes.length > 0) out.push(result.notes.map((n) => `- ${cell(n)}`).join('\n'))
  for (const o of result.objects.filter((x) => x.logTail))
    out.push(consoleBlock(o.name, o.logTail!))
  return `${out.join('\n\n')}\n`
}
