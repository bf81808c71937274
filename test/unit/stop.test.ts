/** Stop reasons in words (ukc-api.md §6.2): the bits, the exit code and the kernel's stop code. */
import { describe, expect, it } from '@jest/globals'
import { describeStop } from '../../src/ukc/stop.js'

describe('describeStop', () => {
  it.each([
    [
      { stop_reason: 3, exit_code: 1 },
      'the app exited with code 1',
      'stop_reason 3, exit code 1',
      undefined
    ],
    [
      { stop_reason: 3, exit_code: 0 },
      'the app exited on its own (code 0)',
      'stop_reason 3, exit code 0',
      undefined
    ],
    [
      { stop_reason: 15, exit_code: 0 },
      'it was stopped (API or user)',
      'stop_reason 15, exit code 0',
      undefined
    ],
    [{ stop_reason: 28 }, 'it was stopped by force (API or user)', 'stop_reason 28', undefined],
    [{ stop_reason: 39 }, 'it was scaled to zero', 'stop_reason 39', undefined],
    [
      { stop_reason: 7, exit_code: 0 },
      'the platform stopped it',
      'stop_reason 7, exit code 0',
      undefined
    ],
    [
      { stop_reason: 1, stop_code: 0x000c7f04 },
      'the instance ran out of memory (the kernel stopped on a page fault, ENOMEM)',
      'stop_reason 1, stop_code 818948',
      'raise memory_mb'
    ],
    [
      { stop_reason: 1, stop_code: 5 },
      'the kernel stopped on a segmentation fault',
      'stop_reason 1, stop_code 5',
      undefined
    ],
    [
      { stop_reason: 0, stop_code: 1 },
      'the platform could not load the image (NOMEDIUM)',
      'stop_reason 0, stop_code 1',
      'check the image name'
    ],
    [
      { stop_reason: 0 },
      'it stopped for a reason the platform did not report',
      'stop_reason 0',
      undefined
    ]
  ])('%j', (inst, why, numbers, next) => {
    expect(describeStop(inst)).toEqual({ why, numbers, ...(next ? { next } : {}) })
  })

  it('says nothing for an instance that reports no stop', () => {
    expect(describeStop({})).toBeUndefined()
  })
})
