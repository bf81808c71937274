/** The emulated account: every object the API knows about, keyed by UUID. */
import { createHash, randomUUID } from 'node:crypto'
import type { ScheduleRec } from './policies.js'
import type { Ref } from './validate.js'

export type InstanceState = 'stopped' | 'starting' | 'running' | 'draining' | 'stopping' | 'standby'
export const INSTANCE_STATES: readonly string[] = [
  'stopped',
  'starting',
  'running',
  'draining',
  'stopping',
  'standby'
]

export interface ScaleToZero {
  policy: 'on' | 'off' | 'idle'
  stateful: boolean
  cooldown_time_ms: number
}

export interface VolumeMount {
  uuid: string
  at: string
  readonly: boolean
}

export interface InstanceRec {
  uuid: string
  name: string
  /** A delete answered, but the instance lingers (`--delete-delay-ms`), holding its name. */
  deleting?: boolean
  created_at: string
  state: InstanceState
  image: string // digest-pinned reference
  memory_mb: number
  vcpus: number
  args: string[]
  env: Record<string, string>
  restart_policy: 'never' | 'always' | 'on-failure'
  scale_to_zero?: ScaleToZero
  features: string[]
  service_group?: string // uuid
  volumes: VolumeMount[]
  owned_volumes: string[] // created with the instance, deleted with it
  private_ip: string
  start_count: number
  restart_count: number
  restart_attempt: number
  started_at?: string
  stopped_at?: string
  stop_reason?: number
  exit_code?: number
  stop_code?: number
  previous_state?: InstanceState
  boot_time_us?: number
  /** Time until the app listened on a non-local port (model `Instance.net_time_us`). */
  net_time_us?: number
  /** What the metrics answer as its resident memory while it runs (a profile's `rss_mb`). */
  rss_bytes?: number
  /** Wake-ups from standby it has seen, in ms (a profile's `wakeups_ms`; no traffic here). */
  wakeups_ms: number[]
  log: Buffer
  /** [N] Platform-only labels, listing filters (emulator/policies.ts). */
  tags: string[]
  /** [N] Reach the guest; merged on PATCH add, replaced on set. */
  annotations: Record<string, string>
  /** [N] While set, every delete is refused (`Deletion protection enabled`). */
  delete_lock: boolean
  /** [N] Calendar schedules, run by the emulator's clock. */
  schedules: ScheduleRec[]
  /** [N] Kept and shown; not run (emulator/policies.ts). */
  autokill?: { time_ms?: number; num_requests?: number }
  /** Bumped on every transition, so a stale timer can tell it lost the race. */
  epoch: number
  timers: NodeJS.Timeout[]
}

export interface Domain {
  fqdn: string
  certificate?: string // uuid
}

export interface Service {
  port: number
  destination_port: number
  handlers: string[]
}

export interface AutoscalePolicy {
  name: string
  type: string
  [key: string]: unknown
}

export interface AutoscaleConfig {
  min_size: number
  max_size: number
  warmup_time_ms: number
  cooldown_time_ms: number
  /** [C] The instance autoscale clones (uuid). */
  master?: string
  /** [N] The instance template autoscale clones (uuid). */
  template?: string
  policies: AutoscalePolicy[]
}

/**
 * [N] An instance converted into a template (`POST /v1/instances/templates`): the same UUID and
 * name, state `template`, no longer an instance [SDK: models; docs: features/templates.mdx].
 */
export interface TemplateRec {
  uuid: string
  name: string
  created_at: string
  image: string
  memory_mb: number
  vcpus: number
  args: string[]
  env: Record<string, string>
  restart_policy: InstanceRec['restart_policy']
  scale_to_zero?: ScaleToZero
}

export interface ServiceGroupRec {
  uuid: string
  name: string
  created_at: string
  persistent: boolean
  services: Service[]
  domains: Domain[]
  soft_limit: number
  hard_limit: number
  instances: string[] // uuids
  autoscale?: AutoscaleConfig
  /** [N] Deleted once empty this long (model `ServiceGroup.autokill.time_ms`). */
  autokill_ms?: number
  /** [N] When it last became empty, on the emulator's clock (autokill counts from there). */
  empty_since?: number
}

