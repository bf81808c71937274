/**
 * One HTTP exchange with the UKC API, done right: bearer token, JSON both ways, a timeout on
 * every request, a deadline for the whole run, and retries with backoff and jitter for the
 * methods that are safe to repeat. Proxies come from @actions/http-client's agent, which
 * honours https_proxy / http_proxy / no_proxy as the runner sets them.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import { HttpClient } from '@actions/http-client'
import { PRODUCT, VERSION } from '../version.js'
import {
  AnswerError,
  EnvelopeError,
  parseEnvelope,
  serverMessage,
  type ApiResult
} from './envelope.js'
import { UkcError, type UkcErrorKind } from './errors.js'
import { answerProblem } from './answers.js'
import { AdaptiveLimiter, type Outcome } from './limiter.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  /** No retry starts once this much time has passed since the first attempt. */
  maxTotalMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxTotalMs: 60000
}
export const DEFAULT_REQUEST_TIMEOUT_MS = 30000
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024

export interface TransportOptions {
  baseUrl: string
  token: string
  userAgent?: string
  requestTimeoutMs?: number
  retry?: Partial<RetryPolicy>
  /** Epoch milliseconds after which no request is started or allowed to run. */
  deadline?: number
  /** Debug lines (request bodies redacted). */
  debug?: (line: string) => void
  /** Requests in flight to start with (the limiter adapts it); INITIAL_CONCURRENCY by default. */
  concurrency?: number
  /** Injected in tests to make jitter and sleeping observable. */
  random?: () => number
  sleep?: (ms: number) => Promise<void>
}

export interface RequestSpec {
  method: Method
  /** Path below the base URL, e.g. `/instances/wait`. */
  path: string
  body?: unknown
  query?: Record<string, string | number | boolean | readonly string[] | undefined>
  /** The key of the list inside `data` (`instances`, `service_groups`, ...). */
  plural: string
  /** This request's own timeout (a server-side wait needs longer than the default). */
  timeoutMs?: number
  accept?: string
}

interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

class AttemptError extends Error {
  constructor(
    readonly kind: UkcErrorKind,
    message: string,
    /** The request reached the server (or may have): a write may have taken effect. */
    readonly sent: boolean,
    /** The server reset the connection: pushback, like a 429. */
    readonly reset = false
  ) {
    super(message)
  }
}

/** Keys whose values are secrets or bulky PEM text: never printed, even in debug. */
const REDACTED_KEYS = new Set(['env', 'chain', 'pkey', 'token', 'password'])

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (!REDACTED_KEYS.has(k)) return [k, redact(v)]
      if (typeof v === 'object' && v !== null && !Array.isArray(v))
        return [k, Object.fromEntries(Object.keys(v).map((ek) => [ek, '***']))]
      return [k, '***']
    })
  )
}

