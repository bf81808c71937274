/**
 * The health check (the action's `health-check`, the CLI's `--health-check`): before a
 * rollout retires the old instances, the new version must answer an HTTP GET with 2xx. This
 * is the one place that polls, because an application's own health has no server-side wait
 * in the API.
 *
 * The probed server is the new version of someone's app, so it is treated as untrusted: each
 * probe has a deadline for the whole answer (a slow-loris server or an endless body fails it),
 * the body is read and dropped (none of it is kept in memory), and a redirect is followed
 * only on the probed host, at most 5 times.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { PRODUCT, VERSION } from '../version.js'

export interface ProbeResult {
  ok: boolean
  url: string
  detail: string
}

const INTERVAL_MS = 500
/** The default deadline of one probe (`health-check-timeout`). */
export const PROBE_TIMEOUT_MS = 5000
export const MAX_REDIRECTS = 5

/** A path is appended to the service's first public domain; a full URL is used as given. */
export function healthUrl(check: string, fqdn: string | undefined): string | undefined {
  if (/^https?:\/\//.test(check)) return check
  return fqdn ? `https://${fqdn}${check}` : undefined
}

interface Answer {
  status: number
  location?: string
}

/** One GET, the whole answer within `ms`: its status, with the body read and dropped. */
function getOnce(url: URL, ms: number, budgetMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, {
      method: 'GET',
      headers: { 'user-agent': `${PRODUCT}/${VERSION} health-check`, accept: '*/*' }
    })
    const timer = setTimeout(() => {
      req.destroy(new Error(`no complete answer within ${budgetMs / 1000} s`))
    }, ms)
    req.on('response', (res: IncomingMessage) => {
      // Read to the end (an answer counts only once complete), keeping none of it: the
      // status is the verdict, and an endless body runs into the deadline instead of memory.
      res.resume()
      res.on('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, location: res.headers.location })
      })
      res.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
    req.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    req.end()
  })
}

/** One probe, redirects on the same host followed: a status, or why it has none. */
async function probeOnce(
  start: string,
  ms: number,
  budgetMs: number
): Promise<{ ok: boolean; detail: string }> {
  let url = new URL(start)
  const until = Date.now() + ms
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(url, Math.max(1, until - Date.now()), budgetMs)
    const redirect = answer.status >= 300 && answer.status < 400 && answer.location
    if (!redirect) {
      const ok = answer.status >= 200 && answer.status < 300
      return { ok, detail: `HTTP ${answer.status}` }
    }
    if (hop >= MAX_REDIRECTS)
      return { ok: false, detail: `more than ${MAX_REDIRECTS} redirects (not followed further)` }
    const next = new URL(answer.location!, url)
    if (next.host !== url.host || (url.protocol === 'https:' && next.protocol !== 'https:'))
      return {
        ok: false,
        detail: `HTTP ${answer.status} redirects off the probed host (to ${next.protocol}//${next.host}); not followed`
      }
    url = next
  }
}

export async function probe(
  url: string,
  deadline: number,
  probeTimeoutMs = PROBE_TIMEOUT_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))
): Promise<ProbeResult> {
  let detail: string
  for (;;) {
    // Each probe within its own deadline, and always within the run's.
    const ms = Math.min(probeTimeoutMs, deadline - Date.now())
    if (ms <= 0) return { ok: false, url, detail: 'the run timed out before the first probe' }
    try {
      const r = await probeOnce(url, ms, probeTimeoutMs)
      if (r.ok) return { ok: true, url, detail: r.detail }
      detail = r.detail
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err)
    }
    if (Date.now() + INTERVAL_MS >= deadline)
      return { ok: false, url, detail: `last answer: ${detail}` }
    await sleep(INTERVAL_MS)
  }
}

/** Probes each instance's URL at once; names without a public domain fail with a reason. */
export async function probeAll(
  check: string,
  targets: { name: string; fqdn?: string }[],
  deadline: number,
  probeTimeoutMs = PROBE_TIMEOUT_MS
): Promise<Map<string, ProbeResult>> {
  const results = await Promise.all(
    targets.map(async (t) => {
      const url = healthUrl(check, t.fqdn)
      if (!url)
        return [
          t.name,
          {
            ok: false,
            url: check,
            detail: 'it has no public domain to probe; give health-check as a full URL'
          }
        ] as const
      return [t.name, await probe(url, deadline, probeTimeoutMs)] as const
    })
  )
  return new Map(results)
}
