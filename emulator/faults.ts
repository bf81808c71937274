/**
 * Test controls for misbehaving networks and servers: fault rules matched per request, and
 * the journal of every API request the emulator answered.
 */

export type FaultKind =
  'status' | 'rate_limit' | 'reset' | 'delay' | 'malformed' | 'html' | 'answer'
export const FAULT_KINDS: readonly FaultKind[] = [
  'status',
  'rate_limit',
  'reset',
  'delay',
  'malformed',
  'html',
  'answer'
]

export interface FaultRule {
  /** HTTP method to match; any when absent. */
  method?: string
  /** Path to match (query excluded); a trailing `*` matches a prefix. */
  path: string
  kind: FaultKind
  /** For `status`: the HTTP status to answer (500, 502, 503, 401, ...). */
  status?: number
  /** For `rate_limit`: the Retry-After header, in seconds. */
  retry_after_s?: number
  /** For `answer`: the JSON body to answer with (HTTP `status`, default 200): a hostile server. */
  body?: unknown
  /** For `delay`: how long to stall before answering normally. */
  delay_ms?: number
  /** How many matching requests it hits before it is spent (default 1; -1: forever). */
  times?: number
  /** Matching requests to let through untouched before the fault starts hitting. */
  skip?: number
  /**
   * `before` (default): the request is not processed. `after`: it is processed and then the
   * answer is lost or replaced, as when a connection drops after the server acted.
   */
  when?: 'before' | 'after'
}

export class Faults {
  private rules: (FaultRule & { left: number; skipped: number })[] = []

  add(rule: FaultRule): void {
    if (!FAULT_KINDS.includes(rule.kind))
      throw new Error(`Unknown fault kind '${rule.kind}'; valid: ${FAULT_KINDS.join(', ')}`)
    if (typeof rule.path !== 'string' || !rule.path.startsWith('/'))
      throw new Error("A fault needs a 'path' starting with '/'")
    this.rules.push({ ...rule, left: rule.times ?? 1, skipped: 0 })
  }

  clear(): void {
    this.rules = []
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }))
  }

  /** The first live rule for this request, spending one of its hits. */
  take(method: string, path: string): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        r.left !== 0 &&
        (!r.method || r.method.toUpperCase() === method) &&
        (r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : r.path === path)
    )
    if (!rule) return undefined
    if (rule.skipped < (rule.skip ?? 0)) {
      rule.skipped++
      return undefined
    }
    if (rule.left > 0) rule.left--
    return rule
  }
}

export interface JournalEntry {
  seq: number
  time: string
  method: string
  path: string
  query: string
  body: unknown
  status: number
  duration_ms: number
  user_agent?: string
  fault?: string
  /** The JSON answer (not for injected faults or Prometheus text): what a contract test checks. */
  response?: unknown
}

export class Journal {
  private entries: JournalEntry[] = []
  private seq = 0

  record(e: Omit<JournalEntry, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...e })
    if (this.entries.length > 10000) this.entries.shift()
  }

  list(): JournalEntry[] {
    return [...this.entries]
  }

  clear(): void {
    this.entries = []
  }
}