export interface VolumeRec {
  uuid: string
  name: string
  created_at: string
  size_mb: number
  attached_to: string[] // instance uuids
  persistent: boolean
  /** [N] `rwo` (default): one instance at a time; `rox`: any number, read-only. */
  access_mode: 'rwo' | 'rox'
  /** [N] Platform-only labels (model `CreateVolumeRequest.tags`). */
  tags: string[]
}

export interface CertificateRec {
  uuid: string
  name: string
  created_at: string
  common_name: string
  state: 'pending' | 'valid' | 'error'
  uploaded: boolean
  attempt: number
  not_before: string
  not_after: string
  serial_number: string
}

export interface ImageRec {
  digest: string
  repository: string // e.g. "nginx" or "myorg/api"
  created_at: string
  tags: string[] // "nginx:latest"
  args: string[]
  size_in_bytes: number
  /** Test control: the app exits this long after boot, with this code and console line. */
  /** `oom`: the kernel stops out of memory (stop_reason 1, stop_code 0x000C7F04, §6.2) instead. */
  crash?: { after_ms: number; exit_code: number; message: string; oom?: boolean }
}

/**
 * Test control (`/_emulator/config` `images`): what instances of an image report about their
 * runtime — the figures only; the emulator's boot still takes `boot_delay_ms`.
 */
export interface RuntimeProfile {
  boot_ms?: number
  listen_ms?: number
  rss_mb?: number
  /** Wake-ups from standby to report in the `wakeup_latency` histogram. */
  wakeups_ms?: number[]
}

export interface Quotas {
  hard: {
    instances: number
    live_instances: number
    live_vcpus: number
    live_memory_mb: number
    service_groups: number
    services: number
    volumes: number
    total_volume_mb: number
  }
  limits: {
    min_memory_mb: number
    max_memory_mb: number
    min_vcpus: number
    max_vcpus: number
    min_volume_mb: number
    max_volume_mb: number
    min_autoscale_size: number
    max_autoscale_size: number
  }
}

/** Defaults from the new docs' example account (ukc-api.md §11), within the classic OpenAPI's ranges. */
export function defaultQuotas(): Quotas {
  return {
    hard: {
      instances: 64,
      live_instances: 64,
      live_vcpus: 64,
      live_memory_mb: 32768,
      service_groups: 253,
      services: 253,
      volumes: 253,
      total_volume_mb: 20480
    },
    limits: {
      min_memory_mb: 16,
      max_memory_mb: 8192,
      min_vcpus: 1,
      max_vcpus: 1,
      min_volume_mb: 8,
      max_volume_mb: 20480,
      // Classic OpenAPI user_quota_limits: min_autoscale_size is at least 1.
      min_autoscale_size: 1,
      max_autoscale_size: 16
    }
  }
}

export type Noun = 'instance' | 'service group' | 'volume' | 'certificate' | 'instance template'

export class NotFound extends Error {
  readonly code = 8
  constructor(noun: Noun, ref: Ref) {
    super(
      ref.uuid !== undefined
        ? `No ${noun} with UUID '${ref.uuid}'`
        : `No ${noun} with name '${ref.name}'`
    )
  }
}

/** A per-object failure: reported inside the 200 envelope with its error code. */
export class ItemError extends Error {
  constructor(
    readonly code: number,
    message: string
  ) {
    super(message)
  }
}

const WORDS = [
  'young',
  'brave',
  'quiet',
  'lucky',
  'misty',
  'proud',
  'swift',
  'calm',
  'bold',
  'wild'
]
const ANIMALS = [
  'monkey',
  'otter',
  'falcon',
  'badger',
  'heron',
  'lynx',
  'panda',
  'gecko',
  'bison',
  'crane'
]
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'

export function randomAlnum(n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(Math.random() * ALNUM.length)]
  return s
}

export function generatedGroupName(): string {
  const pick = (a: string[]): string => a[Math.floor(Math.random() * a.length)]
  return `${pick(WORDS)}-${pick(ANIMALS)}-${randomAlnum(8)}`
}

/** An API timestamp: ISO 8601 in whole seconds. */
export const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
export const now = (): string => stamp(Date.now())

export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}

