/**
 * The runtime budget a release must meet (the `runtime-budget` input, the CLI's
 * `--runtime-budget`): `boot=100ms, listen=250ms, memory=64MB, wake=50ms`, or relative to
 * production (`boot=+20%`). Parsed before any request, every bad part named with the form
 * that is valid.
 */
import { FieldError } from '../fields.js'

export const BUDGET_METRICS = ['boot', 'listen', 'memory', 'wake'] as const
export type BudgetMetric = (typeof BUDGET_METRICS)[number]

/** A ceiling in the metric's unit (ms, or MiB for memory), or a rise over production in %. */
export type Limit =
  { absolute: number; relative?: undefined } | { relative: number; absolute?: undefined }

export type Budget = Partial<Record<BudgetMetric, Limit>>

const FORMS: Record<BudgetMetric, string> = {
  boot: 'boot=100ms or boot=1.5s',
  listen: 'listen=250ms',
  memory: 'memory=64MB (MB and MiB are both 2^20 bytes, as memory_mb is), memory=1GB',
  wake: 'wake=50ms (the mean wake-up from standby)'
}
const RELATIVE = /^\+(\d+(?:\.\d+)?)\s*%$/
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s)$/i
const SIZE = /^(\d+(?:\.\d+)?)\s*(mb|mib|gb|gib)$/i

function limitOf(metric: BudgetMetric, value: string): Limit | undefined {
  const rel = RELATIVE.exec(value)
  if (rel) return { relative: Number(rel[1]) }
  if (metric === 'memory') {
    const m = SIZE.exec(value)
    return m
      ? { absolute: Number(m[1]) * (m[2].toLowerCase().startsWith('g') ? 1024 : 1) }
      : undefined
  }
  const d = DURATION.exec(value)
  return d ? { absolute: Number(d[1]) * (d[2].toLowerCase() === 's' ? 1000 : 1) } : undefined
}

/** The budget, or undefined for an empty input; throws naming every bad part. */
export function parseBudget(text: string): Budget | undefined {
  const parts = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (parts.length === 0) return undefined
  const budget: Budget = {}
  const problems: string[] = []
  parts.forEach((part, i) => {
    const at = `part ${i + 1} '${part}'`
    const eq = part.indexOf('=')
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (!(BUDGET_METRICS as readonly string[]).includes(key)) {
      problems.push(
        `${at}: '${key}' is not a budget; use ${BUDGET_METRICS.join(', ')} (e.g. boot=100ms)`
      )
      return
    }
    const metric = key as BudgetMetric
    const limit = eq < 0 ? undefined : limitOf(metric, part.slice(eq + 1).trim())
    if (!limit || (limit.absolute !== undefined && limit.absolute <= 0))
      problems.push(`${at}: use ${FORMS[metric]}, or ${metric}=+20% (over production)`)
    else if (budget[metric]) problems.push(`${at}: ${metric} is given twice`)
    else budget[metric] = limit
  })
  if (problems.length > 0)
    throw new FieldError(
      'bad-budget',
      'runtime-budget',
      (w) => `${w.label('runtime-budget')}: ${problems.join('; ')}`
    )
  return budget
}
