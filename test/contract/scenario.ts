/**
 * The action's whole life over one spec, shared by both generations' contract suites: an
 * unchanged re-run that writes nothing, then plan, stop, deploy, start, status and delete,
 * each without a failed row. What went over the wire is left in the emulator's journal.
 */
import { readFileSync } from 'node:fs'
import { expect } from '@jest/globals'
import type { ActionRun } from '../../scripts/local-runner.js'
import type { Emulator } from '../../emulator/server.js'

const AUTOSCALE = `    autoscale:
      min_size: 1
      max_size: 4
      policies:
        - { name: cpu, type: step, metric: cpu, adjustment_type: change, steps: [{ upper_bound: 500, adjustment: 0 }, { lower_bound: 500, adjustment: 1 }] }
`

/**
 * A spec with every feature: an uploaded certificate, a group with two services and two
 * domains, a volume, scale to zero, delete-on-stop, and autoscale where the platform takes it.
 */
export const fullSpec = (autoscale: boolean): string => `
certificates:
  - { name: app-cert, cn: app.example.com, chain: "\${APP_CERT_PEM}", pkey: "\${APP_KEY_PEM}" }
service_groups:
  - name: web
    services:
      - { port: 443, destination_port: 8080, handlers: [http, tls] }
      - { port: 80, destination_port: 443, handlers: [http, redirect] }
    domains:
      - { name: shop }
      - { name: app.example.com., certificate: app-cert }
${autoscale ? AUTOSCALE : ''}volumes:
  - { name: data, size_mb: 32 }
instances:
  - name: api
    image: nginx:latest
    memory_mb: 256
    env: { LOG_LEVEL: info }
    service_group: web
    scale_to_zero: { policy: idle, cooldown_time_ms: 60000 }
    volumes: [{ name: data, at: /data, readonly: true }]
  - { name: job, image: python:3.12, features: [delete-on-stop], args: [-m, http.server] }
`

const fixture = (f: string): string =>
  readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')

/** The certificate and key fullSpec reads from the environment. */
export const fullSpecEnv = (): Record<string, string> => ({
  APP_CERT_PEM: fixture('app.example.com.crt.pem'),
  APP_KEY_PEM: fixture('app.example.com.key.pem')
})

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
