/**
 * `npm run bench:sweep` (after `npm run bundle`): a scheduled sweep on the new platform in an
 * account with N instances that are not previews and P closed previews, per build of the
 * action (`--bundles a,b`, interleaved): the requests it sends, the listing pages it reads and
 * the time from its first request to its last answer, at a per-request latency (the RTT
 * stand-in). A build that lists by tags reads the previews only; one that lists by name reads
 * every instance, page by page. Prints Markdown for BENCHMARKS.md.
 *
 *   npm run bench:sweep -- --others 200,2000 --previews 3 --latency 50
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { startEmulator } from '../emulator/server.js'
import { DIST, runAction, workspace } from '../scripts/local-runner.js'
import { span } from './support.js'

const { values } = parseArgs({
  options: {
    others: { type: 'string', default: '200,2000' },
    previews: { type: 'string', default: '3' },
    latency: { type: 'string', default: '50' },
    bundles: { type: 'string', default: DIST }
  }
})
const OTHERS = values.others.split(',').map(Number)
const PREVIEWS = Number(values.previews)
const LATENCY = Number(values.latency)
const BUNDLES = values.bundles.split(',')

/** Every pull request asked about is closed: all there is of GitHub a sweep needs. */
async function closedPulls(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ state: 'closed', number: Number(req.url?.split('/').pop()) }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() }
}

async function once(bundle: string, others: number, github: string) {
  const emu = await startEmulator({ generation: 'new', bootDelayMs: 5, stopDelayMs: 5 })
  try {
    emu.setQuotas({ hard: { instances: 10_000, live_instances: 10_000 } })
    const base = { token: 't', 'api-url': emu.baseUrl, 'api-generation': 'new', timeout: '120' }
    for (let i = 0; i < others; i++)
      await fetch(`${emu.baseUrl}/instances`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ name: `other-${i}`, image: 'nginx:latest' })
      })
    const ws = workspace({ 'ukc.yml': 'instances: [{ name: api, image: nginx:latest }]\n' })
    for (let pr = 1; pr <= PREVIEWS; pr++) {
      const event = {
        action: 'opened',
        number: pr,
        pull_request: {
          number: pr,
          head: { sha: 'a'.repeat(40), repo: { full_name: 'acme/widget' } },
          base: { repo: { full_name: 'acme/widget' } }
        }
      }
      const made = await runAction(
        { ...base, spec: 'ukc.yml', comment: 'false' },
        { workspace: ws, event, eventName: 'pull_request', bundle, env: { UKC_SETTLE_MS: '0' } }
      )
      if (made.code !== 0) throw new Error(`preview #${pr} failed:\n${made.stdout}`)
    }
    emu.configure({ latency_ms: LATENCY, page_size: 100 })
    emu.journalLog.clear()
    const run = await runAction(
      { ...base, command: 'sweep', 'github-token': 'gh' },
      { eventName: 'schedule', bundle, env: { GITHUB_API_URL: github } }
    )
    const j = emu.journal()
    const left = (
      (await (
        await fetch(`${emu.baseUrl}/instances?count=100000`, {
          headers: { authorization: 'Bearer t' }
        })
      ).json()) as { data: { instances: unknown[] } }
    ).data.instances.length
    return {
      code: run.code,
      requests: j.length,
      pages: j.filter((e) => e.method === 'GET' && e.path === '/v1/instances').length,
      deleted: others + PREVIEWS - left,
      ms: span(emu)
    }
  } finally {
    await emu.close()
  }
}

const github = await closedPulls()
console.log(
  `| others | build | sweep exit | requests | GET /v1/instances | deleted | first request → last answer (ms) |\n|---|---|---|---|---|---|---|`
)
for (const others of OTHERS)
  for (const bundle of BUNDLES) {
    const r = await once(bundle, others, github.url)
    console.log(
      `| ${others} | ${bundle === DIST ? 'this build' : bundle} | ${r.code} | ${r.requests} | ${r.pages} | ${r.deleted} | ${r.ms} |`
    )
  }
github.close()
