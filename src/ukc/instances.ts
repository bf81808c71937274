/** Instances (ukc-api.md §6): global scope for sets, local scope for one by UUID. */
import { Category } from './category.js'
import type { ApiResult } from './envelope.js'
import { checkName } from './names.js'
import { checkRefs, waitingTimeout } from './scope.js'
import type { Transport } from './transport.js'
import type {
  CreateInstanceRequest,
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

/** The longest wait among items (-1 if any waits as long as it takes). */
function longest(waits: (number | undefined)[], absent: number): number {
  const all = waits.map((w) => w ?? absent)
  return all.includes(-1) ? -1 : Math.max(...all)
}

/** Deleting a running instance stops it first; its implicit group and own volumes go with it. */
export class InstancesApi extends Category<Instance> {
  constructor(t: Transport) {
    super(t, 'instances', 'instances')
  }

  /**
   * One POST per create (the API's shape); never retried here (see Transport). With
   * `wait_timeout_ms` the server answers once the instance runs.
   */
  create(req: CreateInstanceRequest): Promise<ApiResult<Instance>> {
    const body = req.name !== undefined ? { ...req, name: checkName(req.name) } : req
    return this.t.call({
      method: 'POST',
      path: '/instances',
      body,
      plural: this.plural,
      timeoutMs: waitingTimeout(req.wait_timeout_ms)
    })
  }

  /** The named instances in one request, or every instance when `refs` is omitted. */
  override get(
    refs?: readonly ObjectRef[],
    opts: { details?: boolean } = {}
  ): Promise<ApiResult<Instance>> {
    return this.batch(
      'GET',
      '',
      refs && checkRefs(refs),
      opts.details === false ? { query: { details: false } } : {}
    )
  }

  /** With `wait_timeout_ms`, each start answers once its instance runs. */
  start(items: readonly (ObjectRef & StartItem)[]): Promise<ApiResult<StateChange>> {
    return this.batch('PUT', '/start', checkRefs(items), {
      timeoutMs: waitingTimeout(
        longest(
          items.map((i) => i.wait_timeout_ms),
          0
        )
      )
    })
  }

  /** Local scope takes its options as query parameters (OpenAPI start-instance-by-uuid). */
  startOne(uuid: string, opts: StartItem = {}): Promise<ApiResult<StateChange>> {
    return this.one('PUT', uuid, 'start', undefined, {
      query: { wait_timeout_ms: opts.wait_timeout_ms },
      timeoutMs: waitingTimeout(opts.wait_timeout_ms)
    })
  }

  /** Stop does not block; follow it with `wait` for `stopped`. */
  stop(items: readonly (ObjectRef & StopItem)[]): Promise<ApiResult<StateChange>> {
    return this.batch('PUT', '/stop', checkRefs(items))
  }

  /** Local scope takes its options as query parameters (OpenAPI stop-instance-by-uuid). */
  stopOne(uuid: string, opts: StopItem = {}): Promise<ApiResult<StateChange>> {
    return this.one('PUT', uuid, 'stop', undefined, {
      query: { force: opts.force, drain_timeout_ms: opts.drain_timeout_ms }
    })
  }

  /**
   * Blocks on the server until every instance is in its state or its `timeout_ms` runs out;
   * items that ran out come back with `timedOut` set. One request for the whole set.
   */
  wait(items: readonly (ObjectRef & WaitItem)[]): Promise<ApiResult<StateChange>> {
    return this.batch('GET', '/wait', checkRefs(items), {
      timeoutMs: waitingTimeout(
        longest(
          items.map((i) => i.timeout_ms),
          -1
        )
      )
    })
  }

  /** Console output; `offset` < 0 counts from the end, `limit` is at most 16383 bytes. */
  logs(items: readonly (ObjectRef & LogItem)[]): Promise<ApiResult<InstanceLog>> {
    return this.batch('GET', '/log', checkRefs(items))
  }

  /** The last 4 KiB (the API's default window); local scope takes no options. */
  logOne(uuid: string): Promise<ApiResult<InstanceLog>> {
    return this.one('GET', uuid, 'log')
  }

  metrics(refs?: readonly ObjectRef[]): Promise<ApiResult<InstanceMetrics>> {
    return this.batch('GET', '/metrics', refs && checkRefs(refs))
  }

  /** Prometheus text (what the API answers without `Accept: application/json`). */
  metricsText(refs?: readonly ObjectRef[]): Promise<string> {
    return this.t.text({
      method: 'GET',
      path: '/instances/metrics',
      body: refs ? checkRefs(refs) : undefined,
      plural: this.plural
    })
  }
}

/** The console text of a log item. */
export function decodeLog(item: Pick<InstanceLog, 'output'>): string {
  return Buffer.from(item.output ?? '', 'base64').toString('utf8')
}
