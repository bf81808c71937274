/**
 * The action's whole life over one spec, shared by both generations' contract suites: an
 * unchanged re-run that writes nothing, then plan, stop, deploy, start, status and delete,
 * each without a failed row. What went over the wire is left in the emulator's journal.
 */
import { expect } from '@jest/globals'
import type { ActionRun } from '../../scripts/local-runner.js'
import type { Emulator } from '../../emulator/server.js'

export async function everyCommand(
  emu: Emulator,
  run: (inputs?: Record<string, string>) => Promise<ActionRun>
): Promise<void> {
  const before = emu.journal().length
  const again = await run()
  expect(again.code).toBe(0)
  const writes = emu
    .journal()
    .slice(before)
    .filter((e) => e.method !== 'GET')
    .map((e) => `${e.method} ${e.path}`)
  expect(writes).toEqual([])
  expect(again.json('plan').every((p: { action: string }) => p.action === 'unchanged')).toBe(true)
  for (const inputs of <Record<string, string>[]>[
    { command: 'plan' },
    // `job` has delete-on-stop: stopped, it is gone; the next deploy makes it again.
    { command: 'stop', 'drain-timeout': '1' },
    { command: 'deploy' },
    { command: 'start' },
    { command: 'status' },
    { command: 'delete' }
  ]) {
    const r = await run(inputs)
    const failed = r.json('instances').filter((i: { action: string }) => i.action === 'failed')
    expect({ command: inputs.command, code: r.code, failed }).toEqual({
      command: inputs.command,
      code: 0,
      failed: []
    })
  }
}
