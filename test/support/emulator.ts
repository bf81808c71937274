/** One emulator per test file, reset before each test. */
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
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

export function useEmulator(options: EmulatorOptions = {}): EmulatorHandle {
  let emu: Emulator | undefined
  beforeAll(async () => {
    emu = await startEmulator({ bootDelayMs: 20, stopDelayMs: 5, certDelayMs: 50, ...options })
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
