/** `/v1/instances`: create, get/list, start, stop, wait, delete, log, metrics (ukc-api.md §6). */
import {
  echo,
  globalItems,
  identified,
  localOptions,
  localRef,
  refuseNewMembers,
  wantsDetails,
  type Ctx,
  type Req,
  type Routes,
  pageOf
} from '../context.js'
import { each, items, listAll, perItem, type Item, type Res } from '../envelope.js'
import {
  attachRefusal,
  checkLimits,
  checkServices,
  destroyInstance,
  domainShape,
  instanceView,
  newGroup,
  planDomains,
  serviceShape,
  takeDomains
} from '../model.js'
import {
  annotationMap,
  instanceAutokill,
  LOCKED,
  noteOccupancy,
  scheduleList,
  tagFilter,
  tagList
} from '../policies.js'
import { pinned, resolveImage } from '../registry.js'
import { instanceUpdateRoutes } from './instance-updates.js'
import {
  INSTANCE_STATES,
  ItemError,
  now,
  randomAlnum,
  stamp,
  type InstanceRec,
  type RetainedRec,
  type ServiceGroupRec,
  type VolumeMount,
  type VolumeRec
} from '../state.js'
import {
  arrayOf,
  bool,
  BadRequest,
  int,
  object,
  objectName,
  refOf,
  str,
  stringMap,
  uuid,
  type Check,
  type Parsed,
  type Ref
} from '../validate.js'

const MOUNT_RE = /^(\/[ a-zA-Z0-9._-]*)*$/

const volumeItem = object(
  {
    uuid,
    name: str(),
    at: str(),
    readonly: bool,
    size_mb: int({ min: 1, max: 1048576 })
  },
  ['at']
)

const createShape = object(
  {
    name: objectName,
    image: str(),
    args: arrayOf(str(), { max: 253 }),
    env: stringMap,
    // OpenAPI create-instance: 16..4096; the account's limits narrow it further.
    memory_mb: int({ min: 16, max: 4096 }),
    vcpus: int({ min: 1 }),
    autostart: bool,
    replicas: int({ min: 0, max: 253 }),
    restart_policy: str({ oneOf: ['never', 'always', 'on-failure'] }),
    scale_to_zero: object(
      {
        policy: str({ oneOf: ['on', 'off', 'idle'] }),
        stateful: bool,
        cooldown_time_ms: int({ min: 0, max: 86400000 })
      },
      ['policy']
    ),
    features: arrayOf(str({ oneOf: ['delete-on-stop', 'scale-to-zero'] })),
    wait_timeout_ms: int({ min: -1 }),
    timeout_s: int({ min: -1 }),
    service_group: object({
      uuid,
      name: objectName,
      services: arrayOf(serviceShape, { max: 253 }),
      domains: arrayOf(domainShape, { max: 253 }),
      soft_limit: int({ min: 1, max: 65535 }),
      hard_limit: int({ min: 1, max: 65535 })
    }),
    volumes: arrayOf(volumeItem, { max: 253 }),
    // [N] model CreateInstanceRequest; classic refuses them (refuseNewMembers below).
    tags: tagList,
    annotations: annotationMap,
    schedules: scheduleList,
    autokill: instanceAutokill
  },
  ['image']
)

/** The create members only the new platform has. */
const NEW_CREATE_MEMBERS = ['timeout_s', 'tags', 'annotations', 'schedules', 'autokill']

/** `*_timeout_ms` ([C]) or `timeout_s` ([N], rounded to ms); -1 waits as long as it takes. */
function timeoutMs(ms: number | undefined, s: number | undefined, fallback: number): number {
  if (ms !== undefined && s !== undefined)
    throw new BadRequest("Give either a '*_timeout_ms' member or 'timeout_s', not both")
  if (s !== undefined) return s < 0 ? -1 : s * 1000
  return ms ?? fallback
}

