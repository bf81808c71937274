/**
 * Why an instance stopped, in words, from its `stop_reason` bits, `exit_code` and `stop_code`
 * (ukc-api.md §6.2), with the numbers kept in parentheses for whoever searches for them.
 */
import type { Instance } from './types.js'

const BIT = {
  kernel: 1 << 0,
  app: 1 << 1,
  platform: 1 << 2,
  user: 1 << 3,
  forced: 1 << 4,
  scaleToZero: 1 << 5
} as const

/** `stop_code` bits 7–0 when the kernel reported (§6.2). */
const KERNEL_REASONS = [
  'a clean shutdown',
  'an exception',
  'an arithmetic fault',
  'an invalid instruction',
  'a page fault',
  'a segmentation fault',
  'a hardware error',
  'a security violation'
]

/** Linux errno values a unikernel reports most, by the name a reader searches for. */
const ERRNO: Record<number, string> = { 12: 'ENOMEM', 28: 'ENOSPC', 2: 'ENOENT', 13: 'EACCES' }

export interface StopWords {
  /** `the app exited with code 1`. */
  why: string
  /** The numbers as the API gave them: `stop_reason 3, exit code 1`. */
  numbers: string
  /** What to do about it, where there is one thing to do (`raise memory_mb`). */
  next?: string
}

function kernelWords(code: number | undefined): Pick<StopWords, 'why' | 'next'> {
  if (code === undefined) return { why: 'the kernel stopped' }
  const errno = (code >>> 16) & 0xff
  const reason = KERNEL_REASONS[code & 0xff] ?? `reason ${code & 0xff}`
  if (errno === 12)
    return {
      why: `the instance ran out of memory (the kernel stopped on ${reason}, ENOMEM)`,
      next: 'raise memory_mb'
    }
  const err = errno ? `, ${ERRNO[errno] ?? `errno ${errno}`}` : ''
  return { why: `the kernel stopped on ${reason}${err}` }
}

/** The stop of an instance in words; undefined when it reports no stop. */
export function describeStop(
  inst: Pick<Instance, 'stop_reason' | 'exit_code' | 'stop_code'>
): StopWords | undefined {
  const bits = inst.stop_reason
  if (bits === undefined) return undefined
  const numbers = [
    `stop_reason ${bits}`,
    inst.exit_code !== undefined && bits & BIT.app ? `exit code ${inst.exit_code}` : undefined,
    inst.stop_code ? `stop_code ${inst.stop_code}` : undefined
  ]
    .filter((n) => n !== undefined)
    .join(', ')
  const words = ((): Pick<StopWords, 'why' | 'next'> => {
    if (bits & BIT.user)
      return {
        why:
          bits & BIT.forced
            ? 'it was stopped by force (API or user)'
            : 'it was stopped (API or user)'
      }
    if (bits & BIT.scaleToZero) return { why: 'it was scaled to zero' }
    if (bits & BIT.platform) return { why: 'the platform stopped it' }
    if (bits & BIT.app)
      return {
        why:
          inst.exit_code === 0
            ? 'the app exited on its own (code 0)'
            : `the app exited with code ${inst.exit_code ?? '?'}`
      }
    if (bits & BIT.kernel) return kernelWords(inst.stop_code)
    // [N] the guest never reported: platform-defined stop codes.
    if (inst.stop_code === 1)
      return {
        why: 'the platform could not load the image (NOMEDIUM)',
        next: 'check the image name'
      }
    return { why: 'it stopped for a reason the platform did not report' }
  })()
  return { ...words, numbers }
}
