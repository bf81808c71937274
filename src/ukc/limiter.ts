/**
 * How many requests the client keeps in flight, adapted to what the API takes (the way TCP
 * finds a path's capacity): a slow start from 64 that grows by one per answered request (so
 * it doubles every window of answers) until the API first pushes back; then it halves, and
 * grows by one per window of answers (AIMD). Pushback is a 429, a 503 or a connection reset;
 * one decrease per window, so a burst of 429s to requests sent together halves it once.
 * A `Retry-After` pauses every request, not just the one it answered. Never below one.
 */
export type Outcome = 'ok' | 'pushback' | 'neutral'

export interface Slot {
  release(outcome: Outcome, why?: string): void
}

export interface LimiterStats {
  /** The limit now. */
  limit: number
  /** The lowest the limit went. */
  lowest: number
  /** Pushbacks that lowered the limit. */
  decreases: number
  /** Answers that were pushback (429, 503, reset), counted or not. */
  pushbacks: number
  /** What the last pushback was (`429`, `503`, `connection reset`). */
  reason?: string
  /** Time all requests spent paused by a Retry-After. */
  pausedMs: number
}

export const INITIAL_CONCURRENCY = 64
const MAX_CONCURRENCY = 1024

export class AdaptiveLimiter {
  private limit: number
  private threshold = Infinity
  private inFlight = 0
  private readonly waiting: (() => void)[] = []
  private pausedUntil = 0
  private pauseTimer?: NodeJS.Timeout
  /** Bumped at each decrease: pushback to a request sent before it is old news. */
  private epoch = 0
  private credit = 0
  private readonly counts: Omit<LimiterStats, 'limit'>

  constructor(
    initial = INITIAL_CONCURRENCY,
    private readonly now: () => number = Date.now
  ) {
    this.limit = Math.max(1, initial)
    this.counts = { lowest: this.limit, decreases: 0, pushbacks: 0, pausedMs: 0 }
  }

  stats(): LimiterStats {
    return { limit: Math.floor(this.limit), ...this.counts }
  }

  /** Waits for a place in flight (and for any pause to end). */
  async acquire(): Promise<Slot> {
    // A waiter is woken with its place already taken (pump), so no one overtakes it.
    if (this.free() && this.waiting.length === 0) this.inFlight++
    else
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve)
        this.arm()
      })
    const sentIn = this.epoch
    let released = false
    return {
      release: (outcome, why) => {
        if (released) return
        released = true
        this.inFlight--
        this.settle(outcome, sentIn, why)
        this.pump()
      }
    }
  }

  /** Every request waits until `ms` from now (the API's Retry-After), one pause for all. */
  pause(ms: number): void {
    const until = this.now() + ms
    if (until <= this.pausedUntil) return
    this.counts.pausedMs += until - Math.max(this.now(), this.pausedUntil)
    this.pausedUntil = until
    this.pump()
  }

  private free(): boolean {
    return this.now() >= this.pausedUntil && this.inFlight < Math.floor(this.limit)
  }

  private settle(outcome: Outcome, sentIn: number, why?: string): void {
    if (outcome === 'ok') {
      if (this.limit < this.threshold) this.limit += 1
      else if (++this.credit >= Math.floor(this.limit)) {
        this.limit += 1
        this.credit = 0
      }
      this.limit = Math.min(this.limit, MAX_CONCURRENCY)
      return
    }
    if (outcome !== 'pushback') return
    this.counts.pushbacks++
    this.counts.reason = why ?? this.counts.reason
    if (sentIn !== this.epoch) return
    this.epoch++
    this.threshold = Math.max(1, Math.floor(this.limit / 2))
    this.limit = this.threshold
    this.credit = 0
    this.counts.decreases++
    this.counts.lowest = Math.min(this.counts.lowest, this.limit)
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.free()) {
      this.inFlight++
      this.waiting.shift()!()
    }
    this.arm()
  }

  /**
   * Waiters held by a pause are woken when it ends: a timer, which also keeps the process
   * alive while every request waits (without one, node would exit mid-run).
   */
  private arm(): void {
    const left = this.pausedUntil - this.now()
    if (this.waiting.length === 0 || left <= 0) return
    clearTimeout(this.pauseTimer)
    this.pauseTimer = setTimeout(() => this.pump(), left + 1)
  }
}
