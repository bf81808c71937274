/** The runtime budget's parser, and the figures, verdicts and words of runtime.ts. */
import { describe, expect, it } from '@jest/globals'
import { describeRuntime, judge, runtimeOf, wakeOf } from '../../src/engine/runtime.js'
import { parseBudget } from '../../src/spec/budget.js'

describe('parseBudget', () => {
  it('reads absolute and relative limits in their units', () => {
    expect(parseBudget('boot=100ms, listen=1.5s\nmemory=1GB, wake=+0%')).toEqual({
      boot: { absolute: 100 },
      listen: { absolute: 1500 },
      memory: { absolute: 1024 },
      wake: { relative: 0 }
    })
    expect(parseBudget('  ')).toBeUndefined()
  })

  it.each([
    ['boot', "part 1 'boot': use boot=100ms"],
    ['boot=0ms', "part 1 'boot=0ms': use boot=100ms"],
    ['boot=-20%', "part 1 'boot=-20%'"],
    ['memory=64', "part 1 'memory=64': use memory=64MB"],
    ['boot=1s, boot=2s', "part 2 'boot=2s': boot is given twice"],
    ['rss=64MB', "'rss' is not a budget; use boot, listen, memory, wake"]
  ])('refuses %s', (text, words) => {
    expect(() => parseBudget(text)).toThrow(words)
  })
})

describe('figures', () => {
  const hist = (counts: number[]) =>
    [1, 2, 4, 8, 16, 32, 64, null].map((bucket_ms, i) => ({ bucket_ms, count: counts[i] ?? 0 }))

  it('reads the wake-up histogram as per-bucket counts: median and top bucket bounds, exact mean', () => {
    expect(wakeOf(hist([0, 1, 0, 1, 0, 0, 1]), 48)).toEqual({
      count: 3,
      p50Ms: 8,
      maxMs: 64,
      meanMs: 16
    })
    expect(wakeOf(hist([0, 0, 0, 0, 0, 0, 0, 2]), 10000)).toMatchObject({ maxMs: undefined })
    expect(wakeOf(hist([]), 0)).toBeUndefined()
  })

  it('takes a stopped instance’s rss of 0 as no reading', () => {
    expect(runtimeOf({ boot_time_us: 137400, net_time_us: 82000, rss_bytes: 0 })).toEqual({
      bootMs: 137.4,
      listenMs: 82
    })
  })

  it('says the change against a base, each figure on its own', () => {
    expect(describeRuntime({ bootMs: 135, rssMb: 19 }, { bootMs: 100, rssMb: 20 })).toBe(
      'boot 135 ms (+35 %) · 19 MiB (−5 %)'
    )
  })
})

describe('judge', () => {
  it('fails what is over, and a figure the platform did not report; notes what it cannot compare', () => {
    const v = judge(
      { bootMs: 137 },
      { boot: { absolute: 100 }, listen: { absolute: 250 }, memory: { relative: 10 } },
      undefined
    )
    expect(v.over).toBe(
      'over budget: boot 137 ms > 100 ms, listen: the platform reported no time to listen (net_time_us)'
    )
    expect(v.unjudged).toEqual(['memory=+10%: no production figure to compare with'])
  })

  it('passes what is within, and judges wake only once there are wake-ups', () => {
    const v = judge(
      { bootMs: 90, rssMb: 30 },
      { boot: { absolute: 100 }, memory: { relative: 50 }, wake: { absolute: 5 } },
      { rssMb: 20 }
    )
    expect(v).toEqual({ over: undefined, unjudged: ['wake: no wake-ups yet'] })
  })
})
