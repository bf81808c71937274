/** Instances (ukc-api.md §6): global scope for sets, local scope for one by UUID. */
import { Category } from './category.js'
import type { ApiResult, ItemResult } from './envelope.js'
import { ErrorCode } from './errors.js'
import { refusesTimeoutS, type Dialect } from './generation.js'
import { checkName } from './names.js'
import { checkRefs, emptyResult, waitingTimeout } from './scope.js'
import type { Transport } from './transport.js'
import type {
  CreateInstanceRequest,
  Instance,
  InstanceLog,
  InstanceMetrics,
  InstanceUpdate,
  LogItem,
  ObjectRef,
  StartItem,
  StateChange,
  StopItem,
  UpdatedInstance,
  WaitItem
} from './types.js'

/** The longest wait among items (-1 if any waits as long as it takes). */
function longest(waits: (number | undefined)[], absent: number): number {
  const all = waits.map((w) => w ?? absent)
  return all.includes(-1) ? -1 : Math.max(...all)
}

/**
 * A deleted instance the platform still retains ([N] state `deleted`, `retained_until`): gone
 * for every purpose of a deploy, though its name stays taken until it is purged.
 */
const retained = (item: ItemResult<Instance>): boolean => item.ok && item.value.state === 'deleted'

/** A retained instance answered by name reads as the API answers for no instance at all. */
function asGone(item: ItemResult<Instance>): ItemResult<Instance> {
  return {
    ...item,
    ok: false,
    status: 'error',
    code: ErrorCode.NotFound,
    codeName: 'NotFound',
    message: `instance '${item.value.name}' was deleted (retained until ${item.value.retained_until ?? 'later'})`
  }
}

/** The create members that carry what the platform keeps for the action (engine/lifetime.ts). */
const POLICY_MEMBERS = ['tags', 'annotations', 'schedules'] as const

const hasPolicies = (body: CreateInstanceRequest): boolean =>
  POLICY_MEMBERS.some((m) => body[m] !== undefined)

function withoutPolicies(body: CreateInstanceRequest): CreateInstanceRequest {
  const { tags: _tags, annotations: _annotations, schedules: _schedules, ...rest } = body
  return rest
}

/** The API's phrase for a member it does not know (ukc-api.md §2), about one of those. */
const refusesPolicy = (text: string | undefined): boolean =>
  text !== undefined &&
  text.includes('is not a valid member') &&
  POLICY_MEMBERS.some((m) => text.includes(`'${m}'`))

/** Deleting a running instance stops it first; its implicit group and own volumes go with it. */
type Timed = 'create' | 'start' | 'wait'
type Waits = Dialect['legacy']

export class InstancesApi extends Category<Instance> {
  /** Endpoints that refused `timeout_s` in this run: asked in the deprecated members from then on. */
  private readonly legacy = new Set<Timed>()

  constructor(t: Transport, dialect: Dialect) {
    super(t, dialect, 'instances', 'instances')
  }

  /**
   * A metro that predates `timeout_s` refuses it ("'timeout_s' is not a valid member"): the
   * call is sent once more with the deprecated millisecond members, and the endpoint is
   * remembered, so a run pays the refusal once per endpoint, not on every request.
   */
  private async timed<T>(
    endpoint: Timed,
    send: (waits: Waits) => Promise<ApiResult<T>>
  ): Promise<ApiResult<T>> {
    if (this.legacy.has(endpoint)) return send(this.dialect.legacy)
    try {
      const r = await send(this.dialect)
      if (!refusesTimeoutS(r.message) && !r.items.some((i) => refusesTimeoutS(i.message))) return r
    } catch (err) {
      if (!(err instanceof Error) || !refusesTimeoutS(err.message)) throw err
    }
    this.legacy.add(endpoint)
    return send(this.dialect.legacy)
  }

  /** A wait as the deprecated members take it: the run's own remaining budget, never -1. */
  private finite(ms: number | undefined): number | undefined {
    if (ms === undefined || ms >= 0) return ms
    const left = (this.t.deadline ?? Date.now() + 60000) - Date.now()
    return Math.max(1000, left)
  }