async function create(ctx: Ctx, req: Req): Promise<Res> {
  const { store, life, settings } = ctx
  const body = createShape(req.body, '')
  refuseNewMembers(settings, body, NEW_CREATE_MEMBERS)
  const wait = timeoutMs(body.wait_timeout_ms, body.timeout_s, 0)
  const features = body.features ?? []
  if (settings.generation === 'new') {
    // [N] model: `InstanceFeature` is only "delete-on-stop"; `scale_to_zero` "Requires
    // `service_group` to be set".
    if (features.includes('scale-to-zero'))
      throw new BadRequest("'features[]' must be one of delete-on-stop, got 'scale-to-zero'")
    if (body.scale_to_zero && body.scale_to_zero.policy !== 'off' && !body.service_group)
      throw new BadRequest("'scale_to_zero' requires 'service_group' to be set")
  }
  if (features.includes('scale-to-zero') && !body.scale_to_zero)
    body.scale_to_zero = { policy: 'on' }
  const restartPolicy = body.restart_policy ?? 'never'
  if (wait !== 0 && body.autostart !== true)
    throw new BadRequest("A wait timeout needs 'autostart': true")
  if (features.includes('delete-on-stop') && restartPolicy !== 'never')
    throw new BadRequest("The 'delete-on-stop' feature needs 'restart_policy': 'never'")
  if (
    features.includes('delete-on-stop') &&
    body.scale_to_zero &&
    body.scale_to_zero.policy !== 'off'
  )
    throw new BadRequest("'scale_to_zero' cannot be combined with the 'delete-on-stop' feature")

  const sg = body.service_group
  const sgIsRef =
    sg !== undefined &&
    (sg.uuid !== undefined ||
      (sg.name !== undefined && sg.services === undefined && sg.domains === undefined))
  if (sg && sg.uuid !== undefined && (sg.name !== undefined || sg.services || sg.domains))
    throw new BadRequest(
      "'service_group' must either reference an existing group ({uuid} or {name}) or describe a new one"
    )
  const services = sg && !sgIsRef ? checkServices(sg.services, 'service_group.services') : []
  const limits = sg && !sgIsRef ? checkLimits(sg.soft_limit, sg.hard_limit) : undefined

  const mounts = (body.volumes ?? []).map((v, i) => {
    const path = `volumes[${i}]`
    if (!MOUNT_RE.test(v.at!) || /(^|\/)\.\.?(\/|$)/.test(v.at!) || !v.at!.startsWith('/'))
      throw new BadRequest(
        `'${path}.at' must be an absolute path without '.' or '..' components: '${v.at}'`
      )
    const isRef = v.uuid !== undefined || v.name !== undefined
    if (isRef && v.size_mb !== undefined)
      throw new BadRequest(
        `'${path}': Either a reference to an existing volume or the description of a new volume can be provided`
      )
    if (!isRef && v.size_mb === undefined)
      throw new BadRequest(
        `'${path}' must reference a volume (uuid or name) or give 'size_mb' for a new one`
      )
    return {
      ref: isRef ? refOf(v, path) : undefined,
      size_mb: v.size_mb,
      at: v.at!,
      readonly: v.readonly ?? false
    }
  })
  if (new Set(mounts.map((m) => m.at)).size !== mounts.length)
    throw new BadRequest("'volumes' mounts two volumes at the same path")

  const count = (body.replicas ?? 0) + 1
  let created: InstanceRec[]
  try {
    // Every check runs before anything is changed, so a failed create leaves nothing behind.
    const image = resolveImage(store, body.image!, settings.strictImages)
    const memory = body.memory_mb ?? 128
    const vcpus = body.vcpus ?? 1
    const { limits: lim } = store.quotas
    if (memory < lim.min_memory_mb || memory > lim.max_memory_mb)
      throw new ItemError(
        7,
        `'memory_mb' must be between ${lim.min_memory_mb} and ${lim.max_memory_mb}, got ${memory}`
      )
    if (vcpus < lim.min_vcpus || vcpus > lim.max_vcpus)
      throw new ItemError(
        7,
        `'vcpus' must be between ${lim.min_vcpus} and ${lim.max_vcpus}, got ${vcpus}`
      )
    const app = image.repository
      .split('/')
      .pop()!
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^[^a-z]+/, 'app')
    const baseName = body.name ?? `${app}-${randomAlnum(5)}`
    const names = Array.from({ length: count }, (_, i) =>
      i === 0 ? baseName : `${baseName.slice(0, 114)}-${randomAlnum(5)}`
    )
    for (const n of names) {
      // [N] A template is the instance it was made from: its name stays taken.
      if (store.nameTaken(store.instances, n) || store.nameTaken(store.templates, n))
        throw new ItemError(23, `An instance with the name '${n}' already exists`)
      const kept = store.retainedInstance({ name: n })
      if (kept)
        throw new ItemError(
          23,
          `An instance with the name '${n}' already exists (deleted, retained until ${kept.retained_until})`
        )
    }
    let group: ServiceGroupRec | undefined
    if (sg && sgIsRef)
      group = store.group(sg.uuid !== undefined ? { uuid: sg.uuid } : { name: sg.name! })
    if (sg && !sgIsRef && sg.name !== undefined && store.nameTaken(store.groups, sg.name))
      throw new ItemError(23, `A service group with the name '${sg.name}' already exists`)
    const domains = sg && !sgIsRef ? planDomains(ctx, sg.domains, sg.name, services.length > 0) : []
    const existing = mounts
      .filter((m) => m.ref)
      .map((m) => ({ mount: m, vol: store.volume(m.ref!) }))
    for (const { mount, vol } of existing) {
      const refused = attachRefusal(ctx, vol, mount.readonly)
      if (refused) throw new ItemError(15, refused)
    }
    if (existing.length > 0 && count > 1)
      throw new ItemError(15, 'An existing volume cannot be attached to several replicas')
    const fresh = mounts.filter((m) => !m.ref)
    for (const m of fresh) {
      if (m.size_mb! < lim.min_volume_mb || m.size_mb! > lim.max_volume_mb)
        throw new ItemError(
          7,
          `'size_mb' must be between ${lim.min_volume_mb} and ${lim.max_volume_mb}, got ${m.size_mb}`
        )
    }
    const live = body.autostart === true
    store.checkQuota({
      instances: count,
      live_instances: live ? count : 0,
      live_vcpus: live ? count * vcpus : 0,
      live_memory_mb: live ? count * memory : 0,
      service_groups: sg && !sgIsRef ? 1 : 0,
      services: services.length,
      volumes: fresh.length * count,
      total_volume_mb: fresh.reduce((s, m) => s + m.size_mb!, 0) * count
    })

    if (sg && !sgIsRef) {
      group = newGroup(ctx, {
        name: sg.name ?? `${baseName.slice(0, 100)}-${randomAlnum(8)}`,
        persistent: false,
        services,
        domains: takeDomains(ctx, domains),
        ...limits!
      })
    }
    const stz = body.scale_to_zero
    created = names.map((name) => {
      const inst: InstanceRec = {
        uuid: store.newUuid(),
        name,
        // On the emulator's clock, so a test can make an instance that is days old.
        created_at: stamp(store.clock()),
        state: 'stopped',
        image: pinned(image),
        memory_mb: memory,
        vcpus,
        args: body.args ?? image.args,
        env: body.env ?? {},
        restart_policy: restartPolicy as InstanceRec['restart_policy'],
        scale_to_zero: stz
          ? {
              policy: stz.policy as 'on',
              stateful: stz.stateful ?? false,
              cooldown_time_ms: stz.cooldown_time_ms ?? 1000
            }
          : undefined,
        features,
        service_group: group?.uuid,
        volumes: [],
        owned_volumes: [],
        private_ip: store.allocateIp(),
        start_count: 0,
        restart_count: 0,
        restart_attempt: 0,
        log: Buffer.alloc(0),
        tags: body.tags ?? [],
        annotations: body.annotations ?? {},
        delete_lock: false,
        // Each replica gets its own copy: a schedule that ran on one has not run on another.
        schedules: (body.schedules ?? []).map((s) => ({ ...s })),
        autokill: body.autokill,
        wakeups_ms: [],
        epoch: 0,
        timers: []
      }
      for (const { mount, vol } of existing) attach(vol, inst, mount)
      for (const m of fresh) {
        const vol: VolumeRec = {
          uuid: store.newUuid(),
          name: `vol-${randomAlnum(5)}`,
          created_at: now(),
          size_mb: m.size_mb!,
          attached_to: [],
          persistent: false,
          access_mode: 'rwo',
          tags: []
        }
        store.volumes.set(vol.uuid, vol)
        inst.owned_volumes.push(vol.uuid)
        attach(vol, inst, m)
      }
      store.instances.set(inst.uuid, inst)
      life.record(inst, 'created')
      if (group) {
        group.instances.push(inst.uuid)
        noteOccupancy(ctx, group)
        // A second instance in an implicit group makes the group persistent (§6.5.1).
        if (group.instances.length > 1) group.persistent = true
      }
      return inst
    })
    if (live) for (const inst of created) life.boot(inst)
  } catch (err) {
    return items('instances', [
      await perItem(body.name ? { name: body.name } : {}, () => Promise.reject(err))
    ])
  }
  if (wait !== 0)
    await life.wait(
      created.map((i) => ({ uuid: i.uuid, state: 'running' })),
      wait,
      req.signal
    )
  const results: Item[] = created.map((i) => ({ status: 'success', ...instanceView(ctx, i) }))
  return withTimeouts(
    results,
    results.map(() => wait !== 0),
    'running'
  )
}

