/**
 * Requests and responses of the UKC API, with the API's own field names (ukc-api.md §6–§12).
 * Timeouts are the `*_ms` fields, which both API generations accept.
 */

/** How a global-scope item names its object: exactly one of uuid or name. */
export type ObjectRef = { uuid: string; name?: never } | { name: string; uuid?: never }

export type InstanceState =
  'stopped' | 'starting' | 'running' | 'draining' | 'stopping' | 'standby' | 'template' | 'deleted'
export type RestartPolicy = 'never' | 'always' | 'on-failure'
export type Handler = 'tls' | 'http' | 'redirect'

export interface ServiceSpec {
  port: number
  destination_port?: number
  handlers?: Handler[]
}

export interface DomainSpec {
  /** A subdomain of the metro's domain, or an FQDN ending in a dot. */
  name: string
  certificate?: ObjectRef
}

export interface ScaleToZero {
  policy: 'on' | 'off' | 'idle'
  stateful?: boolean
  cooldown_time_ms?: number
}

export interface NewServiceGroup {
  name?: string
  services: ServiceSpec[]
  domains?: DomainSpec[]
  soft_limit?: number
  hard_limit?: number
  /** [N] `POST /v1/services` only: the platform deletes the group once empty this long. */
  autokill?: { time_ms: number }
}

export type VolumeMountSpec =
  | (ObjectRef & { at: string; readonly?: boolean })
  | { size_mb: number; at: string; readonly?: boolean }

export interface CreateInstanceRequest {
  name?: string
  image: string
  args?: string[]
  env?: Record<string, string>
  memory_mb?: number
  vcpus?: number
  autostart?: boolean
  replicas?: number
  restart_policy?: RestartPolicy
  scale_to_zero?: ScaleToZero
  features?: ('delete-on-stop' | 'scale-to-zero')[]
  /** Only with autostart; 0 = don't wait, -1 = as long as the platform allows. */
  wait_timeout_ms?: number
  /** An existing group ({uuid} or {name}) or a new one that lives as long as the instance. */
  service_group?: ObjectRef | NewServiceGroup
  volumes?: VolumeMountSpec[]
  /** [N] Platform-only labels: ≤ 16 of `[A-Za-z0-9-+_.:=]` (listings filter on them). */
  tags?: string[]
  /** [N] Key/value pairs that reach the guest (Kubernetes key syntax). */
  annotations?: Record<string, string>
  /** [N] Calendar operations the platform runs (a `delete` at a time: a TTL). */
  schedules?: Schedule[]
}

/** [N] model `Schedule`: `when` in systemd calendar syntax, UTC; `next_at` only in answers. */
export interface Schedule {
  name: string
  when: string
  action: 'start' | 'stop' | 'delete' | 'exec'
  args?: string[]
  next_at?: string
}

/** [N] One change of `PATCH /v1/instances` (model UpdateInstancesRequestItem). */
export type InstanceUpdate = ObjectRef & {
  prop: 'tags' | 'annotations' | 'delete_lock' | 'schedules' | 'autokill'
  op: 'set' | 'add' | 'del'
  value?: unknown
}

/** [N] The answer to one change: which instance it was (model UpdateInstancesResponseUpdatedInstance). */
export interface UpdatedInstance {
  uuid: string
  name: string
}

export interface DomainInfo {
  fqdn: string
  certificate?: { uuid: string; name: string; state?: CertificateState }
}

export interface Instance {
  uuid: string
  name: string
  created_at?: string
  state: InstanceState
  /** The digest-pinned reference, e.g. `myorg/app@sha256:…`. */
  image: string
  memory_mb?: number
  vcpus?: number
  args?: string[]
  env?: Record<string, string>
  /** Only the new platform answers it; the classic GET has no `features` (ukc-api.md §0.1). */
  features?: string[]
  start_count?: number
  restart_count?: number
  restart_policy?: RestartPolicy
  restart?: { attempt?: number; next_at?: string }
  started_at?: string
  stopped_at?: string
  uptime_ms?: number
  stop_reason?: number
  exit_code?: number
  stop_code?: number
  previous_state?: InstanceState
  scale_to_zero?: ScaleToZero & { enabled?: boolean }
  private_fqdn?: string
  private_ip?: string
  service_group?: { uuid: string; name: string; domains?: DomainInfo[] }
  volumes?: { uuid: string; name: string; at: string; readonly: boolean }[]
  boot_time_us?: number
  /** Time until the app listened on a non-local port (ukc-api.md §6.8). */
  net_time_us?: number
  /** [N] A deleted instance the platform retains (state `deleted`) until then. */
  retained_until?: string
  /** [N] only, as are the next three. */
  tags?: string[]
  annotations?: Record<string, string>
  /** While true, every delete is refused (`Deletion protection enabled`). */
  delete_lock?: boolean
  schedules?: Schedule[]
}

export interface StartItem {
  wait_timeout_ms?: number
}
export interface StopItem {
  force?: boolean
  drain_timeout_ms?: number
}
export interface WaitItem {
  state?: InstanceState
  timeout_ms?: number
}
export interface LogItem {
  offset?: number
  limit?: number
}

