/** Batched building blocks: one request for a whole set, whatever its size. */
import type { UkcClient } from '../ukc/client.js'
import { describeItem } from '../ukc/envelope.js'
import { ErrorCode } from '../ukc/errors.js'
import { decodeLog } from '../ukc/instances.js'
import { describeStop } from '../ukc/stop.js'
import type { InstanceState, ObjectRef } from '../ukc/types.js'
import type { Ledger } from './ledger.js'
import { lockedWords, unlock } from './protect.js'

export interface Outcome {
  ok: boolean
  state?: string
  uuid?: string
  /** The name the API reports (the object may have been named by UUID). */
  name?: string
  error?: string
}

/** How long a server-side wait may block: what is left of the run, less a moment to report. */
export function waitBudgetMs(deadline: number, marginMs = 1000): number {
  return Math.max(1, deadline - Date.now() - marginMs)
}

/** One wait request for the whole set; per object (in order), whether it got there and where it is. */
export async function waitForRefs(
  client: UkcClient,
  refs: ObjectRef[],
  state: InstanceState,
  deadline: number,
  marginMs = 1000
): Promise<Outcome[]> {
  if (refs.length === 0) return []
  const timeout_ms = waitBudgetMs(deadline, marginMs)
  const r = await client.instances.wait(refs.map((ref) => ({ ...ref, state, timeout_ms })))
  return refs.map((_, i) => {
    const item = r.items[i]
    if (!item) return { ok: false, error: 'the wait answered no item for it' }
    if (item.ok)
      return { ok: true, state: item.value.state, uuid: item.value.uuid, name: item.value.name }
    // Waiting for `stopped`, an instance that is gone has stopped for good (delete-on-stop).
    if (state === 'stopped' && item.code === ErrorCode.NotFound)
      return { ok: true, state: 'stopped', uuid: refs[i].uuid, name: refs[i].name }
    const error = item.timedOut
      ? `still ${item.value.state ?? 'not there'} when the timeout ran out (wanted ${state})`
      : describeItem(item)
    return {
      ok: false,
      state: item.value.state,
      uuid: item.value.uuid,
      name: item.value.name,
      error
    }
  })
}

const byNames = async (
  names: string[],
  fn: (refs: ObjectRef[]) => Promise<Outcome[]>
): Promise<Map<string, Outcome>> => {
  const results = await fn(names.map((name) => ({ name })))
  return new Map(names.map((name, i) => [name, results[i]]))
}

export function waitFor(
  client: UkcClient,
  names: string[],
  state: InstanceState,
  deadline: number,
  marginMs = 1000
): Promise<Map<string, Outcome>> {
  return byNames(names, (refs) => waitForRefs(client, refs, state, deadline, marginMs))
}

/**
 * Stops (draining when asked) and deletes a set: with no drain, one DELETE (the API
 * force-stops); with a drain, stop → wait stopped → delete, one request each. Objects
 * already gone count as deleted (`absent`).
 */
export async function retireRefs(
  client: UkcClient,
  refs: ObjectRef[],
  drainMs: number,
  deadline: number,
  /** [N] Which of them are locked and this caller's to unlock first (protect.ts). */
  unlocks: (ref: ObjectRef) => boolean = () => false
): Promise<Outcome[]> {
  const out: Outcome[] = new Array(refs.length)
  if (refs.length === 0) return out
  let live = refs.map((ref, i) => ({ ref, i }))
  if (drainMs > 0) {
    const stop = await client.instances.stop(
      refs.map((ref) => ({ ...ref, drain_timeout_ms: drainMs }))
    )
    live = live.filter(({ i }) => {
      const item = stop.items[i]
      if (item?.ok || item?.code === ErrorCode.NotFound) return true
      out[i] = { ok: false, error: `stop failed: ${item ? describeItem(item) : 'no answer'}` }
      return false
    })
    // Whatever has not stopped by the deadline is stopped by the delete below.
    await waitForRefs(
      client,
      live.map((l) => l.ref),
      'stopped',
      deadline
    )
  }
  await unlock(client, live.map((l) => l.ref).filter(unlocks))
  const del = await client.instances.delete(live.map((l) => l.ref))
  live.forEach(({ i }, k) => {
    const item = del.items[k]
    if (item?.ok)
      out[i] = { ok: true, state: 'deleted', uuid: item.value.uuid, name: item.value.name }
    else if (item?.code === ErrorCode.NotFound) out[i] = { ok: true, state: 'absent' }
    else
      out[i] = {
        ok: false,
        error: `delete ${lockedWords(item?.message) ? `refused: ${lockedWords(item?.message)}` : `failed: ${item ? describeItem(item) : 'no answer'}`}`
      }
  })
  return out
}