  /**
   * One POST per create (the API's shape); never retried here (see Transport). With
   * `wait_timeout_ms` the server answers once the instance runs. A name still held by a
   * retained (deleted) instance is freed and the create sent once more: a deploy replaces
   * instances under the same name.
   */
  create(req: CreateInstanceRequest): Promise<ApiResult<Instance>> {
    // Names are checked before anything is sent, so a bad one throws here, not later.
    const body = req.name !== undefined ? { ...req, name: checkName(req.name) } : req
    return this.createChecked(body)
  }

  /**
   * [N] Whether a metro refused the tags, annotations and schedules of a create as unknown
   * members: the create was sent again without them, and so is every later one of this run.
   */
  refusedPolicies = false

  /** A create refused for a member an older metro may not know yet: sent once more without them. */
  private async createChecked(body: CreateInstanceRequest): Promise<ApiResult<Instance>> {
    if (this.refusedPolicies) return this.createPlain(withoutPolicies(body))
    try {
      const r = await this.createPlain(body)
      const said = [r.message, ...r.items.map((i) => i.message)]
      if (!hasPolicies(body) || !said.some(refusesPolicy)) return r
    } catch (err) {
      if (!hasPolicies(body) || !(err instanceof Error) || !refusesPolicy(err.message)) throw err
    }
    this.refusedPolicies = true
    return this.createPlain(withoutPolicies(body))
  }

  private async createPlain(body: CreateInstanceRequest): Promise<ApiResult<Instance>> {
    const send = (): Promise<ApiResult<Instance>> =>
      this.timed('create', (waits) =>
        this.t.call({
          method: 'POST',
          path: '/instances',
          body: waits.createInstance(
            waits === this.dialect
              ? body
              : { ...body, wait_timeout_ms: this.finite(body.wait_timeout_ms) }
          ).body,
          plural: this.plural,
          timeoutMs: waitingTimeout(body.wait_timeout_ms)
        })
      )
    const result = await send()
    if (body.name === undefined || result.items[0]?.code !== ErrorCode.AlreadyExists) return result
    const holder = (await this.listed([{ name: body.name }])).items[0]
    if (!holder || !retained(holder)) return result
    await this.delete([{ uuid: holder.value.uuid }])
    return send()
  }

  /**
   * The named instances in one request, or every instance when `refs` is omitted. Retained
   * (deleted) instances are left out of a listing and answered as not found by name.
   */
  override async get(
    refs?: readonly ObjectRef[],
    opts: { details?: boolean } = {}
  ): Promise<ApiResult<Instance>> {
    const result = await this.listed(refs, opts)
    return refs
      ? { ...result, items: result.items.map((i) => (retained(i) ? asGone(i) : i)) }
      : { ...result, items: result.items.filter((i) => !retained(i)) }
  }

