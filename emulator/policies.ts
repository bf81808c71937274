/**
 * [N] What the new platform keeps on an instance beside its config, and what acts on it over
 * time: tags (listing filters), annotations (reach the guest), delete locks, calendar
 * schedules and autokill — on instances, and autokill on service groups. Sources:
 * new-platform-primitives.md §1–3, §7, §9; @unikraft/cloud models `CreateInstanceRequest`,
 * `Schedule`, `UpdateInstancesRequestItem`, `CreateServiceGroupRequestAutokill`; docs
 * tagging.mdx, annotations.mdx, delete-locks.mdx, autokill.mdx, cron-jobs.mdx.
 *
 * Time here is the emulator's clock (`Store.clock()`), which tests move forward with
 * `POST /_emulator/clock`; due schedules and autokills run when it moves and once a second.
 */
import type { Ctx } from './context.js'
import type { InstanceRec, ServiceGroupRec } from './state.js'
import { arrayOf, BadRequest, int, object, str, type Check } from './validate.js'

/** docs tagging.mdx: at most 16 per resource, each ≤ 256 characters of `[A-Za-z0-9-+_.:=]`. */
const TAG_RE = /^[A-Za-z0-9\-+_.:=]{1,256}$/
export const MAX_TAGS = 16

/** Tags, deduplicated; a bad one or too many is a 400 naming it. */
export const tagList: Check<string[]> = (value, path) => {
  const list = [...new Set(arrayOf(str())(value, path))]
  const bad = list.find((t) => !TAG_RE.test(t))
  if (bad !== undefined)
    throw new BadRequest(
      `'${path}' has an invalid tag '${bad.slice(0, 60)}': tags are 1–256 characters of A-Z a-z 0-9 - + _ . : =`
    )
  if (list.length > MAX_TAGS)
    throw new BadRequest(`'${path}' has ${list.length} tags; a resource takes at most ${MAX_TAGS}`)
  return list
}

/** Kubernetes key syntax `[<prefix>/]<name>` (model `Instance.annotations`). */
const ANNOTATION_NAME = /^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$/
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

export const annotationMap: Check<Record<string, string>> = (value, path) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequest(`'${path}' must be an object of strings`)
  const entries = Object.entries(value)
  if (entries.length > 256)
    throw new BadRequest(
      `'${path}' has ${entries.length} annotations; an instance holds at most 256`
    )
  for (const [k, v] of entries) {
    const slash = k.lastIndexOf('/')
    const [prefix, name] = slash < 0 ? [undefined, k] : [k.slice(0, slash), k.slice(slash + 1)]
    if (!ANNOTATION_NAME.test(name) || (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)))
      throw new BadRequest(`'${path}' has an invalid annotation key '${k.slice(0, 80)}'`)
    if (k === 'unikraft.com/cni') throw new BadRequest(`'${path}.${k}' is reserved`)
    if (typeof v !== 'string') throw new BadRequest(`'${path}.${k}' must be a string`)
    if (/\p{Cc}/u.test(v))
      throw new BadRequest(`'${path}.${k}' contains control characters, which are not allowed`)
  }
  return value as Record<string, string>
}

export interface ScheduleRec {
  name: string
  when: string
  action: 'start' | 'stop' | 'delete' | 'exec'
  args?: string[]
  /** When it is due, on the emulator's clock; undefined once it ran. */
  at?: number
}

/**
 * The calendar forms the emulator runs: one point in time, `YYYY-MM-DD HH:MM[:SS]` in UTC (the
 * systemd calendar syntax the model names also has recurring forms; assumption: the emulator
 * refuses them rather than guess at their next occurrence).
 */
const ONE_SHOT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/

function dueAt(when: string, path: string): number {
  const m = ONE_SHOT.exec(when.trim())
  const at = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)) : NaN
  if (!m || Number.isNaN(at) || new Date(at).getUTCDate() !== +m[3])
    throw new BadRequest(
      `'${path}' is not a calendar expression the emulator runs: '${when.slice(0, 60)}' (it models one point in time, "YYYY-MM-DD HH:MM:SS" UTC)`
    )
  return at
}

const scheduleShape = object(
  {
    name: str({ pattern: /^[A-Za-z0-9][-_.A-Za-z0-9]{0,62}$/ }),
    when: str({ maxLength: 256 }),
    action: str({ oneOf: ['start', 'stop', 'delete', 'exec'] }),
    args: arrayOf(str())
  },
  ['name', 'when', 'action']
)

