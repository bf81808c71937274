/** The adaptive limiter: slow start, one halving per window of pushback, AIMD growth, shared pause. */
import { describe, expect, it } from '@jest/globals'
import { AdaptiveLimiter } from '../../src/ukc/limiter.js'

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('AdaptiveLimiter', () => {
  it('holds requests beyond the limit and lets them in as places free up, in order', async () => {
    const l = new AdaptiveLimiter(2)
    const a = await l.acquire()
    await l.acquire()
    const order: number[] = []
    void l.acquire().then(() => order.push(3))
    void l.acquire().then(() => order.push(4))
    await tick()
    expect(order).toEqual([])
    a.release('neutral')
    await tick()
    expect(order).toEqual([3])
  })

  it('grows by one per answer until the first pushback (doubling per window), then halves once per window', async () => {
    const l = new AdaptiveLimiter(4)
    const slots = await Promise.all([1, 2, 3, 4].map(() => l.acquire()))
    slots.forEach((s) => s.release('ok'))
    expect(l.stats().limit).toBe(8)
    const burst = await Promise.all(Array.from({ length: 8 }, () => l.acquire()))
    // Eight 429s to requests sent together: one decrease, not eight.
    burst.forEach((s) => s.release('pushback', '429'))
    expect(l.stats()).toMatchObject({
      limit: 4,
      lowest: 4,
      decreases: 1,
      pushbacks: 8,
      reason: '429'
    })
    // After it: one more per window of answers, not one per answer.
    const window = await Promise.all([1, 2, 3, 4].map(() => l.acquire()))
    window.slice(0, 3).forEach((s) => s.release('ok'))
    expect(l.stats().limit).toBe(4)
    window[3].release('ok')
    expect(l.stats().limit).toBe(5)
  })

  it('never goes below one', async () => {
    const l = new AdaptiveLimiter(1)
    for (let i = 0; i < 5; i++) (await l.acquire()).release('pushback', '503')
    expect(l.stats()).toMatchObject({ limit: 1, lowest: 1 })
  })

  it('a Retry-After pauses every request, not just the one it answered', async () => {
    let now = 1000
    const l = new AdaptiveLimiter(8, () => now)
    l.pause(50)
    let got = false
    void l.acquire().then(() => (got = true))
    await tick()
    expect(got).toBe(false)
    now += 50
    await new Promise((r) => setTimeout(r, 70))
    expect(got).toBe(true)
    expect(l.stats().pausedMs).toBe(50)
  })

  it('lets in a request that arrives during a pause when the pause ends (a timer holds it)', async () => {
    const l = new AdaptiveLimiter(8)
    l.pause(30)
    const t0 = Date.now()
    await l.acquire()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29)
  })
})