function attach(vol: VolumeRec, inst: InstanceRec, m: { at: string; readonly: boolean }): void {
  vol.attached_to.push(inst.uuid)
  const mount: VolumeMount = { uuid: vol.uuid, at: m.at, readonly: m.readonly }
  inst.volumes.push(mount)
}

/** [N] A retained instance as the new model shows it: state `deleted`, `retained_until`. */
function retainedView(r: RetainedRec, details: boolean): Item {
  return details ? { ...r, state: 'deleted', type: 'micro' } : { uuid: r.uuid, name: r.name }
}

/** A live instance, else a retained one ([N]), else not found. */
function live(ctx: Ctx, ref: Ref): InstanceRec | undefined {
  const kept = ctx.store.retainedInstance(ref)
  return kept ? undefined : ctx.store.instance(ref)
}

function get(ctx: Ctx, req: Req, refs: Ref[] | undefined): Res {
  const details = wantsDetails(req)
  const view = (i: InstanceRec): Item =>
    details ? instanceView(ctx, i) : { uuid: i.uuid, name: i.name }
  // [N] `?tags=`: only instances with every tag; a retained one has none left to match.
  const tagged = tagFilter(req.query)
  const filtering = req.query.has('tags')
  if (!refs)
    return listAll(
      'instances',
      pageOf(ctx.settings, req.query, [
        ...[...ctx.store.instances.values()].filter((i) => tagged(i.tags)).map(view),
        ...(filtering ? [] : [...ctx.store.retained.values()].map((r) => retainedView(r, details)))
      ])
    )
  return each(
    'instances',
    refs.map((ref) => ({ ref })),
    (it) => {
      const inst = live(ctx, it.ref)
      return inst ? view(inst) : retainedView(ctx.store.retainedInstance(it.ref)!, details)
    }
  )
}

