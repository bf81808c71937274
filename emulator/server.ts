/**
 * A local stand-in for the Unikraft Cloud API: an HTTP server on loopback that speaks the
 * API as ukc-api.md describes it, plus test controls under /_emulator (never under /v1).
 */
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { autoscaleRoutes } from './api/autoscale.js'
import { certificateRoutes } from './api/certificates.js'
import { imageRoutes } from './api/images.js'
import { instanceRoutes } from './api/instances.js'
import { serviceRoutes } from './api/services.js'
import { templateRoutes } from './api/templates.js'
import { userRoutes } from './api/users.js'
import { volumeRoutes } from './api/volumes.js'
import type { Ctx, Generation, Req, Routes, Settings } from './context.js'
import { requestError, toErrorResponse, unauthorized, type Res } from './envelope.js'
import { Faults, Journal, type FaultRule, type JournalEntry } from './faults.js'
import { Lifecycle, type TimelineEntry, type Timing } from './lifecycle.js'
import { destroyInstance } from './model.js'
import { runDue } from './policies.js'
import { normaliseRef, pinned, pushImage, tagOf } from './registry.js'
import {
  defaultQuotas,
  digestOf,
  Store,
  type ImageRec,
  type Quotas,
  type RuntimeProfile
} from './state.js'

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number
  host?: string
  /** Metro code: `fra0`-style metros get `<metro>.kraft.host` domains, `fra`-style `<metro>.unikraft.app`. */
  metro?: string
  /** starting → running. */
  bootDelayMs?: number
  /** stopping → stopped. */
  stopDelayMs?: number
  /** Added before every API request is handled. */
  latencyMs?: number
  /** The only bearer token accepted; any non-empty token when unset. */
  token?: string
  /**
   * The API generation to speak (ukc-api.md §0): `classic` (default for `fra0`-style metros)
   * or `new` (default for `fra`-style metros).
   */
  generation?: Generation
  /** [N] How long deleted instances are retained (default 1 hour on `new`). */
  retentionMs?: number
  /** Refuse images that were never pushed (default: register them on first use). */
  strictImages?: boolean
  certDelayMs?: number
  /** [N] Refuse `timeout_s` like a metro that predates it. */
  legacyTimeouts?: boolean
  /** Deleted instances linger this long (state `stopping`, name and volumes held). */
  deleteDelayMs?: number
  /**
   * A gateway in front of the API (`--max-in-flight N`): a request that arrives while N are in
   * flight is answered 429 without reaching the API; 0 (default) is no limit.
   */
  maxInFlight?: number
  /** The gateway's `Retry-After` on those 429s, in seconds (`--retry-after S`); none if unset. */
  retryAfterS?: number
  /** [N] The page a listing without `count` answers (0: all). */
  pageSize?: number
  /** [N] Answer `GET /v1/image-store` (default); false: a metro with only `GET /v1/images`. */
  imageStore?: boolean
}

export interface EmulatorConfig {
  boot_delay_ms?: number
  stop_delay_ms?: number
  latency_ms?: number
  cert_delay_ms?: number
  cert_failure?: boolean
  autoscale_enabled?: boolean
  strict_images?: boolean
  /** [N] how long deleted instances are retained; 0 turns retention off. */
  retention_ms?: number
  /** [N] refuse `timeout_s` like a metro that predates it. */
  legacy_timeouts?: boolean
  delete_delay_ms?: number
  page_size?: number
  image_store?: boolean
  /** The gateway limit (0: none) and its Retry-After (null: none), see EmulatorOptions. */
  max_in_flight?: number
  retry_after_s?: number | null
  token?: string | null
  /** Runtime figures per image tag (`{"acme/app:2": {boot_ms: 140, listen_ms: 90, rss_mb: 30}}`). */
  images?: Record<string, RuntimeProfile>
}

