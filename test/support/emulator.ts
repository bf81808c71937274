/** One emulator per test file, reset before each test. */
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import type { JournalEntry } from '../../emulator/faults.js'
import type { TimelineEntry } from '../../emulator/lifecycle.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server.js'
import { raw, type RawReply } from './http.js'

export interface EmulatorHandle {
  readonly emu: Emulator
  /** `call('GET', '/instances', body)` against `/v1`. */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: Parameters<typeof raw>[3]
  ): Promise<RawReply>
}

/**
 * The API generation this test run speaks: jest.config.js runs the e2e scenarios once per
 * generation, setting the global `UKC_API_GENERATION` for the new one.
 */
export const GENERATION: 'classic' | 'new' =
  (globalThis as { UKC_API_GENERATION?: string }).UKC_API_GENERATION === 'new' ? 'new' : 'classic'

/** The domain the emulator's metro gives apps in this run's generation (its default metro). */
export const METRO_DOMAIN = GENERATION === 'new' ? 'fra.unikraft.app' : 'fra0.kraft.host'

/** The action's inputs that point it at the emulator in this run's generation. */
export const generationInput = (): Record<string, string> => ({ 'api-generation': GENERATION })

export function useEmulator(options: EmulatorOptions = {}): EmulatorHandle {
  let emu: Emulator | undefined
  beforeAll(async () => {
    emu = await startEmulator({
      bootDelayMs: 20,
      stopDelayMs: 5,
      certDelayMs: 50,
      generation: GENERATION,
      ...options
    })
  })
  afterAll(async () => {
    await emu?.close()
  })
  beforeEach(() => {
    emu!.reset()
    emu!.configure({
      boot_delay_ms: options.bootDelayMs ?? 20,
      stop_delay_ms: options.stopDelayMs ?? 5,
      latency_ms: 0,
      cert_delay_ms: 50
    })
  })
  return {
    get emu() {
      return emu!
    },
    call: (method, path, body, opts) => raw(`${emu!.baseUrl}${path}`, method, body, opts)
  }
}

/**
 * The items of a global-scope request as the journal recorded it: the JSON array body
 * (classic) or repeated query parameters, UUIDs before names, options zipped by position (new).
 */
export function itemsOf(e: JournalEntry): Record<string, unknown>[] {
  if (Array.isArray(e.body)) return e.body as Record<string, unknown>[]
  const q = new URLSearchParams(e.query)
  const refs = [
    ...q.getAll('uuid').map((uuid) => ({ uuid })),
    ...q.getAll('name').map((name) => ({ name }))
  ]
  const keys = [...new Set(q.keys())].filter((k) => k !== 'uuid' && k !== 'name')
  return refs.map((ref, i) => {
    const item: Record<string, unknown> = { ...ref }
    for (const k of keys) {
      const v = q.getAll(k)[i] ?? q.get(k)!
      item[k] = /^-?\d+$/.test(v) ? Number(v) : v
    }
    return item
  })
}

/** A server-side wait in milliseconds, whichever field the generation sends it in. */
export function waitMs(item: unknown): number {
  const i = item as { timeout_ms?: number; wait_timeout_ms?: number; timeout_s?: number }
  return i.timeout_ms ?? i.wait_timeout_ms ?? (i.timeout_s ?? 0) * 1000
}

/** The smallest number of running instances at any moment after `from` (no gap in service: >= 1). */
export function minRunning(timeline: TimelineEntry[], from: number): number {
  const state = new Map<string, string>()
  let min = Infinity
  for (const e of timeline) {
    state.set(e.uuid, e.state)
    if (e.time >= from)
      min = Math.min(min, [...state.values()].filter((s) => s === 'running').length)
  }
  return min
}