const startOptions = { wait_timeout_ms: int({ min: -1 }), timeout_s: int({ min: -1 }) }
// OpenAPI stop-instances: drain_timeout_ms 0..3600000 (-1 "platform maximum" is the new platform's).
const stopOptions = { force: bool, drain_timeout_ms: int({ min: 0, max: 3600000 }) }
const waitOptions = {
  state: str({ oneOf: INSTANCE_STATES }),
  timeout_ms: int({ min: -1, max: 2147483647 }),
  timeout_s: int({ min: -1 })
}
const deleteOptions = { timeout_s: int({ min: -1 }), dont_retain: bool }
// OpenAPI get-instance-logs: offset int32, limit 0..16383.
const logOptions = {
  offset: int({ min: -2147483647, max: 2147483647 }),
  limit: int({ min: 0, max: 16383 })
}
const startItem = identified(startOptions)
const stopItem = identified(stopOptions)
const waitItem = identified(waitOptions)
const deleteItem = identified(deleteOptions)
const logItem = identified(logOptions)

async function start(ctx: Ctx, req: Req, list: ReturnType<typeof startItem>[]): Promise<Res> {
  const { store, life } = ctx
  refuseNewMembers(ctx.settings, list, ['timeout_s'])
  const waits = list.map((i) => timeoutMs(i.wait_timeout_ms, i.timeout_s, 0))
  const results = await Promise.all(
    list.map((it, idx) =>
      perItem(echo(it.ref), async () => {
        const inst = store.instance(it.ref)
        const previous = inst.state
        if (inst.state === 'draining' || inst.state === 'stopping')
          throw new ItemError(
            11,
            `Instance '${inst.name}' is ${inst.state}; wait until it is stopped before starting it`
          )
        if (inst.state === 'stopped')
          store.checkQuota({
            live_instances: 1,
            live_vcpus: inst.vcpus,
            live_memory_mb: inst.memory_mb
          })
        life.boot(inst)
        if (waits[idx] !== 0)
          await life.wait([{ uuid: inst.uuid, state: 'running' }], waits[idx], req.signal)
        return { uuid: inst.uuid, name: inst.name, state: inst.state, previous_state: previous }
      })
    )
  )
  return withTimeouts(
    results,
    list.map((_, i) => waits[i] !== 0),
    'running'
  )
}

