/**
 * `npm run faults [-- --runs 40 --seed 7]`: the bundled action against the emulator under
 * random faults, run after run, counting what must never happen: duplicated instances,
 * objects the run made but did not report (orphans), and secrets in anything it wrote.
 * Each faulted run is followed by a clean one, which must converge to exactly the spec.
 * The figures go into RELIABILITY.md.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startEmulator } from '../emulator/server.js'
import type { FaultRule } from '../emulator/faults.js'
import { runAction, workspace } from './local-runner.js'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '40' }, seed: { type: 'string', default: '1' } }
})
let seed = Number(values.seed)
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]

const TOKEN = 'campaign-token-x9y8'
const SECRET = 'campaign-secret-q7w6'
const SPEC = readFileSync(new URL('../examples/web-worker.yml', import.meta.url), 'utf8')
const NAMES = { instance: ['api', 'api2', 'worker'], group: ['web'], volume: ['data'] }
const ENDPOINTS: [string, string][] = [
  ['GET', '/v1/instances'],
  ['GET', '/v1/services'],
  ['GET', '/v1/volumes'],
  ['GET', '/v1/images/list'],
  ['GET', '/v1/instances/wait'],
  ['POST', '/v1/instances'],
  ['POST', '/v1/services'],
  ['POST', '/v1/volumes']
]

function randomFault(): FaultRule {
  const [method, path] = pick(ENDPOINTS)
  const kind = pick([
    'status',
    'status',
    'rate_limit',
    'reset',
    'malformed',
    'html',
    'delay'
  ] as const)
  const rule: FaultRule = {
    method,
    path,
    kind,
    times: 1 + Math.floor(rand() * 3),
    when: rand() < 0.4 ? 'after' : 'before'
  }
  if (kind === 'status') rule.status = pick([500, 502, 503])
  if (kind === 'rate_limit') rule.retry_after_s = 1
  if (kind === 'delay') rule.delay_ms = 1500
  if (kind === 'delay' || kind === 'rate_limit') rule.when = 'before'
  return rule
}

const emu = await startEmulator({ bootDelayMs: 20 })
const ws = workspace({ 'ukc.yml': SPEC })
const inputs = {
  token: TOKEN,
  'api-url': emu.baseUrl,
  spec: 'ukc.yml',
  timeout: '30',
  'secret-env': `DB_PASSWORD=${SECRET}`
}
const env = { UKC_REQUEST_TIMEOUT_MS: '700' }
const tally = {
  runs: 0,
  faults: 0,
  faultsHit: 0,
  greenFirst: 0,
  converged: 0,
  duplicates: 0,
  orphans: 0,
  secrets: 0
}
try {
  for (let i = 0; i < Number(values.runs); i++) {
    emu.reset()
    const rules = Array.from({ length: 1 + Math.floor(rand() * 3) }, randomFault)
    for (const r of rules) emu.addFault(r)
    tally.faults += rules.length
    const run = await runAction(inputs, { workspace: ws, env })
    tally.runs++
    tally.faultsHit += emu.journal().filter((e) => e.fault).length
    if (run.code === 0) tally.greenFirst++
    const instances = emu.store.instances
    const extra = [...instances.values()].filter((x) => !NAMES.instance.includes(x.name))
    tally.duplicates += extra.length
    // Every object that exists must be in the outputs or the summary.
    const reported = new Set<string>(
      (run.outputs.instances ? (JSON.parse(run.outputs.instances) as { uuid: string }[]) : []).map(
        (x) => x.uuid
      )
    )
    for (const inst of instances.values()) if (!reported.has(inst.uuid)) tally.orphans++
    for (const g of emu.store.groups.values()) if (!run.summary.includes(g.uuid)) tally.orphans++
    for (const v of emu.store.volumes.values()) if (!run.summary.includes(v.uuid)) tally.orphans++
    const written = [
      run.stdout.split('\n').slice(2).join('\n'),
      run.stderr,
      JSON.stringify(run.outputs),
      run.summary
    ].join('\n')
    tally.secrets += (written.match(new RegExp(`${TOKEN}|${SECRET}`, 'g')) ?? []).length
    emu.faults.clear()
    const again = await runAction(inputs, { workspace: ws, env })
    const names = [...instances.values()].map((x) => x.name).sort()
    if (
      again.code === 0 &&
      JSON.stringify(names) === JSON.stringify(NAMES.instance) &&
      emu.store.groups.size === 1 &&
      emu.store.volumes.size === 1
    )
      tally.converged++
    else
      console.log(
        `run ${i}: did not converge: ${names.join(',')} ${again.outputs.status}\n${again.stdout
          .split('\n')
          .filter((l) => l.startsWith('::error'))
          .join('\n')}`
      )
    if (run.code !== 0)
      console.log(
        `run ${i}: faults ${JSON.stringify(rules.map((r) => `${r.method} ${r.path} ${r.kind}${r.status ?? ''} x${r.times} ${r.when}`))} → ${run.outputs.status}: ${run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''}`
      )
  }
} finally {
  await emu.close()
}
console.log(
  '\n| runs | fault rules | faulted requests | green despite faults | converged on re-run | duplicates | orphans | secrets found |'
)
console.log('|---|---|---|---|---|---|---|---|')
console.log(
  `| ${tally.runs} | ${tally.faults} | ${tally.faultsHit} | ${tally.greenFirst} | ${tally.converged} | ${tally.duplicates} | ${tally.orphans} | ${tally.secrets} |`
)