const CLASSIC_METROS = /^[a-z]+\d+$/
const SEED_IMAGES = [
  'nginx:latest',
  'caddy:latest',
  'python:3.12',
  'node:21',
  'hello-world:latest',
  'redis:7.2'
]
const MAX_BODY = 4 * 1024 * 1024
const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'

// Unref'd, so an injected delay never keeps a test process alive after close().
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref())

interface Route {
  method: string
  segments: string[]
  literals: number
  handler: (req: Req) => Res | Promise<Res>
}

function compile(table: Routes): Route[] {
  return Object.entries(table)
    .map(([key, handler]) => {
      const [method, path] = key.split(' ')
      const segments = path.split('/').filter(Boolean)
      return {
        method,
        segments,
        literals: segments.filter((s) => !s.startsWith(':')).length,
        handler
      }
    })
    .sort((a, b) => b.literals - a.literals)
}

/** A path segment decoded, or undefined when its percent-encoding is malformed (`%zz`). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

function match(route: Route, parts: string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i]
    if (seg.startsWith(':')) params[seg.slice(1)] = decoded(parts[i]) ?? parts[i]
    else if (seg !== parts[i]) return undefined
  }
  return params
}

/**
 * What the journal keeps of a body: env values and private keys replaced, so a journal that
 * is printed or fetched never shows an instance's secrets (names and keys stay, to debug).
 */