export function retire(
  client: UkcClient,
  names: string[],
  drainMs: number,
  deadline: number,
  /** [N] The names among them to unlock first. */
  unlocked: ReadonlySet<string> = new Set()
): Promise<Map<string, Outcome>> {
  return byNames(names, (refs) =>
    retireRefs(client, refs, drainMs, deadline, (ref) => unlocked.has(ref.name ?? ''))
  )
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Until every instance is gone for good — a delete may answer before the platform has removed
 * it, and it holds its name, volumes and group a while — reading all of them in one request
 * per round (0.25 s, then up to 1 s apart). Answers those still there at the deadline.
 */
export async function untilGone(
  client: UkcClient,
  refs: ObjectRef[],
  deadline: number
): Promise<ObjectRef[]> {
  let held = refs
  for (let round = 0; held.length > 0; round++) {
    const r = await client.instances.get(held)
    held = held.filter((_, i) => r.items[i]?.ok)
    if (held.length === 0 || Date.now() + 250 >= deadline) break
    await pause(Math.min(1000, 250 * (round + 1)))
  }
  return held
}

/** {@link untilGone} by name: the names still held at the deadline. */
export async function untilNamesFree(
  client: UkcClient,
  names: string[],
  deadline: number
): Promise<string[]> {
  const held = await untilGone(
    client,
    names.map((name) => ({ name })),
    deadline
  )
  return held.map((r) => r.name!)
}

/** What a delete that answered but whose instance outlived the run's time says. */
export const STILL_HELD = 'it was deleted, but the platform still held it when the time ran out'

/**
 * Retires a set whose names are created again right after (a recreate, a rollout's swap, a
 * restore): it counts as done only once the names are free, so the create that follows never
 * meets the instance it replaces.
 */
export async function retireForReuse(
  client: UkcClient,
  names: string[],
  drainMs: number,
  deadline: number,
  unlocked: ReadonlySet<string> = new Set()
): Promise<Map<string, Outcome>> {
  const retired = await retire(client, names, drainMs, deadline, unlocked)
  const held = await untilNamesFree(
    client,
    names.filter((n) => retired.get(n)?.ok),
    deadline
  )
  for (const name of held) retired.set(name, { ok: false, error: STILL_HELD })
  return retired
}

export interface Crash {
  /** Why, in words: stop reason and exit code. */
  why: string
  /** The state the API reports now (`stopped`, a restart under way, or `absent`). */
  state: string
}

/**
 * Names that stopped within `settleMs` of reaching `running`: the settle window. Unikernels
 * that crash do so within milliseconds of boot, so one batched server-side wait for `stopped`
 * with that timeout tells (its running out is the good news); no polling.
 */
export async function crashedSoon(
  client: UkcClient,
  names: string[],
  deadline: number,
  settleMs: number
): Promise<Map<string, Crash>> {
  const out = new Map<string, Crash>()
  if (names.length === 0 || settleMs <= 0) return out
  const window = Math.min(deadline - 1000, Date.now() + settleMs)
  const stopped = await waitFor(client, names, 'stopped', window, 0)
  const down = names.filter((n) => stopped.get(n)?.ok)
  if (down.length === 0) return out
  const r = await client.instances.get(down.map((name) => ({ name })))
  down.forEach((name, i) => {
    const inst = r.items[i]?.ok ? r.items[i].value : undefined
    const within = `${settleMs < 1000 ? `${settleMs} ms` : `${settleMs / 1000} s`}`
    const stop = inst ? describeStop(inst) : undefined
    out.set(name, {
      why: stop
        ? `${stop.why} within ${within} of starting (${stop.numbers})`
        : `it stopped within ${within} of starting`,
      state: inst?.state ?? 'absent'
    })
  })
  return out
}

/** The last `bytes` of each instance's console, in one request. */
export async function logTails(
  client: UkcClient,
  names: string[],
  bytes = 2048
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (names.length === 0) return out
  try {
    const r = await client.instances.logs(
      names.map((name) => ({ name, offset: -bytes, limit: bytes }))
    )
    names.forEach((name, i) => {
      const item = r.items[i]
      if (item?.ok) out.set(name, decodeLog(item.value))
    })
  } catch {
    // Logs are a courtesy on a failure path; their absence must not hide the failure itself.
  }
  return out
}

/** The console tail of every instance that exists but failed, for the summary. */
export async function attachLogTails(client: UkcClient, ledger: Ledger): Promise<void> {
  const failed = ledger
    .all()
    // Never the console of an instance that is not ours: it is someone else's output.
    .filter(
      (o) => o.kind === 'instance' && o.action === 'failed' && o.uuid && !o.logTail && !o.foreign
    )
  const tails = await logTails(
    client,
    failed.map((o) => o.name)
  )
  for (const o of failed)
    if (tails.has(o.name)) ledger.set('instance', o.name, { logTail: tails.get(o.name) })
}