/** A wait that ran out: the item says where the instance is, with no error code (§3.3). */
function withTimeouts(results: Item[], waited: boolean[], target: string | string[]): Res {
  let timedOut = false
  const list = results.map((r, i) => {
    const want = Array.isArray(target) ? target[i] : target
    if (r.status === 'success' && waited[i] && r.state !== want) {
      timedOut = true
      return { ...r, status: 'error' }
    }
    return r
  })
  return items('instances', list, timedOut ? 'Operation timed out' : undefined)
}

function stop(ctx: Ctx, list: ReturnType<typeof stopItem>[]): Res {
  for (const [i, it] of list.entries()) {
    if (it.force === true && it.drain_timeout_ms !== undefined)
      throw new BadRequest(`'[${i}]': 'force' cannot be combined with 'drain_timeout_ms'`)
  }
  return each('instances', list, (it) => {
    const inst = ctx.store.instance(it.ref)
    const previous = inst.state
    ctx.life.stop(inst, it.force ?? false, it.drain_timeout_ms ?? 0)
    return { uuid: inst.uuid, name: inst.name, state: inst.state, previous_state: previous }
  })
}

async function wait(ctx: Ctx, req: Req, list: ReturnType<typeof waitItem>[]): Promise<Res> {
  refuseNewMembers(ctx.settings, list, ['timeout_s'])
  const targets = list.map((i) => i.state ?? 'running')
  const results = await Promise.all(
    list.map((it, idx) =>
      perItem(echo(it.ref), async () => {
        const inst = ctx.store.instance(it.ref)
        await ctx.life.wait(
          [{ uuid: inst.uuid, state: targets[idx] }],
          timeoutMs(it.timeout_ms, it.timeout_s, -1),
          req.signal
        )
        const after = ctx.store.instances.get(inst.uuid)
        // Assumption (no source says what a classic wait answers for an instance that went
        // away while it waited, e.g. delete-on-stop): the classic states have no `deleted`,
        // so it is answered like any unknown instance, code 8.
        if (!after) throw new ItemError(8, `No instance with UUID '${inst.uuid}'`)
        return { uuid: inst.uuid, name: inst.name, state: after.state }
      })
    )
  )
  return withTimeouts(
    results,
    list.map(() => true),
    targets
  )
}

/**
 * [N] With retention configured, a deleted instance is kept as `deleted` (its name taken)
 * until `retained_until`, unless the delete says `dont_retain`, which also purges one that is
 * retained already (model DeleteInstanceRequestItem). Classic deletes at once.
 */
function remove(ctx: Ctx, list: ReturnType<typeof deleteItem>[]): Res {
  const { store, settings } = ctx
  refuseNewMembers(settings, list, ['timeout_s', 'dont_retain'])
  return each('instances', list, (it) => {
    const inst = live(ctx, it.ref)
    if (!inst) {
      const kept = store.retainedInstance(it.ref)!
      if (it.dont_retain) store.retained.delete(kept.uuid)
      return { uuid: kept.uuid, name: kept.name, previous_state: 'deleted' }
    }
    const previous = inst.state
    // [N] docs delete-locks.mdx; the message and code as the official CLI's tests show them.
    if (inst.delete_lock) throw new ItemError(14, LOCKED)
    if (inst.deleting) return { uuid: inst.uuid, name: inst.name, previous_state: previous }
    if (settings.deleteDelayMs > 0) {
      lingerThenDestroy(ctx, inst, () => retain(ctx, inst, it.dont_retain))
      return { uuid: inst.uuid, name: inst.name, previous_state: previous }
    }
    destroyInstance(ctx, inst)
    retain(ctx, inst, it.dont_retain)
    return { uuid: inst.uuid, name: inst.name, previous_state: previous }
  })
}

/** `--delete-delay-ms`: the instance stays `stopping` (name and volumes held), then goes. */
function lingerThenDestroy(ctx: Ctx, inst: InstanceRec, after: () => void): void {
  ctx.life.forget(inst)
  inst.deleting = true
  if (inst.state !== 'stopping') inst.previous_state = inst.state
  inst.state = 'stopping'
  ctx.life.record(inst, 'stopping')
  const t = setTimeout(() => {
    if (!ctx.store.instances.has(inst.uuid)) return
    destroyInstance(ctx, inst)
    after()
  }, ctx.settings.deleteDelayMs)
  t.unref()
}

