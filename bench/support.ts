/** What the benchmarks share: an emulator with room for hundreds of instances, and its clock. */
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js'

/** An emulator whose quotas take a thousand instances, with `acme/app:1` pushed. */
export async function benchEmulator(options: EmulatorOptions): Promise<Emulator> {
  const emu = await startEmulator(options)
  emu.setQuotas({
    hard: { instances: 1000, live_instances: 1000, live_vcpus: 1000, live_memory_mb: 1_000_000 }
  })
  emu.pushImage('acme/app:1')
  return emu
}

/** Wall time of the work itself: first request in to last answer out, from the emulator's journal. */
export function span(emu: Emulator): number {
  const j = emu.journal()
  const start = Date.parse(j[0].time)
  return Math.max(...j.map((e) => Date.parse(e.time) + e.duration_ms)) - start
}
