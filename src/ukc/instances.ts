/** Instances (ukc-api.md §6): global scope for sets, local scope for one by UUID. */
import type { ApiResult } from './envelope.js'
import { checkName } from './names.js'
import { checkRefs, emptyResult, localPath, waitingTimeout } from './scope.js'
import type { Transport } from './transport.js'
import type {
  CreateInstanceRequest,
  Deleted,
  Instance,
  InstanceLog,
  InstanceMetrics,
  LogItem,
  ObjectRef,
  StartItem,
  StateChange,
  StopItem,
  WaitItem
} from './types.js'

const P = 'instances'

export class InstancesApi {
  constructor(private readonly t: Transport) {}

  /** One POST per create (the API's shape); never retried here (see Transport). */
  create(req: CreateInstanceRequest): Promise<ApiResult<Instance>> {
    const body = req.name !== undefined ? { ...req, name: checkName(req.name) } : req
    return this.t.call({
      method: 'POST',
      path: '/instances',
      body,
      plural: P,
      timeoutMs: waitingTimeout(req.wait_timeout_ms)
    })
  }

  /** The named instances in one request, or every instance when `refs` is omitted. */
  get(refs?: readonly ObjectRef[], opts: { details?: boolean } = {}): Promise<ApiResult<Instance>> {
    if (refs && refs.length === 0) return Promise.resolve(emptyResult())
    const query = opts.details === false ? { details: false } : undefined
    return this.t.call({
      method: 'GET',
      path: '/instances',
      body: refs ? checkRefs(refs) : undefined,
      query,
      plural: P
    })
  }

  getOne(uuid: string): Promise<ApiResult<Instance>> {
    return this.t.call({ method: 'GET', path: localPath(P, uuid), plural: P })
  }

  start(items: readonly (ObjectRef & StartItem)[]): Promise<ApiResult<StateChange>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    const longest = Math.max(...items.map((i) => i.wait_timeout_ms ?? 0))
    return this.t.call({
      method: 'PUT',
      path: '/instances/start',
      body: checkRefs(items),
      plural: P,
      timeoutMs: waitingTimeout(longest)
    })
  }

  startOne(uuid: string, opts: StartItem = {}): Promise<ApiResult<StateChange>> {
    return this.t.call({
      method: 'PUT',
      path: localPath(P, uuid, 'start'),
      body: opts,
      plural: P,
      timeoutMs: waitingTimeout(opts.wait_timeout_ms)
    })
  }

  /** Stop does not block; follow it with `wait` for `stopped`. */
  stop(items: readonly (ObjectRef & StopItem)[]): Promise<ApiResult<StateChange>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'PUT',
      path: '/instances/stop',
      body: checkRefs(items),
      plural: P
    })
  }

  stopOne(uuid: string, opts: StopItem = {}): Promise<ApiResult<StateChange>> {
    return this.t.call({ method: 'PUT', path: localPath(P, uuid, 'stop'), body: opts, plural: P })
  }

  /**
   * Blocks on the server until every instance is in its state or its `timeout_ms` runs out;
   * items that ran out come back with `timedOut` set. One request for the whole set.
   */
  wait(items: readonly (ObjectRef & WaitItem)[]): Promise<ApiResult<StateChange>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    const timeouts = items.map((i) => i.timeout_ms ?? -1)
    const longest = timeouts.includes(-1) ? -1 : Math.max(...timeouts)
    return this.t.call({
      method: 'GET',
      path: '/instances/wait',
      body: checkRefs(items),
      plural: P,
      timeoutMs: waitingTimeout(longest)
    })
  }

  waitOne(uuid: string, opts: WaitItem = {}): Promise<ApiResult<StateChange>> {
    return this.t.call({
      method: 'GET',
      path: localPath(P, uuid, 'wait'),
      body: opts,
      plural: P,
      timeoutMs: waitingTimeout(opts.timeout_ms ?? -1)
    })
  }

  /** Running instances are stopped first; implicit groups and owned volumes go too. */
  delete(refs: readonly ObjectRef[]): Promise<ApiResult<Deleted>> {
    if (refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({ method: 'DELETE', path: '/instances', body: checkRefs(refs), plural: P })
  }

  deleteOne(uuid: string): Promise<ApiResult<Deleted>> {
    return this.t.call({ method: 'DELETE', path: localPath(P, uuid), plural: P })
  }

  /** Console output; `offset` < 0 counts from the end, `limit` is at most 16383 bytes. */
  logs(items: readonly (ObjectRef & LogItem)[]): Promise<ApiResult<InstanceLog>> {
    if (items.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({ method: 'GET', path: '/instances/log', body: checkRefs(items), plural: P })
  }

  logOne(uuid: string, opts: LogItem = {}): Promise<ApiResult<InstanceLog>> {
    return this.t.call({ method: 'GET', path: localPath(P, uuid, 'log'), body: opts, plural: P })
  }

  metrics(refs?: readonly ObjectRef[]): Promise<ApiResult<InstanceMetrics>> {
    if (refs && refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'GET',
      path: '/instances/metrics',
      body: refs ? checkRefs(refs) : undefined,
      plural: P
    })
  }

  /** Prometheus text (what the API answers without `Accept: application/json`). */
  metricsText(refs?: readonly ObjectRef[]): Promise<string> {
    return this.t.text({
      method: 'GET',
      path: '/instances/metrics',
      body: refs ? checkRefs(refs) : undefined,
      plural: P
    })
  }
}

/** The console text of a log item. */
export function decodeLog(item: Pick<InstanceLog, 'output'>): string {
  return Buffer.from(item.output ?? '', 'base64').toString('utf8')
}