/** [N] A deleted instance kept (name taken) until `retained_until`, unless `dont_retain`. */
function retain(ctx: Ctx, inst: InstanceRec, dontRetain: boolean | undefined): void {
  const { store, settings } = ctx
  if (settings.retentionMs > 0 && !dontRetain)
    store.retained.set(inst.uuid, {
      uuid: inst.uuid,
      name: inst.name,
      created_at: inst.created_at,
      image: inst.image,
      memory_mb: inst.memory_mb,
      vcpus: inst.vcpus,
      restart_policy: inst.restart_policy,
      retained_until: new Date(Date.now() + settings.retentionMs)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
    })
}

function log(ctx: Ctx, list: ReturnType<typeof logItem>[]): Res {
  return each('instances', list, (it) => {
    const inst = ctx.store.instance(it.ref)
    const end = inst.log.length
    const offset = it.offset ?? -4096
    const limit = it.limit ?? 4096
    const from = offset < 0 ? Math.max(0, end + offset) : Math.min(offset, end)
    const to = Math.min(end, from + limit)
    return {
      uuid: inst.uuid,
      name: inst.name,
      output: inst.log.subarray(from, to).toString('base64'),
      available: { start: 0, end },
      range: { start: from, end: to },
      state: inst.state
    }
  })
}

const STATE_NUMBER: Record<string, number> = {
  stopped: 0,
  starting: 1,
  running: 2,
  draining: 3,
  stopping: 4,
  standby: 5
}

/** The upper bounds of the wake-up histogram's buckets, in ms; the last (null) is overflow. */
const WAKE_BUCKETS_MS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

/** docs metrics.mdx: per-bucket counts (not cumulative), `bucket_ms: null` for overflow. */
function wakeHistogram(wakes: number[]): { bucket_ms: number | null; count: number }[] {
  const counts = [...WAKE_BUCKETS_MS, null].map((bucket_ms) => ({ bucket_ms, count: 0 }))
  for (const ms of wakes) {
    const i = WAKE_BUCKETS_MS.findIndex((b) => ms <= b)
    counts[i < 0 ? WAKE_BUCKETS_MS.length : i].count++
  }
  return counts
}

function metricsOf(inst: InstanceRec): Record<string, unknown> {
  const uptime =
    inst.state === 'running' && inst.started_at ? Date.now() - Date.parse(inst.started_at) : 0
  return {
    uuid: inst.uuid,
    name: inst.name,
    state: inst.state,
    start_count: inst.start_count,
    restart_count: inst.restart_count,
    started_at: inst.started_at,
    stopped_at: inst.stopped_at,
    uptime_ms: uptime,
    boot_time_us: inst.boot_time_us,
    net_time_us: inst.net_time_us,
    rss_bytes: inst.state === 'running' ? (inst.rss_bytes ?? inst.memory_mb * 262144) : 0,
    cpu_time_ms: Math.floor(uptime / 100),
    rx_bytes: 0,
    rx_packets: 0,
    tx_bytes: 0,
    tx_packets: 0,
    nconns: 0,
    nreqs: 0,
    nqueued: 0,
    ntotal: 0,
    wakeup_latency: wakeHistogram(inst.wakeups_ms),
    wakeup_latency_sum: inst.wakeups_ms.reduce((a, b) => a + b, 0)
  }
}

