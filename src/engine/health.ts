/**
 * The health check (the action's `health-check`, the CLI's `--health-check`): before a
 * rollout retires the old instances, the new version must answer an HTTP GET with 2xx. This
 * is the one place that polls, because an application's own health has no server-side wait
 * in the API.
 */
import { HttpClient } from '@actions/http-client'
import { PRODUCT, VERSION } from '../version.js'

export interface ProbeResult {
  ok: boolean
  url: string
  detail: string
}

const INTERVAL_MS = 500
const REQUEST_TIMEOUT_MS = 5000

/** A path is appended to the service's first public domain; a full URL is used as given. */
export function healthUrl(check: string, fqdn: string | undefined): string | undefined {
  if (/^https?:\/\//.test(check)) return check
  return fqdn ? `https://${fqdn}${check}` : undefined
}

export async function probe(
  url: string,
  deadline: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))
): Promise<ProbeResult> {
  const http = new HttpClient(`${PRODUCT}/${VERSION} health-check`, [], {
    socketTimeout: REQUEST_TIMEOUT_MS,
    allowRetries: false
  })
  let detail: string
  try {
    for (;;) {
      try {
        const res = await http.get(url)
        const status = res.message.statusCode ?? 0
        await res.readBody()
        if (status >= 200 && status < 300) return { ok: true, url, detail: `HTTP ${status}` }
        detail = `HTTP ${status}`
      } catch (err) {
        detail = err instanceof Error ? err.message : String(err)
      }
      if (Date.now() + INTERVAL_MS >= deadline)
        return { ok: false, url, detail: `last answer: ${detail}` }
      await sleep(INTERVAL_MS)
    }
  } finally {
    http.dispose()
  }
}

/** Probes each instance's URL at once; names without a public domain fail with a reason. */
export async function probeAll(
  check: string,
  targets: { name: string; fqdn?: string }[],
  deadline: number
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
      return [t.name, await probe(url, deadline)] as const
    })
  )
  return new Map(results)
}
