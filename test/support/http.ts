/**
 * A raw HTTP client for conformance tests: it sends exactly what a test says (a JSON body on
 * GET included, which fetch refuses) and hands back status, headers and body untouched.
 */
import * as http from 'node:http'

export interface RawReply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

export function raw(
  url: string,
  method: string,
  body?: unknown,
  opts: { token?: string | null; headers?: Record<string, string>; rawBody?: string } = {}
): Promise<RawReply> {
  const payload = opts.rawBody ?? (body === undefined ? undefined : JSON.stringify(body))
  const headers: Record<string, string | number> = { ...(opts.headers ?? {}) }
  const token = opts.token === undefined ? 'test-token' : opts.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  if (payload !== undefined) {
    headers['content-type'] = 'application/json'
    headers['content-length'] = Buffer.byteLength(payload)
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `fn` until it returns a truthy value (test-side only; the product never polls). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 3000
): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}
