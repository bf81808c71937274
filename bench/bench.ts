/**
 * `npm run bench` (after `npm run bundle`): the bundled action against the emulator with
 * per-request latency and a boot delay, for N instances in one service group — deploy,
 * status, stop, start, delete — next to the floor the API's shape allows and the naive way
 * (one local-scope request per object, readiness by polling every second). Then cold start,
 * dist size and peak memory. Prints Markdown for BENCHMARKS.md.
 *
 *   npm run bench                      # N = 1, 10, 50, 200 at 20 ms and 100 ms
 *   npm run bench -- --sizes 1,10 --latencies 20 --no-naive
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Emulator } from '../emulator/server.js'
import { DIST, runAction, workspace } from '../scripts/local-runner.js'
import { naive } from './naive.js'
import { benchEmulator, span } from './support.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10,50,200' },
    latencies: { type: 'string', default: '20,100' },
    boot: { type: 'string', default: '50' },
    'naive-max': { type: 'string', default: '50' },
    'no-naive': { type: 'boolean', default: false },
    runs: { type: 'string', default: '10' },
    // Cold start only, for comparing builds: `--cold-only --bundles dist/index.js,/tmp/b/index.js`
    'cold-only': { type: 'boolean', default: false },
    bundles: { type: 'string', default: DIST }
  }
})
const SIZES = values.sizes.split(',').map(Number)
const LATENCIES = values.latencies.split(',').map(Number)
const BOOT = Number(values.boot)
const STOP = 10

const spec = (n: number): string =>
  `service_groups:\n  - name: web\n    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]\ninstances:\n${Array.from({ length: n }, (_, i) => `  - { name: app-${i + 1}, image: acme/app:1, service_group: web }`).join('\n')}\n`

/** Round trips each operation needs at the least, given the API's shape (all batched or concurrent). */
/** The `settle` input's default: every new instance must stay up this long. */
const SETTLE = 1000

const FLOOR = {
  // read state ‖ create group ‖ create instances, concurrent, each waiting on the server (+ boot),
  // then the settle window: one wait for `stopped` that must run out (the `settle` input, 1 s).
  deploy: (l: number) => 3 * l + BOOT + l + SETTLE,
  status: (l: number) => l,
  stop: (l: number) => 2 * l + STOP, // stop ‖ wait stopped
  start: (l: number) => l + BOOT, // start, waiting on the server (+ boot)
  delete: (l: number) => l
}
type Op = keyof typeof FLOOR

interface Row {
  op: Op
  n: number
  latency: number
  requests: number
  wallMs: number
  floorMs: number
  naiveRequests?: number
  naiveMs?: number
  noticedMs?: number
}

const emulator = (latency: number): Promise<Emulator> =>
  benchEmulator({ bootDelayMs: BOOT, stopDelayMs: STOP, latencyMs: latency })

async function ours(
  emu: Emulator,
  op: Op,
  n: number,
  ws: string
): Promise<{ requests: number; wallMs: number; noticedMs?: number }> {
  emu.journalLog.clear()
  const names = Array.from({ length: n }, (_, i) => `app-${i + 1}`).join('\n')
  const inputs: Record<string, string> = {
    token: 't',
    'api-url': emu.baseUrl,
    timeout: '300',
    command: op
  }
  if (op === 'deploy') inputs.spec = 'ukc.yml'
  else inputs.names = names
  const timelineFrom = emu.timeline().length
  const run = await runAction(inputs, { workspace: ws })
  if (run.code !== 0)
    throw new Error(
      `${op} N=${n} failed: ${run.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error'))
        .join('\n')}`
    )
  let noticedMs: number | undefined
  if (op === 'deploy') {
    // Each create answers once its instance runs: how long after the instance ran did it answer?
    const ranAt = new Map(
      emu
        .timeline()
        .slice(timelineFrom)
        .filter((e) => e.state === 'running')
        .map((e) => [e.name, e.time])
    )
    const answers = emu.journal().filter((e) => e.method === 'POST' && e.path === '/v1/instances')
    noticedMs = Math.max(
      ...answers.map(
        (e) => Date.parse(e.time) + e.duration_ms - ranAt.get((e.body as { name: string }).name)!
      )
    )
  }
  return { requests: emu.journal().length, wallMs: span(emu), noticedMs }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

interface ColdStart {
  bundle: string
  bare: number
  toFirstRequest: number
  action: number
}

/** Spawn → first API request, and a whole run, for each bundle; interleaved so that one
 * session's drift touches every bundle alike. */
async function coldStart(runs: number, bundles: string[]): Promise<ColdStart[]> {
  const emu = await emulator(0)
  const time = (
    args: string[],
    env: Record<string, string>,
    waitFirstRequest: boolean
  ): Promise<number> =>
    new Promise((resolve) => {
      emu.journalLog.clear()
      const t0 = Date.now()
      const child = spawn(process.execPath, args, {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore'
      })
      child.on('close', () =>
        resolve(waitFirstRequest ? Date.parse(emu.journal()[0].time) - t0 : Date.now() - t0)
      )
    })
  const out = mkdtempSync(join(tmpdir(), 'ukc-bench-'))
  const env = {
    INPUT_TOKEN: 't',
    'INPUT_API-URL': emu.baseUrl,
    INPUT_COMMAND: 'status',
    INPUT_NAMES: 'app-1',
    'INPUT_FAIL-ON': 'never',
    GITHUB_OUTPUT: join(out, 'o'),
    GITHUB_STEP_SUMMARY: join(out, 's')
  }
  writeFileSync(env.GITHUB_OUTPUT, '')
  writeFileSync(env.GITHUB_STEP_SUMMARY, '')
  const bare: number[] = []
  const first = bundles.map((): number[] => [])
  const whole = bundles.map((): number[] => [])
  for (let i = 0; i < runs; i++) {
    bare.push(await time(['-e', ''], {}, false))
    for (const [b, bundle] of bundles.entries()) {
      first[b].push(await time([bundle], env, true))
      whole[b].push(await time([bundle], env, false))
    }
  }
  await emu.close()
  return bundles.map((bundle, b) => ({
    bundle,
    bare: median(bare),
    toFirstRequest: median(first[b]),
    action: median(whole[b])
  }))
}

const coldLine = (runs: string, c: ColdStart): string =>
  `Cold start (median of ${runs}): bare \`node -e ''\` ${c.bare} ms; \`node ${c.bundle}\` to its first UKC request ${c.toFirstRequest} ms (${c.toFirstRequest - c.bare} ms above bare node); a whole \`status\` run ${c.action} ms.`

if (values['cold-only']) {
  const bundles = values.bundles.split(',')
  for (const c of await coldStart(Number(values.runs), bundles))
    console.log(coldLine(values.runs, c))
  process.exit(0)
}

/** Peak RSS of the action process deploying N instances, read from inside it at exit. */
async function peakRss(n: number): Promise<number> {
  const emu = await emulator(0)
  const ws = workspace({ 'ukc.yml': spec(n) })
  const out = mkdtempSync(join(tmpdir(), 'ukc-rss-'))
  const rssFile = join(out, 'rss')
  const probe = `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS))); await import(${JSON.stringify(DIST)})`
  writeFileSync(join(out, 'o'), '')
  writeFileSync(join(out, 's'), '')
  await new Promise<void>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        probe.replace("require('node:fs')", 'process.getBuiltinModule("node:fs")')
      ],
      {
        cwd: ws,
        env: {
          PATH: process.env.PATH ?? '',
          GITHUB_WORKSPACE: ws,
          INPUT_TOKEN: 't',
          'INPUT_API-URL': emu.baseUrl,
          INPUT_SPEC: 'ukc.yml',
          INPUT_TIMEOUT: '300',
          GITHUB_OUTPUT: join(out, 'o'),
          GITHUB_STEP_SUMMARY: join(out, 's')
        },
        stdio: 'ignore'
      }
    )
    child.on('close', () => resolve())
  })
  await emu.close()
  return Number(readFileSync(rssFile, 'utf8')) / 1024
}