export interface InstanceLog {
  uuid: string
  name: string
  /** Base64 of the console bytes. */
  output: string
  available: { start: number; end: number }
  range: { start: number; end: number }
  state?: InstanceState
}

export interface InstanceMetrics {
  uuid: string
  name: string
  state: InstanceState
  start_count?: number
  restart_count?: number
  uptime_ms?: number
  boot_time_us?: number
  net_time_us?: number
  rss_bytes?: number
  cpu_time_ms?: number
  rx_bytes?: number
  tx_bytes?: number
  nconns?: number
  nreqs?: number
  nqueued?: number
  ntotal?: number
  /** Wake-ups from standby: per-bucket counts, `bucket_ms: null` the overflow (docs metrics.mdx). */
  wakeup_latency?: { bucket_ms: number | null; count: number }[]
  /** The sum of all wake-up latencies, in ms. */
  wakeup_latency_sum?: number
}

export interface ServiceGroup {
  uuid: string
  name: string
  created_at?: string
  persistent?: boolean
  autoscale?: boolean
  soft_limit?: number
  hard_limit?: number
  services?: Required<ServiceSpec>[]
  domains?: DomainInfo[]
  instances?: { uuid: string; name: string }[]
  /** [N] only. */
  autokill?: { time_ms: number }
}

export interface CreateVolumeRequest {
  name?: string
  size_mb: number
  /** [N] only: `rwo` (default) or `rox` (read-only by many). */
  access_mode?: 'rwo' | 'rox'
  /** [N] only. */
  tags?: string[]
}

export type VolumeState =
  'uninitialized' | 'initializing' | 'available' | 'idle' | 'mounted' | 'busy' | 'error'

export interface Volume {
  uuid: string
  name: string
  created_at?: string
  state: VolumeState
  size_mb?: number
  attached_to?: { uuid: string; name: string }[]
  mounted_by?: { uuid: string; name: string; readonly: boolean }[]
  persistent?: boolean
  /** [N] only. */
  access_mode?: 'rwo' | 'rox' | 'rwx'
  /** [N] only. */
  tags?: string[]
}

export interface AttachItem {
  attach_to: ObjectRef
  at: string
  readonly?: boolean
}
export interface DetachItem {
  from?: ObjectRef
}

export type CertificateState = 'pending' | 'valid' | 'error'

export interface UploadCertificateRequest {
  name?: string
  cn: string
  chain: string
  pkey: string
}

export interface Certificate {
  uuid: string
  name: string
  created_at?: string
  common_name?: string
  state?: CertificateState
  validation?: { attempt?: number; next?: string }
  subject?: string
  issuer?: string
  serial_number?: string
  not_before?: string
  not_after?: string
  service_groups?: { uuid: string; name: string }[]
}

export interface StepPolicy {
  name: string
  type: 'step'
  metric: 'cpu' | 'inflight_reqs' | 'reqs_per_sec'
  adjustment_type: 'change' | 'exact' | 'percent'
  steps: { lower_bound?: number; upper_bound?: number; adjustment: number }[]
}
export interface OnDemandPolicy {
  name: string
  type: 'on_demand'
  exclusive?: boolean
}
export type AutoscalePolicy = StepPolicy | OnDemandPolicy

export interface AutoscaleConfigRequest {
  min_size?: number
  max_size?: number
  warmup_time_ms?: number
  cooldown_time_ms?: number
  /**
   * What autoscale clones: [C] an instance in the group (`master`, OpenAPI 0.6.0, classic SDK
   * until 2025-05); [N] an instance template, sent as `create_args.template`.
   */
  master: ObjectRef
  policies?: AutoscalePolicy[]
}

export interface AutoscaleConfig {
  uuid: string
  name: string
  enabled: boolean
  min_size?: number
  max_size?: number
  warmup_time_ms?: number
  cooldown_time_ms?: number
  master?: { uuid: string; name: string }
  /** [N] The instance template it clones (docs: features/autoscale.mdx, the GET answer). */
  template?: { uuid: string; name: string }
  policies?: (AutoscalePolicy & { enabled?: boolean })[]
}

/**
 * [N] An instance template (`/v1/instances/templates`): an instance converted in place, same
 * UUID and name, state `template` (ukc-api.md §6.13).
 */
export interface Template {
  uuid: string
  name: string
  state?: string
  created_at?: string
  image?: string
  memory_mb?: number
}

export interface Image {
  /** [C] the full pinned reference, `user/app@sha256:<hex>` (OpenAPI `image.digest` example). */
  digest?: string
  /** [N] the image's URL, digest included (`@unikraft/cloud` `Image.url`; the new CLI reads its digest). */
  url?: string
  tags: string[]
  initrd?: boolean
  size_in_bytes?: number
  args?: string
  kernel_args?: string
  labels?: Record<string, string>
}

export interface QuotaCounts {
  instances: number
  live_instances: number
  live_vcpus?: number
  live_memory_mb: number
  service_groups: number
  services: number
  volumes: number
  total_volume_mb: number
}

export interface Quotas {
  uuid: string
  used: QuotaCounts
  hard: QuotaCounts
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

export interface StateChange {
  uuid: string
  name: string
  state: InstanceState
  previous_state?: InstanceState
}