/** JSON with `Accept: application/json`, Prometheus text otherwise (§6.11, docs metrics.mdx). */
function metrics(ctx: Ctx, req: Req, refs: Ref[] | undefined): Res {
  const accept = String(req.headers.accept ?? '')
  if (accept.includes('application/json')) {
    if (!refs) return listAll('instances', [...ctx.store.instances.values()].map(metricsOf))
    return each(
      'instances',
      refs.map((ref) => ({ ref })),
      (it) => metricsOf(ctx.store.instance(it.ref))
    )
  }
  const chosen = refs ? refs.map((r) => ctx.store.instance(r)) : [...ctx.store.instances.values()]
  const lines: string[] = []
  const label = (i: InstanceRec): string => `instance_uuid="${i.uuid}"`
  const series = (name: string, type: string, value: (i: InstanceRec) => number): void => {
    lines.push(`# TYPE ${name} ${type}`)
    for (const i of chosen) lines.push(`${name}{${label(i)}} ${value(i)}`)
  }
  const seconds = (us: number | undefined): number => (us ?? 0) / 1e6
  series('instance_state', 'gauge', (i) => STATE_NUMBER[i.state] ?? 0)
  series('instance_start_count', 'counter', (i) => i.start_count)
  series('instance_uptime_s', 'gauge', (i) => Number(metricsOf(i).uptime_ms) / 1000)
  series('instance_boot_time_s', 'gauge', (i) => seconds(i.boot_time_us))
  series('instance_net_time_s', 'gauge', (i) => seconds(i.net_time_us))
  series('instance_rss_bytes', 'gauge', (i) => Number(metricsOf(i).rss_bytes))
  // The histogram as Prometheus has it: cumulative buckets with `le` in seconds, then sum, count.
  lines.push('# TYPE instance_wakeup_latency_seconds histogram')
  for (const i of chosen) {
    let total = 0
    for (const b of wakeHistogram(i.wakeups_ms)) {
      total += b.count
      const le = b.bucket_ms === null ? '+Inf' : (b.bucket_ms / 1000).toFixed(6)
      lines.push(`instance_wakeup_latency_seconds_bucket{${label(i)},le="${le}"} ${total}`)
    }
    const sum = i.wakeups_ms.reduce((a, b) => a + b, 0) / 1000
    lines.push(`instance_wakeup_latency_seconds_sum{${label(i)}} ${sum.toFixed(6)}`)
    lines.push(`instance_wakeup_latency_seconds_count{${label(i)}} ${total}`)
  }
  return {
    status: 200,
    body: `${lines.join('\n')}\n`,
    text: true,
    headers: { 'content-type': 'text/plain; version=0.0.4' }
  }
}

const bareRef = identified({})
const refsOf = (req: Req): Ref[] | undefined => globalItems(req, bareRef)?.map((i) => i.ref)

/** A local-scope call: the UUID from the path plus the endpoint's options. */
function local<S extends Record<string, Check<unknown>>>(
  req: Req,
  options: S
): Parsed<S> & { ref: Ref } {
  return { ...localOptions(req, object(options)), ref: localRef(req) }
}

function need<T>(list: T[] | undefined, what: string): T[] {
  if (!list) throw new BadRequest(`The request body must be a JSON array naming the ${what}`)
  return list
}

export function instanceRoutes(ctx: Ctx): Routes {
  return {
    ...instanceUpdateRoutes(ctx),
    'POST /v1/instances': (req) => create(ctx, req),
    'GET /v1/instances': (req) => get(ctx, req, refsOf(req)),
    'DELETE /v1/instances': (req) =>
      remove(ctx, need(globalItems(req, deleteItem), 'instances to delete')),
    'PUT /v1/instances/start': (req) =>
      start(ctx, req, need(globalItems(req, startItem), 'instances to start')),
    'PUT /v1/instances/stop': (req) =>
      stop(ctx, need(globalItems(req, stopItem), 'instances to stop')),
    // Every SDK waits with GET; the classic OpenAPI document says PUT (§6.9). Both work.
    'GET /v1/instances/wait': (req) =>
      wait(ctx, req, need(globalItems(req, waitItem), 'instances to wait for')),
    'PUT /v1/instances/wait': (req) =>
      wait(ctx, req, need(globalItems(req, waitItem), 'instances to wait for')),
    'GET /v1/instances/log': (req) => log(ctx, need(globalItems(req, logItem), 'instances')),
    'GET /v1/instances/metrics': (req) => metrics(ctx, req, refsOf(req)),
    'POST /v1/instances/metrics': (req) => metrics(ctx, req, refsOf(req)),
    'GET /v1/instances/:uuid': (req) => get(ctx, req, [localRef(req)]),
    'DELETE /v1/instances/:uuid': (req) => remove(ctx, [local(req, deleteOptions)]),
    'PUT /v1/instances/:uuid/start': (req) => start(ctx, req, [local(req, startOptions)]),
    'PUT /v1/instances/:uuid/stop': (req) => stop(ctx, [local(req, stopOptions)]),
    'GET /v1/instances/:uuid/wait': (req) => wait(ctx, req, [local(req, waitOptions)]),
    'PUT /v1/instances/:uuid/wait': (req) => wait(ctx, req, [local(req, waitOptions)]),
    'GET /v1/instances/:uuid/log': (req) => log(ctx, [local(req, logOptions)]),
    'GET /v1/instances/:uuid/metrics': (req) => metrics(ctx, req, [localRef(req)])
  }
}
