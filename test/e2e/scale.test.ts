/**
 * Deploys at scale (issue 30): 200 instances behind a gateway that takes 16 requests in flight
 * (the emulator's `--max-in-flight`), with and without `Retry-After`. Every instance is made
 * exactly once, no row fails, and the log says the API pushed back. Timings are in bench/.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { generationInput, useEmulator } from '../support/emulator.js'

const api = useEmulator()
const N = 200
const SPEC = `service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
instances:
${Array.from({ length: N }, (_, i) => `  - { name: app-${i + 1}, image: nginx:latest, service_group: web }`).join('\n')}
`
const deploy = () => {
  api.emu.setQuotas({
    hard: { instances: 1000, live_instances: 1000, live_vcpus: 1000, live_memory_mb: 1_000_000 }
  })
  return runAction(
    {
      token: 't',
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      timeout: '90'
    },
    { workspace: workspace({ 'ukc.yml': SPEC }), env: { UKC_SETTLE_MS: '100' } }
  )
}
const creates = () =>
  api.emu.journal().filter((e) => e.method === 'POST' && e.path === '/v1/instances')

describe(`${N} instances behind a gateway of 16 requests in flight`, () => {
  it('without Retry-After: each made exactly once, no failed row, the concurrency lowered and said', async () => {
    api.emu.configure({ max_in_flight: 16 })
    const r = await deploy()
    expect(r.code).toBe(0)
    const rows = r.json('instances') as { name: string; action: string }[]
    expect(rows).toHaveLength(N)
    expect(rows.filter((o) => o.action !== 'created')).toEqual([])
    const made = creates().filter((e) => e.status === 200)
    expect(made).toHaveLength(N)
    expect(new Set(made.map((e) => (e.body as { name: string }).name)).size).toBe(N)
    expect((await api.call('GET', '/instances')).json.data.instances).toHaveLength(N)
    // The limiter found the gateway's size: far fewer refusals than requests.
    const refused = api.emu.journal().filter((e) => e.fault === 'gateway').length
    expect(refused).toBeGreaterThan(0)
    expect(refused).toBeLessThanOrEqual(N / 2)
    expect(r.stdout).toMatch(
      /API limited concurrency to \d+ \(429, \d+ answers?\); 200 creates in about \d+ waves/
    )
  })

  it('with Retry-After: 1, every request pauses at once, and still nothing is made twice', async () => {
    api.emu.configure({ max_in_flight: 16, retry_after_s: 1 })
    const r = await deploy()
    expect(r.code).toBe(0)
    const made = creates().filter((e) => e.status === 200)
    expect(made).toHaveLength(N)
    expect(new Set(made.map((e) => (e.body as { name: string }).name)).size).toBe(N)
    expect(r.stdout).toMatch(/paused \d+(\.\d)? s as it asked \(Retry-After\)/)
  })
})
