/**
 * `npm run bench:scale` (after `npm run bundle`): deploys of N instances in one service group
 * against the emulator with a per-request latency (the RTT stand-in) and a boot delay, next to
 * the tight floor (4 RTT + boot + settle), optionally behind a gateway that takes M requests
 * in flight (`--max-in-flight`, with or without `--retry-after`), next to the limited floor
 * ((3 + ⌈N/M⌉) RTT + ⌈N/M⌉ boots + settle). `--bundles a,b` compares builds of the action in
 * one run (interleaved); `--sequential` adds the naive loop: one create at a time, each
 * waiting until its instance runs (N × (RTT + boot)). Prints Markdown for BENCHMARKS.md.
 *
 *   npm run bench:scale -- --sizes 20,50,200 --latencies 50,100
 *   npm run bench:scale -- --sizes 200 --latencies 100 --max-in-flight 16 --retry-after 1
 */
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import type { Emulator } from '../emulator/server.js'
import { DIST, runAction, workspace } from '../scripts/local-runner.js'
import { Transport } from '../src/ukc/transport.js'
import { benchEmulator, span } from './support.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '20,50,200' },
    latencies: { type: 'string', default: '50,100' },
    boot: { type: 'string', default: '100' },
    'max-in-flight': { type: 'string', default: '0' },
    'retry-after': { type: 'string' },
    bundles: { type: 'string', default: DIST },
    runs: { type: 'string', default: '1' },
    sequential: { type: 'boolean', default: false }
  }
})
const SIZES = values.sizes.split(',').map(Number)
const LATENCIES = values.latencies.split(',').map(Number)
const BOOT = Number(values.boot)
const LIMIT = Number(values['max-in-flight'])
const RETRY_AFTER = values['retry-after'] === undefined ? undefined : Number(values['retry-after'])
const BUNDLES = values.bundles.split(',')
const SETTLE = 1000

const spec = (n: number): string =>
  `service_groups:\n  - name: web\n    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]\ninstances:\n${Array.from({ length: n }, (_, i) => `  - { name: app-${i + 1}, image: acme/app:1, service_group: web }`).join('\n')}\n`

const floor = (n: number, rtt: number): number => {
  if (LIMIT <= 0) return 4 * rtt + BOOT + SETTLE
  const waves = Math.ceil(n / LIMIT)
  return (3 + waves) * rtt + waves * BOOT + SETTLE
}

const emulator = (latency: number): Promise<Emulator> =>
  benchEmulator({
    bootDelayMs: BOOT,
    stopDelayMs: 10,
    latencyMs: latency,
    maxInFlight: LIMIT,
    retryAfterS: RETRY_AFTER
  })

/** Waves of creates: arrivals more than half an RTT after the one before start a new wave. */
function waves(emu: Emulator, rtt: number): number {
  const at = emu
    .journal()
    .filter((e) => e.method === 'POST' && e.path === '/v1/instances')
    .map((e) => Date.parse(e.time))
    .sort((a, b) => a - b)
  return at.filter((t, i) => i === 0 || t - at[i - 1] > rtt / 2).length
}

interface Row {
  waves: number
  bundle: string
  latency: number
  n: number
  requests: number
  refused: number
  made: number
  duplicates: number
  failed: number
  wallMs: number
  floorMs: number
  log?: string
}

async function deploy(bundle: string, latency: number, n: number): Promise<Row> {
  const emu = await emulator(latency)
  try {
    const run = await runAction(
      { token: 't', 'api-url': emu.baseUrl, spec: 'ukc.yml', timeout: '300' },
      { workspace: workspace({ 'ukc.yml': spec(n) }), bundle }
    )
    const creates = emu
      .journal()
      .filter((e) => e.method === 'POST' && e.path === '/v1/instances' && e.status === 200)
    const names = creates.map((e) => (e.body as { name: string }).name)
    const rows = run.outputs.instances
      ? (JSON.parse(run.outputs.instances) as { action: string }[])
      : []
    return {
      waves: waves(emu, latency),
      bundle,
      latency,
      n,
      requests: emu.journal().length,
      refused: emu.journal().filter((e) => e.status === 429).length,
      made: new Set(names).size,
      duplicates: names.length - new Set(names).size,
      failed:
        rows.filter((r) => r.action === 'failed').length + (run.code === 0 ? 0 : n - rows.length),
      wallMs: span(emu),
      floorMs: floor(n, latency),
      log: /API limited concurrency[^\n]*/.exec(run.stdout)?.[0]
    }
  } finally {
    await emu.close()
  }
}

/** The naive loop: one create at a time, each waiting on the server until its instance runs. */
async function sequential(latency: number, n: number): Promise<number> {
  const emu = await emulator(latency)
  const t = new Transport({ baseUrl: emu.baseUrl, token: 't' })
  const t0 = Date.now()
  for (let i = 1; i <= n; i++)
    await t.call({
      method: 'POST',
      path: '/instances',
      body: { name: `app-${i}`, image: 'acme/app:1', autostart: true, wait_timeout_ms: 60000 },
      plural: 'instances'
    })
  const ms = Date.now() - t0
  t.close()
  await emu.close()
  return ms
}

const rows: Row[] = []
const naive = new Map<string, number>()
for (const latency of LATENCIES)
  for (const n of SIZES) {
    for (let r = 0; r < Number(values.runs); r++)
      for (const bundle of BUNDLES) {
        const row = await deploy(bundle, latency, n)
        rows.push(row)
        process.stderr.write(
          `${bundle} RTT ${latency} ms, N=${n}: ${row.wallMs} ms (floor ${row.floorMs}), ${row.requests} requests, ${row.refused} × 429, ${row.made} made, ${row.duplicates} duplicates, ${row.failed} failed, ${row.waves} waves${row.log ? ` — ${row.log}` : ''}\n`
        )
      }
    if (values.sequential) naive.set(`${latency}/${n}`, await sequential(latency, n))
  }

const gateway =
  LIMIT > 0
    ? `behind a gateway of ${LIMIT} requests in flight${RETRY_AFTER !== undefined ? ` answering 429 with Retry-After: ${RETRY_AFTER}` : ' answering 429 without Retry-After'}`
    : 'no gateway limit'
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; boot ${BOOT} ms, settle ${SETTLE} ms, ${gateway}.\n`
)
console.log(
  `| build | RTT | N | wall | ${LIMIT > 0 ? 'limited' : 'tight'} floor | ratio | create waves | requests | 429s | made | duplicates | failed rows |${values.sequential ? ' sequential loop |' : ''}`
)
console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|${values.sequential ? '---|' : ''}`)
for (const r of rows)
  console.log(
    `| ${r.bundle === DIST ? 'this' : r.bundle} | ${r.latency} ms | ${r.n} | ${r.wallMs} ms | ${r.floorMs} ms | ${(r.wallMs / r.floorMs).toFixed(2)} | ${r.waves} | ${r.requests} | ${r.refused} | ${r.made} | ${r.duplicates} | ${r.failed} |${values.sequential ? ` ${naive.get(`${r.latency}/${r.n}`) ?? '–'} ms |` : ''}`
  )
