/**
 * `npm run demo [-- --generation new]`: the action against the local emulator, the way a
 * workflow runs it — a first deploy, a re-run that changes nothing, a new image rolled out
 * with zero downtime, and a batch stop — printing the step log, the outputs and the job
 * summary of each. `--generation new` speaks the new platform's API on both sides.
 */
import { parseArgs } from 'node:util'
import { startEmulator } from '../emulator/server.js'
import { runAction, workspace, type ActionRun } from './local-runner.js'

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const dim = (s: string): string => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s)

const SPEC = `# What a team commits as ukc.yml
service_groups:
  - name: web
    services:
      - { port: 443, destination_port: 8080, handlers: [http, tls] }
      - { port: 80, destination_port: 443, handlers: [http, redirect] }
    domains:
      - name: shop
volumes:
  - { name: uploads, size_mb: 256 }
instances:
  - name: shop-api
    image: acme/shop:stable
    memory_mb: 256
    env:
      LOG_LEVEL: info
    service_group: web
  - name: shop-worker
    image: acme/worker:stable
    volumes: [{ name: uploads, at: /uploads }]
`

function show(title: string, run: ActionRun): void {
  console.log(`\n${bold(`━━ ${title} ━━`)}  exit code ${run.code}`)
  console.log(dim('step log:'))
  for (const line of run.stdout.split('\n')) {
    if (
      line.startsWith('::debug::') ||
      line.startsWith('::group::') ||
      line.startsWith('::endgroup::') ||
      line === ''
    )
      continue
    console.log(`  ${line}`)
  }
  console.log(dim('outputs:'))
  for (const [k, v] of Object.entries(run.outputs)) if (k !== 'plan') console.log(`  ${k} = ${v}`)
  console.log(dim('job summary:'))
  console.log(run.summary.replace(/^/gm, '  '))
}

const { values: flags } = parseArgs({
  options: { generation: { type: 'string', default: 'classic' } }
})
const generation = flags.generation === 'new' ? 'new' : 'classic'
const emulator = await startEmulator({ bootDelayMs: 40, generation })
try {
  console.log(`UKC emulator (${generation} API) on ${emulator.baseUrl} (no account needed)`)
  emulator.pushImage('acme/shop:stable')
  emulator.pushImage('acme/worker:stable')
  const ws = workspace({ 'ukc.yml': SPEC })
  const inputs = {
    token: 'demo-token',
    'api-url': emulator.baseUrl,
    'api-generation': generation,
    spec: 'ukc.yml',
    timeout: '60'
  }

  show('1. deploy ukc.yml', await runAction(inputs, { workspace: ws }))
  emulator.journalLog.clear()
  const again = await runAction(inputs, { workspace: ws })
  show('2. deploy again: nothing changes', again)
  console.log(
    `  requests that wrote: ${emulator.journal().filter((e) => e.method !== 'GET').length}`
  )

  emulator.pushImage('acme/shop:stable') // CI pushed a new build under the same tag
  emulator.journalLog.clear()
  show(
    '3. a new digest behind acme/shop:stable: rolling update',
    await runAction({ ...inputs, 'drain-timeout': '1' }, { workspace: ws })
  )
  console.log(dim('  requests, in order:'))
  for (const e of emulator.journal())
    console.log(
      `  ${e.method.padEnd(6)} ${e.path}${Array.isArray(e.body) ? ` ${JSON.stringify(e.body.map((b: { name?: string; tag?: string }) => b.name ?? b.tag))}` : e.method === 'POST' && e.path === '/v1/instances' ? ` ${(e.body as { name: string }).name}` : ''}`
    )

  show(
    '4. nightly stop of everything, by names',
    await runAction({
      token: 'demo-token',
      'api-url': emulator.baseUrl,
      'api-generation': generation,
      command: 'stop',
      names: 'shop-api\nshop-worker'
    })
  )
} finally {
  await emulator.close()
}
