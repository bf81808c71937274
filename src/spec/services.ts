/**
 * Published ports: kraft's `443:8080[/http+tls]` shorthand and the gateway's handler rules
 * (ukc-api.md §7.1), checked here so a spec the API would refuse fails before any request.
 */
import type { Handler, ServiceSpec } from '../ukc/types.js'

export const HANDLERS: readonly Handler[] = ['tls', 'http', 'redirect']

/** The rule a service breaks, or undefined when the API will accept it. */
export function handlerProblem(s: ServiceSpec): string | undefined {
  const h = new Set(s.handlers ?? [])
  const list = [...h].join('+') || 'no handlers'
  if ((s.handlers ?? []).length !== h.size) return 'lists a handler twice'
  if (s.port === 80) {
    if (!h.has('http') || h.has('tls'))
      return `port 80 needs the http handler and no tls (got ${list}); e.g. 80:443/http+redirect`
    return undefined
  }
  if (h.has('redirect'))
    return `the redirect handler is only allowed on port 80 (got it on ${s.port})`
  if (s.port === 443)
    return h.has('http') && h.has('tls')
      ? undefined
      : `port 443 needs the http and tls handlers (got ${list}); e.g. 443:8080/http+tls`
  if (!h.has('tls') || h.has('http'))
    return `port ${s.port} needs the tls handler and no http (got ${list}); e.g. ${s.port}:${s.destination_port ?? s.port}/tls`
  return undefined
}

/**
 * `443:8080` → HTTPS on 443 plus the HTTP→HTTPS redirect on 80 (what kraft does);
 * `A:B/h1+h2` → one service with those handlers; `N` → N:N with the default for the port.
 */
export function parsePort(text: string): ServiceSpec[] | string {
  const m = /^(\d{1,5})(?::(\d{1,5}))?(?:\/([a-z+]+))?$/.exec(text.trim())
  if (!m)
    return `"${text}" is not a port mapping; use PORT:DEST[/handler+handler], e.g. 443:8080 or 8443:8443/tls`
  const port = Number(m[1])
  const dest = m[2] !== undefined ? Number(m[2]) : port
  for (const p of [port, dest]) if (p < 1 || p > 65535) return `port ${p} is outside 1..65535`
  if (m[3] !== undefined) {
    const handlers = m[3].split('+')
    const bad = handlers.find((h) => !HANDLERS.includes(h as Handler))
    if (bad) return `"${bad}" is not a handler; valid: ${HANDLERS.join(', ')}`
    return [{ port, destination_port: dest, handlers: handlers as Handler[] }]
  }
  if (port === 443)
    return [
      { port: 443, destination_port: dest, handlers: ['http', 'tls'] },
      { port: 80, destination_port: 443, handlers: ['http', 'redirect'] }
    ]
  if (port === 80) return [{ port: 80, destination_port: dest, handlers: ['http'] }]
  return [{ port, destination_port: dest, handlers: ['tls'] }]
}