const rows: Row[] = []
for (const latency of LATENCIES) {
  for (const n of SIZES) {
    const emu = await emulator(latency)
    const ws = workspace({ 'ukc.yml': spec(n) })
    const withNaive = !values['no-naive'] && n <= Number(values['naive-max'])
    const naiveEmu = withNaive ? await emulator(latency) : undefined
    for (const op of ['deploy', 'status', 'stop', 'start', 'delete'] as Op[]) {
      const r = await ours(emu, op, n, ws)
      const row: Row = {
        op,
        n,
        latency,
        requests: r.requests,
        wallMs: r.wallMs,
        floorMs: FLOOR[op](latency),
        noticedMs: r.noticedMs
      }
      if (naiveEmu) {
        naiveEmu.journalLog.clear()
        const t0 = Date.now()
        await naive(naiveEmu.baseUrl, op, n)
        row.naiveMs = Date.now() - t0
        row.naiveRequests = naiveEmu.journal().length
      }
      rows.push(row)
      process.stderr.write(
        `latency ${latency} ms, N=${n}, ${op}: ${r.requests} requests, ${r.wallMs} ms (floor ${row.floorMs})${row.naiveMs !== undefined ? `, naive ${row.naiveRequests} / ${row.naiveMs} ms` : ''}\n`
      )
    }
    await emu.close()
    await naiveEmu?.close()
  }
}

const [cold] = await coldStart(Number(values.runs), [DIST])
const rss = await peakRss(200)
const size = (f: string): string =>
  `${(statSync(new URL(`../dist/${f}`, import.meta.url)).size / 1024).toFixed(0)} KiB`

const lines: string[] = []
lines.push(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; emulator boot delay ${BOOT} ms, stop delay ${STOP} ms.`,
  ''
)
lines.push(
  '| latency | N | op | requests | wall | floor | ours / floor | naive requests | naive wall | ours / naive | readiness noticed |'
)
lines.push('|---|---|---|---|---|---|---|---|---|---|---|')
for (const r of rows)
  lines.push(
    `| ${r.latency} ms | ${r.n} | ${r.op} | ${r.requests} | ${r.wallMs} ms | ${r.floorMs} ms | ${(r.wallMs / r.floorMs).toFixed(2)} | ${r.naiveRequests ?? '–'} | ${r.naiveMs !== undefined ? `${r.naiveMs} ms` : '–'} | ${r.naiveMs !== undefined ? (r.wallMs / r.naiveMs).toFixed(3) : '–'} | ${r.noticedMs !== undefined ? `${r.noticedMs} ms` : ''} |`
  )
lines.push('', coldLine(values.runs, cold))
lines.push(`dist/index.js ${size('index.js')}, dist/cli/index.js ${size('cli/index.js')}.`)
lines.push(`Peak RSS of the action deploying N = 200: ${rss.toFixed(0)} MiB.`)
console.log(lines.join('\n'))