export function redacted(value: unknown, depth = 0): unknown {
  if (depth > 16 || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((v) => redacted(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === 'env' && typeof v === 'object' && v !== null && !Array.isArray(v))
      out[k] = Object.fromEntries(Object.keys(v).map((key) => [key, '***']))
    // The key's PEM frame stays, so the journal still shows a well-formed request.
    else if (k === 'pkey' && typeof v === 'string')
      out[k] = '-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\n'
    else out[k] = redacted(v, depth + 1)
  }
  return out
}

export class Emulator {
  readonly store = new Store()
  readonly faults = new Faults()
  readonly journalLog = new Journal()
  readonly life: Lifecycle
  readonly settings: Settings
  private readonly timing: Timing
  private readonly initialRetentionMs: number
  private latencyMs: number
  /** The gateway limit in front of the API (see EmulatorOptions.maxInFlight). */
  private gateway: { maxInFlight: number; retryAfterS?: number }
  private inFlight = 0
  /** Test read-out: the most API requests in flight at once, and the gateway's 429s. */
  gatewayStats = { peak: 0, refused: 0 }
  private token: string | undefined
  private routes: Route[]
  private server!: Server
  url = ''

  constructor(private readonly options: EmulatorOptions = {}) {
    const metro = options.metro ?? (options.generation === 'new' ? 'fra' : 'fra0')
    this.timing = { bootDelayMs: options.bootDelayMs ?? 30, stopDelayMs: options.stopDelayMs ?? 10 }
    this.latencyMs = options.latencyMs ?? 0
    this.gateway = { maxInFlight: options.maxInFlight ?? 0, retryAfterS: options.retryAfterS }
    this.token = options.token
    const generation = options.generation ?? (CLASSIC_METROS.test(metro) ? 'classic' : 'new')
    this.settings = {
      generation,
      retentionMs: generation === 'new' ? (options.retentionMs ?? 3600_000) : 0,
      metroDomain: CLASSIC_METROS.test(metro) ? `${metro}.kraft.host` : `${metro}.unikraft.app`,
      strictImages: options.strictImages ?? false,
      certDelayMs: options.certDelayMs ?? 200,
      certFailure: false,
      legacyTimeouts: options.legacyTimeouts ?? false,
      deleteDelayMs: options.deleteDelayMs ?? 0,
      pageSize: options.pageSize ?? 0,
      imageStore: options.imageStore ?? true
    }
    this.initialRetentionMs = this.settings.retentionMs
    this.life = new Lifecycle(this.store, this.timing, (inst) => destroyInstance(this.ctx, inst))
    this.routes = compile({
      ...instanceRoutes(this.ctx),
      ...templateRoutes(this.ctx),
      ...autoscaleRoutes(this.ctx),
      ...serviceRoutes(this.ctx),
      ...volumeRoutes(this.ctx),
      ...certificateRoutes(this.ctx),
      ...imageRoutes(this.ctx),
      ...userRoutes(this.ctx)
    })
    this.seed()
  }

  private get ctx(): Ctx {
    return { store: this.store, life: this.life, settings: this.settings }
  }

  /** The API's base URL, e.g. `http://127.0.0.1:8080/v1`. */
  get baseUrl(): string {
    return `${this.url}/v1`
  }

  private seed(): void {
    for (const tag of SEED_IMAGES) pushImage(this.store, tag, { digest: digestOf(`seed:${tag}`) })
  }

  async listen(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 5000
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve())
    })
    const addr = this.server.address() as AddressInfo
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
    this.url = `http://${host}:${addr.port}`
    // [N] Schedules and autokill fall due in real time too, not only when a test moves the clock.
    if (this.settings.generation === 'new') {
      this.ticker = setInterval(() => this.runDue(), 1000)
      this.ticker.unref()
    }
    return this
  }

  private ticker?: NodeJS.Timeout

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker)
    this.life.clear()
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  // ---- test controls (also reachable over HTTP under /_emulator) ----

  reset(): void {
    this.life.clear()
    this.store.instances.clear()
    this.store.retained.clear()
    this.store.groups.clear()
    this.store.templates.clear()
    this.store.volumes.clear()
    this.store.certificates.clear()
    this.store.images.clear()
    this.store.profiles.clear()
    this.store.quotas = defaultQuotas()
    this.store.autoscaleEnabled = true
    this.store.clockOffsetMs = 0
    this.clockLog = []
    this.faults.clear()
    this.journalLog.clear()
    this.settings.certFailure = false
    this.settings.retentionMs = this.initialRetentionMs
    this.settings.legacyTimeouts = this.options.legacyTimeouts ?? false
    this.settings.deleteDelayMs = this.options.deleteDelayMs ?? 0
    this.settings.pageSize = this.options.pageSize ?? 0
    this.settings.imageStore = this.options.imageStore ?? true
    this.gateway = {
      maxInFlight: this.options.maxInFlight ?? 0,
      retryAfterS: this.options.retryAfterS
    }
    this.gatewayStats = { peak: 0, refused: 0 }
    this.seed()
  }

  configure(c: EmulatorConfig): void {
    if (c.boot_delay_ms !== undefined) this.timing.bootDelayMs = c.boot_delay_ms
    if (c.stop_delay_ms !== undefined) this.timing.stopDelayMs = c.stop_delay_ms
    if (c.latency_ms !== undefined) this.latencyMs = c.latency_ms
    if (c.cert_delay_ms !== undefined) this.settings.certDelayMs = c.cert_delay_ms
    if (c.cert_failure !== undefined) this.settings.certFailure = c.cert_failure
    if (c.autoscale_enabled !== undefined) this.store.autoscaleEnabled = c.autoscale_enabled
    if (c.strict_images !== undefined) this.settings.strictImages = c.strict_images
    if (c.retention_ms !== undefined && this.settings.generation === 'new')
      this.settings.retentionMs = c.retention_ms
    if (c.token !== undefined) this.token = c.token ?? undefined
    if (c.legacy_timeouts !== undefined) this.settings.legacyTimeouts = c.legacy_timeouts
    if (c.delete_delay_ms !== undefined) this.settings.deleteDelayMs = c.delete_delay_ms
    if (c.page_size !== undefined) this.settings.pageSize = c.page_size
    if (c.image_store !== undefined) this.settings.imageStore = c.image_store
    if (c.max_in_flight !== undefined) this.gateway.maxInFlight = c.max_in_flight
    if (c.retry_after_s !== undefined) this.gateway.retryAfterS = c.retry_after_s ?? undefined
    for (const [tag, profile] of Object.entries(c.images ?? {})) {
      const { repository, tag: t } = normaliseRef(tag)
      this.store.profiles.set(tagOf(repository, t ?? 'latest'), profile)
    }
  }

  setQuotas(q: { hard?: Partial<Quotas['hard']>; limits?: Partial<Quotas['limits']> }): void {
    Object.assign(this.store.quotas.hard, q.hard ?? {})
    Object.assign(this.store.quotas.limits, q.limits ?? {})
  }

  /** Pushes an image under a tag (a new digest unless one is given), optionally one that crashes after boot. */
  pushImage(
    tag: string,
    opts: { digest?: string; args?: string[]; crash?: ImageRec['crash'] } = {}
  ): ImageRec {
    return pushImage(this.store, tag, opts)
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule)
  }

  /** The application inside a running instance exits now, with this code and console line. */
  exitInstance(name: string, exitCode = 1, message = 'fatal: the application crashed'): void {
    const inst = this.store.instance({ name })
    this.life.appExit(inst, exitCode, message)
  }

  journal(): JournalEntry[] {
    return this.journalLog.list()
  }

  /**
   * [N] Moves the emulator's clock forward and runs what fell due: delete/stop/start schedules
   * and service-group autokill (emulator/policies.ts). Answers what ran, in words.
   */
  advanceClock(ms: number): string[] {
    if (!Number.isFinite(ms) || ms < 0) throw new Error("'advance_ms' must be a number ≥ 0")
    this.store.clockOffsetMs += ms
    return this.runDue()
  }

  private runDue(): string[] {
    const ran = runDue(this.ctx, {
      deleteInstance: (inst) => destroyInstance(this.ctx, inst),
      stopInstance: (inst) => this.life.stop(inst, false, 0),
      startInstance: (inst) => this.life.boot(inst)
    })
    this.clockLog.push(...ran)
    return ran
  }

  private clockView(): Record<string, unknown> {
    return {
      now: new Date(this.store.clock()).toISOString(),
      offset_ms: this.store.clockOffsetMs,
      history: [...this.clockLog]
    }
  }

  /** What the clock ran since the last reset. */
  private clockLog: string[] = []

  /** Every instance state change since the last reset, oldest first. */
  timeline(): TimelineEntry[] {
    return [...this.life.timeline]
  }

  // ---- HTTP ----

  private async readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_BODY) return undefined
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
  }

  private send(res: ServerResponse, r: Res): void {
    if (res.destroyed) return
    const text = r.text ? String(r.body) : JSON.stringify(r.body)
    res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) })
    res.end(text)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    const url = new URL(req.url ?? '/', 'http://emulator')
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const method = (req.method ?? 'GET').toUpperCase()
    const raw = await this.readBody(req).catch(() => undefined)
    if (path.startsWith('/_emulator'))
      return this.send(res, this.allowedAdmin(req, path) ?? this.admin(method, path, raw))
    // A malformed percent-encoding is the client's mistake, answered as such (never a crash).
    if (path.split('/').some((segment) => decoded(segment) === undefined))
      return this.send(
        res,
        requestError(400, `The path ${path.slice(0, 200)} has a malformed percent-encoding`, 16)
      )

    // The gateway counts every API request from arrival until its answer is sent.
    this.inFlight++
    this.gatewayStats.peak = Math.max(this.gatewayStats.peak, this.inFlight)
    res.once('close', () => this.inFlight--)
    const { maxInFlight, retryAfterS } = this.gateway
    if (maxInFlight > 0 && this.inFlight > maxInFlight) {
      this.gatewayStats.refused++
      if (this.latencyMs > 0) await sleep(this.latencyMs)
      this.journalLog.record({
        time: new Date(started).toISOString(),
        method,
        path,
        query: url.search,
        body: undefined,
        status: 429,
        duration_ms: Date.now() - started,
        user_agent: req.headers['user-agent'],
        fault: 'gateway'
      })
      return this.send(res, {
        ...requestError(429, `Too many requests in flight (at most ${maxInFlight})`),
        headers: retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}
      })
    }

    const abort = new AbortController()
    // A batch wait listens once per item; hundreds of items are normal.
    setMaxListeners(0, abort.signal)
    res.on('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    let body: unknown
    let faultName: string | undefined
    const record = (status: number, response?: unknown): void =>
      this.journalLog.record({
        time: new Date(started).toISOString(),
        method,
        path,
        query: url.search,
        body: redacted(body) ?? (raw && raw.length > 0 ? '(not JSON, not kept)' : undefined),
        status,
        duration_ms: Date.now() - started,
        user_agent: req.headers['user-agent'],
        fault: faultName,
        ...(response !== undefined ? { response: redacted(response) } : {})
      })
    try {
      body = raw && raw.length > 0 ? JSON.parse(raw.toString()) : undefined
    } catch {
      body = undefined
    }
    if (this.latencyMs > 0) await sleep(this.latencyMs)

    const fault = this.faults.take(method, path)
    if (fault)
      faultName = `${fault.kind}${fault.status ? ` ${fault.status}` : ''}${fault.when === 'after' ? ' after' : ''}`
    if (fault && fault.when !== 'after') {
      if (fault.kind === 'delay') await sleep(fault.delay_ms ?? 1000)
      else {
        record(fault.kind === 'reset' ? 0 : this.faultResponse(fault).status)
        return this.applyFault(res, req, fault)
      }
    }
    if (abort.signal.aborted) return record(0)

    const r = await this.api(method, path, url, raw, body, req, abort.signal)
    if (fault && fault.when === 'after') {
      record(fault.kind === 'reset' ? 0 : this.faultResponse(fault).status)
      return this.applyFault(res, req, fault)
    }
    const answer = this.withOpTime(r, started)
    record(answer.status, answer.text ? undefined : answer.body)
    this.send(res, answer)
  }

  /** [N] every envelope reports its processing time (`op_time_us`, required in the model). */
  private withOpTime(r: Res, startedAt: number): Res {
    if (this.settings.generation !== 'new' || r.text || typeof r.body !== 'object' || !r.body)
      return r
    return { ...r, body: { ...r.body, op_time_us: Math.max(1, (Date.now() - startedAt) * 1000) } }
  }

  private faultResponse(f: FaultRule): Res {
    switch (f.kind) {
      case 'rate_limit':
        return {
          ...requestError(429, 'Too many requests'),
          headers: { 'retry-after': String(f.retry_after_s ?? 1) }
        }
      case 'malformed':
        return { status: 200, body: '{"status":"success","data":{"instan', text: true }
      case 'html':
        return { status: 502, body: HTML_502, text: true, headers: { 'content-type': 'text/html' } }
      case 'answer':
        return { status: f.status ?? 200, body: f.body }
      default:
        return f.status === 401 ? unauthorized() : requestError(f.status ?? 500, 'Injected fault')
    }
  }

  private applyFault(res: ServerResponse, req: IncomingMessage, f: FaultRule): void {
    if (f.kind === 'reset') {
      req.socket.destroy()
      return
    }
    this.send(res, this.faultResponse(f))
  }

  private async api(
    method: string,
    path: string,
    url: URL,
    raw: Buffer | undefined,
    body: unknown,
    req: IncomingMessage,
    signal: AbortSignal
  ): Promise<Res> {
    if (raw === undefined)
      return requestError(413, `The request body is larger than ${MAX_BODY} bytes`)
    const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    if (!auth || (this.token !== undefined && auth[1] !== this.token)) return unauthorized()
    if (raw.length > 0 && body === undefined)
      return requestError(400, 'The request body is not valid JSON', 16)

    const parts = path.split('/').filter(Boolean)
    let pathMatched = false
    for (const route of this.routes) {
      const params = match(route, parts)
      if (!params) continue
      pathMatched = true
      if (route.method !== method) continue
      try {
        return await route.handler({
          method,
          path,
          params,
          query: url.searchParams,
          body,
          headers: req.headers,
          signal
        })
      } catch (err) {
        return toErrorResponse(err)
      }
    }
    // Assumption: HTTP 405/404 for codes 2/3 (the codes are the SDK's; the statuses unknown).
    return pathMatched
      ? requestError(405, `Wrong method ${method} for ${path}`, 2)
      : requestError(404, `No API endpoint ${path}`, 3)
  }

  /**
   * With a token set, the test controls need it too (they can read the journal, move state
   * and inject faults); health is open, so a harness can tell the emulator is up.
   */
  private allowedAdmin(req: IncomingMessage, path: string): Res | undefined {
    if (this.token === undefined || path === '/_emulator/health') return undefined
    const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    return auth && auth[1] === this.token ? undefined : unauthorized()
  }

  private admin(method: string, path: string, raw: Buffer | undefined): Res {
    const ok = (data: unknown = {}): Res => ({ status: 200, body: { status: 'success', data } })
    let body: Record<string, unknown>
    try {
      body = raw && raw.length > 0 ? JSON.parse(raw.toString()) : {}
    } catch {
      return requestError(400, 'The request body is not valid JSON')
    }
    try {
      const key = `${method} ${path}`
      const exit = /^POST \/_emulator\/instances\/([^/]+)\/exit$/.exec(key)
      if (exit) {
        this.exitInstance(
          decoded(exit[1]) ?? exit[1],
          body.exit_code as number | undefined,
          body.message as string | undefined
        )
        return ok()
      }
      switch (key) {
        case 'GET /_emulator/health':
          return ok({ base_url: this.baseUrl })
        case 'POST /_emulator/reset':
          this.reset()
          return ok()
        case 'GET /_emulator/journal':
          return ok({ requests: this.journal() })
        case 'GET /_emulator/timeline':
          return ok({ timeline: this.timeline() })
        case 'GET /_emulator/clock':
          return ok(this.clockView())
        case 'POST /_emulator/clock': {
          // `to` sets the clock anywhere (a past one makes old objects); `advance_s` moves it on.
          if (typeof body.to === 'string') {
            const at = Date.parse(body.to)
            if (Number.isNaN(at)) return requestError(400, "'to' must be an ISO 8601 time")
            this.store.clockOffsetMs = at - Date.now()
          }
          const ms =
            typeof body.advance_s === 'number'
              ? body.advance_s * 1000
              : Number(body.advance_ms ?? 0)
          const ran = this.advanceClock(ms)
          return ok({ ...this.clockView(), ran })
        }
        case 'DELETE /_emulator/journal':
          this.journalLog.clear()
          return ok()
        case 'PUT /_emulator/config':
          this.configure(body as EmulatorConfig)
          return ok()
        case 'PUT /_emulator/quotas':
          this.setQuotas(body)
          return ok({ quotas: this.store.quotas })
        case 'POST /_emulator/images': {
          if (typeof body.tag !== 'string')
            return requestError(400, "'tag' is required, e.g. 'myorg/app:latest'")
          const img = this.pushImage(
            body.tag,
            body as { digest?: string; args?: string[]; crash?: ImageRec['crash'] }
          )
          // The digest as the images API answers it: the full pinned reference.
          return ok({ digest: pinned(img), tags: img.tags })
        }
        case 'POST /_emulator/faults':
          this.addFault(body as unknown as FaultRule)
          return ok({ faults: this.faults.list() })
        case 'GET /_emulator/faults':
          return ok({ faults: this.faults.list() })
        case 'DELETE /_emulator/faults':
          this.faults.clear()
          return ok()
      }
      return requestError(404, `No emulator control ${method} ${path}`)
    } catch (err) {
      return requestError(400, err instanceof Error ? err.message : String(err))
    }
  }
}

/** Starts an emulator on a free loopback port (or `options.port`). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return new Emulator(options).listen()
}
