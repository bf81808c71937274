/**
 * What each new version measured, and whether it meets the runtime budget. Unikernels boot in
 * milliseconds; the platform measures it (`boot_time_us`, `net_time_us` on the instance and in
 * the metrics, `rss_bytes`, the wake-up histogram: ukc-api.md §6.8/§6.11, new-platform-
 * primitives §8). One batched metrics read covers every instance the run started and the
 * versions they are compared with, so the report costs one request and no wait.
 */
import type { Budget, BudgetMetric, Limit } from '../spec/budget.js'
import type { UkcClient } from '../ukc/client.js'
import type { Instance, InstanceMetrics } from '../ukc/types.js'
import type { RunContext } from './context.js'
import type { ObjectResult } from './types.js'

export interface Wake {
  /** Wake-ups from standby counted. */
  count: number
  /** The upper bound of the bucket holding the median (undefined: the overflow bucket). */
  p50Ms?: number
  /** The upper bound of the highest bucket with a wake-up (undefined: the overflow bucket). */
  maxMs?: number
  /** Exact: the histogram's sum over its count. */
  meanMs: number
}

export interface Runtime {
  bootMs?: number
  listenMs?: number
  rssMb?: number
  wake?: Wake
}

const tenth = (n: number): number => Math.round(n * 10) / 10
const msOf = (us: number | undefined): number | undefined =>
  typeof us === 'number' && us > 0 ? tenth(us / 1000) : undefined

/** The histogram's per-bucket counts (docs metrics.mdx), read into what the report shows. */
export function wakeOf(
  hist: InstanceMetrics['wakeup_latency'],
  sumMs: number | undefined
): Wake | undefined {
  const buckets = (hist ?? []).filter((b) => typeof b?.count === 'number')
  const count = buckets.reduce((n, b) => n + b.count, 0)
  if (count === 0) return undefined
  let seen = 0
  const median = buckets.find((b) => (seen += b.count) >= count / 2)
  const top = [...buckets].reverse().find((b) => b.count > 0)
  return {
    count,
    p50Ms: median?.bucket_ms ?? undefined,
    maxMs: top?.bucket_ms ?? undefined,
    meanMs: tenth((sumMs ?? 0) / count)
  }
}

/** The figures in a metrics item or an instance answer; what the platform did not report is absent. */
export function runtimeOf(m: Partial<InstanceMetrics> | Instance): Runtime {
  const metrics = m as Partial<InstanceMetrics>
  const rss = metrics.rss_bytes
  const r: Runtime = {
    bootMs: msOf(m.boot_time_us),
    listenMs: msOf(m.net_time_us),
    // A stopped or standby instance holds no memory: 0 is no reading of the version.
    rssMb: typeof rss === 'number' && rss > 0 ? tenth(rss / 1048576) : undefined,
    wake: wakeOf(metrics.wakeup_latency, metrics.wakeup_latency_sum)
  }
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Runtime
}

const FIGURE: Record<
  BudgetMetric,
  { label: string; unit: string; of: (r: Runtime) => number | undefined; missing: string }
> = {
  boot: { label: 'boot', unit: 'ms', of: (r) => r.bootMs, missing: 'no boot time (boot_time_us)' },
  listen: {
    label: 'listen',
    unit: 'ms',
    of: (r) => r.listenMs,
    missing: 'no time to listen (net_time_us)'
  },
  memory: {
    label: 'memory',
    unit: 'MiB',
    of: (r) => r.rssMb,
    missing: 'no memory reading (rss_bytes)'
  },
  wake: { label: 'wake', unit: 'ms', of: (r) => r.wake?.meanMs, missing: 'no wake-ups yet' }
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1))

export interface Verdict {
  /** Why it fails the budget (`over budget: boot 137 ms > 100 ms`), if it does. */
  over?: string
  /** Limits that could not be judged and why (a relative one without a production figure). */
  unjudged: string[]
}

/**
 * Each limit against the figure. A missing figure fails a limit that was asked for — a
 * budget that cannot be checked is not met — except wake (no wake-ups yet is no verdict) and
 * a relative limit with nothing to compare with; those are said, not failed.
 */
export function judge(
  r: Runtime,
  budget: Budget,
  base: Runtime | undefined,
  /** What the base is, in a verdict's words: `production`, or `before` (the version replaced). */
  baseWord = 'production'
): Verdict {
  const over: string[] = []
  const unjudged: string[] = []
  for (const [metric, limit] of Object.entries(budget) as [BudgetMetric, Limit][]) {
    const f = FIGURE[metric]
    const value = f.of(r)
    const baseValue = base && f.of(base)
    if (limit.relative !== undefined && baseValue === undefined) {
      unjudged.push(`${metric}=+${fmt(limit.relative)}%: no production figure to compare with`)
      continue
    }
    if (value === undefined) {
      if (metric === 'wake') unjudged.push(`wake: ${f.missing}`)
      else over.push(`${f.label}: the platform reported ${f.missing}`)
      continue
    }
    const ceiling = limit.absolute ?? tenth(baseValue! * (1 + limit.relative! / 100))
    const why =
      limit.relative !== undefined
        ? ` (${baseWord} ${fmt(baseValue!)} ${f.unit} +${fmt(limit.relative)} %)`
        : ''
    if (value > ceiling)
      over.push(`${f.label} ${fmt(value)} ${f.unit} > ${fmt(ceiling)} ${f.unit}${why}`)
  }
  return { over: over.length > 0 ? `over budget: ${over.join(', ')}` : undefined, unjudged }
}