/** [N] A deleted instance the platform retains until `retained_until`; its name stays taken. */
export interface RetainedRec {
  uuid: string
  name: string
  created_at: string
  image: string
  memory_mb: number
  vcpus: number
  restart_policy: InstanceRec['restart_policy']
  retained_until: string
}

export class Store {
  instances = new Map<string, InstanceRec>()
  /** [N] Deleted but retained instances, by UUID (model `Instance.retained_until`). */
  retained = new Map<string, RetainedRec>()
  groups = new Map<string, ServiceGroupRec>()
  volumes = new Map<string, VolumeRec>()
  certificates = new Map<string, CertificateRec>()
  /** [N] Instance templates, by UUID; their names are taken like instance names. */
  templates = new Map<string, TemplateRec>()
  images = new Map<string, ImageRec>() // by digest
  /** Runtime profiles by image tag (`acme/app:2`), applied when an instance of it boots. */
  profiles = new Map<string, RuntimeProfile>()
  quotas: Quotas = defaultQuotas()
  autoscaleEnabled = true
  /** How far the emulator's clock runs ahead of real time (`POST /_emulator/clock`). */
  clockOffsetMs = 0
  private nextIp = 2

  /** Now, on the emulator's clock: what schedules and autokill are judged by. */
  clock(): number {
    return Date.now() + this.clockOffsetMs
  }
  readonly userUuid = randomUUID()

  newUuid(): string {
    return randomUUID()
  }

  allocateIp(): string {
    const n = this.nextIp++
    return `10.0.${Math.floor(n / 250)}.${(n % 250) + 2}`
  }

  private findIn<T extends { uuid: string; name: string }>(
    map: Map<string, T>,
    noun: Noun,
    ref: Ref
  ): T {
    if (ref.uuid !== undefined) {
      const found = map.get(ref.uuid)
      if (found) return found
    } else {
      const name = ref.name!.toLowerCase()
      for (const o of map.values()) if (o.name === name) return o
    }
    throw new NotFound(noun, ref)
  }

  instance(ref: Ref): InstanceRec {
    return this.findIn(this.instances, 'instance', ref)
  }
  /** A retained instance by UUID or name, if there is one. */
  retainedInstance(ref: Ref): RetainedRec | undefined {
    if (ref.uuid !== undefined) return this.retained.get(ref.uuid)
    for (const r of this.retained.values()) if (r.name === ref.name!.toLowerCase()) return r
    return undefined
  }
  group(ref: Ref): ServiceGroupRec {
    return this.findIn(this.groups, 'service group', ref)
  }
  volume(ref: Ref): VolumeRec {
    return this.findIn(this.volumes, 'volume', ref)
  }
  certificate(ref: Ref): CertificateRec {
    return this.findIn(this.certificates, 'certificate', ref)
  }
  template(ref: Ref): TemplateRec {
    return this.findIn(this.templates, 'instance template', ref)
  }

  nameTaken(map: Map<string, { name: string }>, name: string): boolean {
    for (const o of map.values()) if (o.name === name) return true
    return false
  }

  usage(): Quotas['hard'] {
    const live = [...this.instances.values()].filter((i) => i.state !== 'stopped')
    return {
      // [N] "Templates count against the user's instance quota" (docs: features/templates.mdx).
      instances: this.instances.size + this.templates.size,
      live_instances: live.length,
      live_vcpus: live.reduce((s, i) => s + i.vcpus, 0),
      live_memory_mb: live.reduce((s, i) => s + i.memory_mb, 0),
      service_groups: this.groups.size,
      services: [...this.groups.values()].reduce((s, g) => s + g.services.length, 0),
      volumes: this.volumes.size,
      total_volume_mb: [...this.volumes.values()].reduce((s, v) => s + v.size_mb, 0)
    }
  }

  /** Throws code 19 when adding `delta` to the current usage would pass a hard limit. */
  checkQuota(delta: Partial<Quotas['hard']>): void {
    const used = this.usage()
    for (const [key, add] of Object.entries(delta) as [keyof Quotas['hard'], number][]) {
      if (add > 0 && used[key] + add > this.quotas.hard[key])
        throw new ItemError(
          19,
          `Quota exceeded: ${key} would be ${used[key] + add}, the limit is ${this.quotas.hard[key]}`
        )
    }
  }
}