  /** What the API answers, retained instances included. */
  private listed(
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

  /** Deletes one without retention, so that its name is free again at once. */
  override deleteOne(uuid: string): Promise<ApiResult<Instance>> {
    return this.one('DELETE', uuid, undefined, this.dialect.deleteOne().body as object | undefined)
  }

  /** Deletes without retention, so that each name is free again at once. */
  override async delete(refs: readonly ObjectRef[]): Promise<ApiResult<Instance>> {
    if (refs.length === 0) return emptyResult<Instance>()
    const r: ApiResult<Instance> = await this.shaped(
      'DELETE',
      '',
      this.dialect.deleteInstances(checkRefs(refs))
    )
    for (const item of r.items) if (item.ok && item.value.uuid) this.deleted.add(item.value.uuid)
    return r
  }

  /**
   * Instances this run deleted: a delete may answer before the instance is gone (it can hold
   * its name a while), and a create answered "name taken" must never adopt one of these.
   */
  readonly deleted = new Set<string>()

  /** With `wait_timeout_ms`, each start answers once its instance runs. */
  start(items: readonly (ObjectRef & StartItem)[]): Promise<ApiResult<StateChange>> {
    if (items.length === 0) return Promise.resolve(emptyResult<StateChange>())
    const checked = checkRefs(items)
    return this.timed('start', (waits) =>
      this.shaped(
        'PUT',
        '/start',
        waits.start(
          waits === this.dialect
            ? checked
            : checked.map((i) => ({ ...i, wait_timeout_ms: this.finite(i.wait_timeout_ms) }))
        ),
        {
          timeoutMs: waitingTimeout(
            longest(
              items.map((i) => i.wait_timeout_ms),
              0
            )
          )
        }
      )
    )
  }

  /** Local scope: classic takes options as query parameters (OpenAPI), the new platform a body. */
  startOne(uuid: string, opts: StartItem = {}): Promise<ApiResult<StateChange>> {
    const { body, query } = this.dialect.local({ wait_timeout_ms: opts.wait_timeout_ms })
    return this.one('PUT', uuid, 'start', body as object | undefined, {
      query,
      timeoutMs: waitingTimeout(opts.wait_timeout_ms)
    })
  }

  /** Stop does not block; follow it with `wait` for `stopped`. */
  stop(items: readonly (ObjectRef & StopItem)[]): Promise<ApiResult<StateChange>> {
    return this.batch('PUT', '/stop', checkRefs(items))
  }

  /** Local scope: classic takes options as query parameters (OpenAPI), the new platform a body. */
  stopOne(uuid: string, opts: StopItem = {}): Promise<ApiResult<StateChange>> {
    const { body, query } = this.dialect.local({
      force: opts.force,
      drain_timeout_ms: opts.drain_timeout_ms
    })
    return this.one('PUT', uuid, 'stop', body as object | undefined, { query })
  }

  /**
   * Blocks on the server until every instance is in its state or its `timeout_ms` runs out;
   * items that ran out come back with `timedOut` set. One request for the whole set.
   */
  wait(items: readonly (ObjectRef & WaitItem)[]): Promise<ApiResult<StateChange>> {
    if (items.length === 0) return Promise.resolve(emptyResult<StateChange>())
    const checked = checkRefs(items)
    return this.timed('wait', (waits) =>
      this.shaped(
        'GET',
        '/wait',
        waits.wait(
          waits === this.dialect
            ? checked
            : checked.map((i) => ({ ...i, timeout_ms: this.finite(i.timeout_ms ?? -1) }))
        ),
        {
          timeoutMs: waitingTimeout(
            longest(
              items.map((i) => i.timeout_ms),
              -1
            )
          )
        }
      )
    )
  }

  /** Console output; `offset` < 0 counts from the end, `limit` is at most 16383 bytes. */
  logs(items: readonly (ObjectRef & LogItem)[]): Promise<ApiResult<InstanceLog>> {
    if (items.length === 0) return Promise.resolve(emptyResult<InstanceLog>())
    return this.shaped('GET', '/log', this.dialect.logs(checkRefs(items)))
  }

  /** The last 4 KiB (the API's default window); local scope takes no options. */
  logOne(uuid: string): Promise<ApiResult<InstanceLog>> {
    return this.one('GET', uuid, 'log')
  }

  /**
   * [N] Metadata and policy (tags, annotations, delete_lock, schedules, autokill) of many
   * instances in one `PATCH`, one answer per change in the order sent. Changes are not
   * transactional: each answer says whether its change was made.
   */
  update(items: readonly InstanceUpdate[]): Promise<ApiResult<UpdatedInstance>> {
    return this.batch('PATCH', '', checkRefs(items))
  }

  /** [N] Listed by tags; retained (deleted) instances are left out, as in a full listing. */
  override async tagged(tags: readonly string[]): Promise<ApiResult<Instance>> {
    const result = await super.tagged(tags)
    return { ...result, items: result.items.filter((i) => !retained(i)) }
  }

  metrics(refs?: readonly ObjectRef[]): Promise<ApiResult<InstanceMetrics>> {
    return this.batch('GET', '/metrics', refs && checkRefs(refs))
  }

  /** Prometheus text (what the API answers without `Accept: application/json`). */
  metricsText(refs?: readonly ObjectRef[]): Promise<string> {
    return this.t.text({
      method: 'GET',
      path: '/instances/metrics',
      ...this.dialect.filter(refs && checkRefs(refs)),
      plural: this.plural
    })
  }
}

/** The console text of a log item. */
export function decodeLog(item: Pick<InstanceLog, 'output'>): string {
  return Buffer.from(item.output ?? '', 'base64').toString('utf8')
}