const RETRYABLE_STATUS = (s: number): boolean => s === 429 || (s >= 500 && s !== 501 && s <= 599)

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(
  header: string | string[] | undefined,
  now = Date.now()
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function htmlTitle(text: string): string | undefined {
  return /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim()
}

/** An envelope whose items break their fields' types is refused whole, naming the field. */
function typedAnswer<T>(result: ApiResult<T>, plural: string): ApiResult<T> {
  result.items.forEach((item, i) => {
    const problem = answerProblem(item.value as Record<string, unknown>, plural, i)
    if (problem) throw new AnswerError(problem)
  })
  return result
}

export class Transport {
  readonly baseUrl: string
  readonly host: string
  private readonly token: string
  private readonly userAgent: string
  private readonly requestTimeoutMs: number
  private readonly retry: RetryPolicy
  private readonly agents: HttpClient
  private readonly random: () => number
  private readonly sleep: (ms: number) => Promise<void>
  deadline?: number
  private readonly debug: (line: string) => void
  /**
   * The first request goes alone and the others wait for its answer, so a token the API
   * refuses (401) costs one request, not one per batch of the first parallel reads; after a
   * 401 nothing more is sent, and every later call fails with the same error.
   */
  private firstAnswer?: Promise<void>
  private refused?: UkcError
  /** How many requests are in flight at once, adapted to the API's pushback. */
  readonly limiter: AdaptiveLimiter

  constructor(opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.host = new URL(this.baseUrl).host
    this.token = opts.token
    this.userAgent = opts.userAgent ?? `${PRODUCT}/${VERSION} (node ${process.version})`
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.retry = { ...DEFAULT_RETRY, ...opts.retry }
    this.deadline = opts.deadline
    this.debug = opts.debug ?? (() => {})
    this.random = opts.random ?? Math.random
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
    // Only its proxy-aware keep-alive agent is used: requests need a body on GET and
    // a timeout per request, which the client's own request() cannot give.
    this.agents = new HttpClient(this.userAgent, [], { keepAlive: true })
    this.limiter = new AdaptiveLimiter(opts.concurrency)
  }

  /** Sends a request and parses the envelope. Per-object failures are in the result, not thrown. */
  async call<T>(spec: RequestSpec): Promise<ApiResult<T>> {
    return this.exchange(spec, 'application/json', (text) => {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw new AttemptError(
          'parse',
          `the response is not valid JSON: '${text.slice(0, 80)}'`,
          true
        )
      }
      try {
        return typedAnswer(parseEnvelope<T>(body, spec.plural), spec.plural)
      } catch (err) {
        throw new AttemptError(
          'parse',
          err instanceof AnswerError
            ? err.message
            : `the response is not a UKC envelope: ${(err as EnvelopeError).message}`,
          true
        )
      }
    })
  }

  /** Sends a request and returns the body as text (Prometheus metrics). */
  async text(spec: RequestSpec): Promise<string> {
    return this.exchange(spec, spec.accept ?? 'text/plain', (text) => text)
  }

  close(): void {
    this.agents.dispose()
  }

  private error(
    spec: RequestSpec,
    kind: UkcErrorKind,
    summary: string,
    extra: { status?: number; serverMessage?: string; attempts?: number; ambiguous?: boolean }
  ): UkcError {
    return new UkcError(summary, {
      kind,
      method: spec.method,
      path: `/v1${spec.path}`,
      host: this.host,
      ...extra
    })
  }

  /**
   * GET, PUT and DELETE are retried on 429, 5xx (not 501), network errors, timeouts and
   * unreadable answers; POST and PATCH never are (a create is made safe by the caller, who
   * looks the name up first, PRODUCT.md "Creates are never retried blind").
   */
  private async exchange<T>(
    spec: RequestSpec,
    accept: string,
    read: (text: string) => T
  ): Promise<T> {
    const idempotent = spec.method === 'GET' || spec.method === 'PUT' || spec.method === 'DELETE'
    let answered: (() => void) | undefined
    if (this.firstAnswer) await this.firstAnswer
    else this.firstAnswer = new Promise((resolve) => (answered = resolve))
    if (this.refused) {
      answered?.()
      throw this.refused
    }
    try {
      return await this.attempts(spec, accept, read, idempotent, () => answered?.())
    } catch (err) {
      if (err instanceof UkcError && err.status === 401) this.refused = err
      throw err
    } finally {
      answered?.()
    }
  }

  private async attempts<T>(
    spec: RequestSpec,
    accept: string,
    read: (text: string) => T,
    idempotent: boolean,
    onAnswer: () => void
  ): Promise<T> {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      let failure: {
        kind: UkcErrorKind
        summary: string
        status?: number
        serverMessage?: string
        waitMs?: number
        sent: boolean
      }
      const slot = await this.limiter.acquire()
      let outcome: Outcome = 'neutral'
      let why: string | undefined
      try {
        const left = this.deadline !== undefined ? this.deadline - Date.now() : Infinity
        if (left <= 0)
          throw this.error(
            spec,
            'timeout',
            'the overall timeout ran out before the request could be sent',
            { attempts: attempt - 1 }
          )
        const timeoutMs = Math.min(spec.timeoutMs ?? this.requestTimeoutMs, left)
        const res = await this.once(spec, accept, timeoutMs)
        if (res.status !== 401) onAnswer()
        if (res.status >= 200 && res.status < 300) {
          outcome = 'ok'
          return read(res.text)
        }
        failure = { ...this.describe(res), sent: true }
        if (!RETRYABLE_STATUS(res.status))
          throw this.error(spec, failure.kind, failure.summary, { ...failure, attempts: attempt })
        failure.waitMs = retryAfterMs(res.headers['retry-after'])
        if (res.status === 429 || res.status === 503) {
          outcome = 'pushback'
          why = String(res.status)
        }
      } catch (err) {
        if (!(err instanceof AttemptError)) throw err
        failure = { kind: err.kind, summary: err.message, sent: err.sent }
        if (err.reset) {
          outcome = 'pushback'
          why = 'connection reset'
        }
      } finally {
        slot.release(outcome, why)
      }
      // A 429 is the API asking for less at once: the limiter lowers the concurrency, and the
      // request is retried for as long as the run's timeout allows, soon (the pause, if any,
      // is shared), rather than a fixed number of times with growing waits.
      const limited = failure.status === 429
      const backoff =
        Math.min(
          limited ? 1000 : this.retry.maxDelayMs,
          this.retry.baseDelayMs * 2 ** (attempt - 1)
        ) *
        (0.5 + this.random() / 2)
      const delay = Math.max(backoff, failure.waitMs ?? 0)
      const budgetLeft = Math.min(
        limited && this.deadline !== undefined
          ? Infinity
          : this.retry.maxTotalMs - (Date.now() - started),
        (this.deadline ?? Infinity) - Date.now()
      )
      // A 429 means the server did not act, so even a create may be sent again.
      const repeatable = idempotent || limited
      if (!repeatable || (!limited && attempt >= this.retry.maxAttempts) || delay >= budgetLeft) {
        const why =
          failure.waitMs !== undefined && failure.waitMs >= budgetLeft
            ? `; the server asked to retry after ${Math.ceil(failure.waitMs / 1000)} s, beyond the time left`
            : ''
        throw this.error(spec, failure.kind, `${failure.summary}${why}`, {
          status: failure.status,
          serverMessage: failure.serverMessage,
          attempts: attempt,
          ambiguous: !idempotent && failure.sent && failure.status !== 429
        })
      }
      // One pause for every request: the API said when it takes more.
      if (outcome === 'pushback' && failure.waitMs !== undefined) this.limiter.pause(failure.waitMs)
      this.debug(
        `UKC ${spec.method} /v1${spec.path}: ${failure.summary}; retry ${attempt}${limited ? '' : ` of ${this.retry.maxAttempts - 1}`} in ${Math.round(delay)} ms`
      )
      await this.sleep(delay)
    }
  }

  private describe(res: RawResponse): {
    kind: UkcErrorKind
    summary: string
    status: number
    serverMessage?: string
  } {
    const status = res.status
    let parsed: unknown
    try {
      parsed = JSON.parse(res.text)
    } catch {
      parsed = undefined
    }
    const fromServer = serverMessage(parsed)
    if (status === 401)
      return {
        kind: 'http',
        status,
        serverMessage: fromServer,
        summary:
          'HTTP 401 Unauthorized: the API refused the token; check that it is the current one and belongs to this metro'
      }
    if (fromServer)
      return {
        kind: 'http',
        status,
        serverMessage: fromServer,
        summary: `HTTP ${status}: ${fromServer}`
      }
    if (parsed === undefined && res.text.trim().length > 0) {
      const type = String(res.headers['content-type'] ?? 'unknown type').split(';')[0]
      const title = htmlTitle(res.text)
      return {
        kind: 'http',
        status,
        summary: `HTTP ${status} with a non-JSON body (${type})${title ? `: '${title}'` : ''}; a proxy or gateway may have answered instead of the API`
      }
    }
    return {
      kind: 'http',
      status,
      summary: `HTTP ${status}${res.text ? `: ${res.text.slice(0, 200)}` : ''}`
    }
  }

  private url(spec: RequestSpec): URL {
    const url = new URL(`${this.baseUrl}${spec.path}`)
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined) continue
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v)
      else url.searchParams.set(key, String(value))
    }
    return url
  }

  private once(spec: RequestSpec, accept: string, timeoutMs: number): Promise<RawResponse> {
    const url = this.url(spec)
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body)
    const headers: http.OutgoingHttpHeaders = {
      authorization: `Bearer ${this.token}`,
      accept,
      'user-agent': this.userAgent
    }
    if (payload !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = Buffer.byteLength(payload)
    }
    this.debug(
      `UKC → ${spec.method} ${url.pathname}${url.search}${payload !== undefined ? ` ${JSON.stringify(redact(spec.body))}` : ''}`
    )
    const began = Date.now()
    const mod = url.protocol === 'https:' ? https : http
    return new Promise<RawResponse>((resolve, reject) => {
      let sent = false
      let settled = false
      const settle = (fn: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        fn()
      }
      const req = mod.request(
        url,
        { method: spec.method, headers, agent: this.agents.getAgent(url.href) },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > MAX_RESPONSE_BYTES)
              req.destroy(new Error(`the response is larger than ${MAX_RESPONSE_BYTES} bytes`))
            else chunks.push(c)
          })
          res.on('aborted', () =>
            settle(() =>
              reject(
                new AttemptError(
                  'network',
                  'the connection closed in the middle of the response',
                  true
                )
              )
            )
          )
          res.on('error', (e) =>
            settle(() =>
              reject(new AttemptError('network', `the response broke off: ${e.message}`, true))
            )
          )
          res.on('end', () =>
            settle(() => {
              this.debug(
                `UKC ← ${res.statusCode} ${spec.method} ${url.pathname} in ${Date.now() - began} ms`
              )
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8')
              })
            })
          )
        }
      )
      const timer = setTimeout(() => {
        settle(() =>
          reject(
            new AttemptError(
              'timeout',
              `no complete answer within ${Math.round(timeoutMs / 100) / 10} s (request timeout)`,
              true
            )
          )
        )
        req.destroy()
      }, timeoutMs)
      req.on('finish', () => (sent = true))
      req.on('error', (e: NodeJS.ErrnoException) =>
        settle(() => {
          // A refused connection never reached the server; anything later might have.
          const reached = sent && e.code !== 'ECONNREFUSED'
          reject(
            new AttemptError(
              'network',
              `network error: ${e.code ?? e.message}`,
              reached,
              e.code === 'ECONNRESET'
            )
          )
        })
      )
      req.end(payload)
    })
  }
}