/** `+35 %`, `−5 %`, `±0 %` against the production figure. */
function change(value: number, base: number | undefined): string {
  if (base === undefined || base <= 0) return ''
  const pct = Math.round(((value - base) / base) * 100)
  return ` (${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct)} %)`
}

const bound = (ms: number | undefined): string => (ms === undefined ? '> 4096 ms' : `≤ ${ms} ms`)

/** `boot 137 ms · listening after 82 ms · 23 MiB`, each with its change against `base`. */
export function describeRuntime(r: Runtime, base?: Runtime): string {
  const parts: string[] = []
  if (r.bootMs !== undefined)
    parts.push(`boot ${fmt(r.bootMs)} ms${change(r.bootMs, base?.bootMs)}`)
  if (r.listenMs !== undefined)
    parts.push(`listening after ${fmt(r.listenMs)} ms${change(r.listenMs, base?.listenMs)}`)
  if (r.rssMb !== undefined) parts.push(`${fmt(r.rssMb)} MiB${change(r.rssMb, base?.rssMb)}`)
  if (r.wake)
    parts.push(
      `wake p50 ${bound(r.wake.p50Ms)}, max ${bound(r.wake.maxMs)}, mean ${fmt(r.wake.meanMs)} ms${change(r.wake.meanMs, base?.wake?.meanMs)} (${r.wake.count} wake-up${r.wake.count === 1 ? '' : 's'})`
    )
  return parts.join(' · ')
}

/**
 * One metrics request for the instances and the versions they are compared with. A platform
 * that refuses the batch because of a compared name (one that does not exist) is asked once
 * more without them; a refused read leaves the figures the instance answers carried.
 */
export async function measure(
  client: UkcClient,
  names: string[],
  compared: string[]
): Promise<{ figures: Map<string, Runtime>; error?: string }> {
  const figures = new Map<string, Runtime>()
  const read = async (list: string[]): Promise<void> => {
    const r = await client.instances.metrics(list.map((name) => ({ name })))
    list.forEach((name, i) => {
      const item = r.items[i]
      if (item?.ok) figures.set(name, runtimeOf(item.value))
    })
  }
  const all = [...new Set([...names, ...compared])]
  if (all.length === 0) return { figures }
  try {
    await read(all)
    return { figures }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    if (compared.length === 0) return { figures, error: why }
    try {
      await read(names)
      return { figures }
    } catch (again) {
      return { figures, error: again instanceof Error ? again.message : String(again) }
    }
  }
}

/** How a new version that failed is said: over budget, or did not come up (and why). */
export const failedWords = (why: string): string =>
  why.startsWith('over budget') ? `is ${why}` : `did not come up (${why})`

/** An instance whose figures the run reports (and judges, with a budget). */
export interface Measured {
  name: string
  /** The row it reports on: a surge reports on the instance it replaces. */
  row: string
  /** The instance it is compared with: a preview's production one, or the one it replaces. */
  comparedWith?: string
  /** What is known of the compared version without asking (the replaced one's answers). */
  known?: Runtime
}

type Reading = Awaited<ReturnType<typeof measure>>

/**
 * Starts the one read of the new versions' figures and of what they are compared with: sent
 * beside the settle window's wait, so it costs no round trip of its own.
 */
export function startReading(client: UkcClient, list: Measured[]): Promise<Reading> {
  return measure(
    client,
    list.map((m) => m.name),
    list.flatMap((m) => (m.comparedWith ? [m.comparedWith] : []))
  )
}

/**
 * Puts the figures on the rows of the instances that stayed up, and answers those over budget,
 * and why. Limits that could not be judged are said in the notes.
 */
export async function checkRuntime(
  { opts, log, progress: { ledger, notes } }: RunContext,
  list: Measured[],
  reading: Promise<Reading>
): Promise<Map<string, string>> {
  const over = new Map<string, string>()
  if (list.length === 0) return over
  const { figures, error } = await reading
  if (error)
    log.warning(
      `the instances' metrics could not be read (${error}); the report shows what the instances answered`
    )
  for (const m of list) {
    const own = { ...figures.get(m.name) }
    const base = (m.comparedWith && figures.get(m.comparedWith)) || m.known
    const versus =
      m.comparedWith && m.comparedWith !== m.row
        ? `production '${m.comparedWith}'`
        : 'the version replaced'
    ledger.set('instance', m.row, {
      runtime: own,
      ...(base && Object.keys(base).length > 0 ? { baseline: base, comparedWith: versus } : {})
    })
    if (!opts.budget) continue
    const verdict = judge(
      own,
      opts.budget,
      base,
      versus.startsWith('production') ? 'production' : 'before'
    )
    if (verdict.over)
      over.set(m.name, error ? `${verdict.over} (metrics unread: ${error})` : verdict.over)
    for (const u of verdict.unjudged) notes.push(`runtime budget of '${m.row}': ${u}, not judged`)
  }
  return over
}

/**
 * A row's figures: its own instance's answers (boot, listen) over what was measured of its
 * version (in a rolling rollout, the surge), with the memory and wake-ups read once.
 */
export function rowRuntime(o: ObjectResult): Runtime | undefined {
  if (!o.runtime) return undefined
  const bootMs = msOf(o.bootTimeUs) ?? o.runtime.bootMs
  const listenMs = msOf(o.netTimeUs) ?? o.runtime.listenMs
  return Object.fromEntries(
    Object.entries({ ...o.runtime, bootMs, listenMs }).filter(([, v]) => v !== undefined)
  ) as Runtime
}