export const scheduleList: Check<ScheduleRec[]> = (value, path) => {
  const list = arrayOf(scheduleShape)(value, path).map((s, i) => {
    if (s.action === 'exec' && !s.args?.length)
      throw new BadRequest(`'${path}[${i}].args' is required for an exec schedule`)
    return {
      name: s.name!,
      when: s.when!,
      action: s.action as ScheduleRec['action'],
      ...(s.args ? { args: s.args } : {}),
      at: dueAt(s.when!, `${path}[${i}].when`)
    }
  })
  const names = list.map((s) => s.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined)
    throw new BadRequest(`'${path}' names schedule '${twice}' twice; names are unique per instance`)
  return list
}

export const instanceAutokill = object({
  time_ms: int({ min: 0 }),
  num_requests: int({ min: 0 })
})
export const groupAutokill = object({ time_ms: int({ min: 0 }) }, ['time_ms'])

/** How a schedule reads back: `next_at` only while it is still to come (model `Schedule`). */
export function scheduleView(s: ScheduleRec): Record<string, unknown> {
  const { at, ...rest } = s
  return at === undefined ? rest : { ...rest, next_at: new Date(at).toISOString() }
}

/** What an instance carries beside its config, as a GET answers it. */
export function policyView(inst: InstanceRec): Record<string, unknown> {
  const view: Record<string, unknown> = {
    tags: inst.tags,
    annotations: inst.annotations,
    delete_lock: inst.delete_lock,
    schedules: inst.schedules.map(scheduleView)
  }
  if (inst.autokill) view.autokill = inst.autokill
  return view
}

/** `?tags=a,b` or `?tags=a&tags=b`: every listed tag must be on the resource (docs tagging.mdx). */
export function tagFilter(query: URLSearchParams): (tags: readonly string[]) => boolean {
  const wanted = query
    .getAll('tags')
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '')
  return (tags) => wanted.every((t) => tags.includes(t))
}

/** What a delete of a locked object answers (CLI timeouts_test.go; code NotAllowed). */
export const LOCKED = 'Deletion protection enabled'

/** An empty group with autokill starts counting; one that gained an instance stops. */
export function noteOccupancy(ctx: Ctx, group: ServiceGroupRec): void {
  if (group.autokill_ms === undefined) return
  group.empty_since =
    group.instances.length === 0 ? (group.empty_since ?? ctx.store.clock()) : undefined
}

export interface DueActions {
  deleteInstance(inst: InstanceRec): void
  stopInstance(inst: InstanceRec): void
  startInstance(inst: InstanceRec): void
}

/**
 * Everything due by the clock, once: schedules (a `delete` of a locked instance is skipped —
 * assumption: no source says; autokill skips locks [docs autokill.mdx], and a scheduled delete
 * is taken to honour the lock as every delete does) and group autokill after `time_ms` empty.
 * Instance autokill is kept and shown but not run (nothing here serves requests, and no source
 * says whether standby counts as stopped). Answers what it did, in words.
 */
export function runDue(ctx: Ctx, act: DueActions): string[] {
  const now = ctx.store.clock()
  const done: string[] = []
  for (const inst of [...ctx.store.instances.values()]) {
    for (const s of inst.schedules) {
      if (s.at === undefined || s.at > now) continue
      s.at = undefined
      if (s.action === 'delete') {
        if (inst.delete_lock) {
          done.push(`schedule '${s.name}' of '${inst.name}': delete skipped (${LOCKED})`)
          continue
        }
        act.deleteInstance(inst)
        done.push(`schedule '${s.name}' deleted '${inst.name}'`)
        break
      }
      if (s.action === 'stop') act.stopInstance(inst)
      if (s.action === 'start') act.startInstance(inst)
      done.push(`schedule '${s.name}' of '${inst.name}': ${s.action}`)
    }
  }
  for (const group of [...ctx.store.groups.values()]) {
    if (group.autokill_ms === undefined || group.empty_since === undefined) continue
    if (group.instances.length > 0 || now < group.empty_since + group.autokill_ms) continue
    ctx.store.groups.delete(group.uuid)
    done.push(`autokill deleted service group '${group.name}' (empty for ${group.autokill_ms} ms)`)
  }
  return done
}
