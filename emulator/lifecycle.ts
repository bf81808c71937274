/**
 * The instance state machine in time (ukc-api.md §6.1, §6.2, §6.3, §14): boot delay,
 * drain, stop reasons, crashes with restart policies, scale-to-zero, delete-on-stop, and
 * server-side waits that resolve the moment a state is reached.
 */
import type { InstanceRec, InstanceState, Store } from './state.js'
import { now } from './state.js'

export interface Timing {
  bootDelayMs: number
  stopDelayMs: number
}

/** stop_reason bits: K kernel exited, A app exited, P platform, U user, F forced. */
export const STOP_REASON = {
  userClean: 15,
  userForced: 28,
  appExit: 3,
  scaleToZero: 7,
  kernel: 1
} as const
/** ukc-api.md §6.2: errno 12 (ENOMEM), initlevel 127 (the app ran), reason 4 (page fault). */
const OOM_STOP_CODE = 0x000c7f04

const RESTART_BACKOFF_MS = [0, 5000, 10000, 20000, 40000]

/** One state change of one instance, for tests that check there was never a gap in service. */
export interface TimelineEntry {
  time: number
  uuid: string
  name: string
  group?: string
  state: InstanceState | 'created' | 'deleted'
}

interface Waiter {
  targets: { uuid: string; state: string }[]
  resolve: () => void
}

export class Lifecycle {
  private waiters = new Set<Waiter>()
  readonly timeline: TimelineEntry[] = []

  constructor(
    private readonly store: Store,
    readonly timing: Timing,
    /** Called when an instance disappears on its own (delete-on-stop). */
    private readonly onVanish: (inst: InstanceRec) => void
  ) {}

  private schedule(inst: InstanceRec, ms: number, fn: () => void): void {
    const epoch = inst.epoch
    const t = setTimeout(() => {
      inst.timers = inst.timers.filter((x) => x !== t)
      if (inst.epoch === epoch && this.store.instances.get(inst.uuid) === inst) fn()
    }, ms)
    t.unref()
    inst.timers.push(t)
  }

  private transition(inst: InstanceRec, state: InstanceState): void {
    for (const t of inst.timers) clearTimeout(t)
    inst.timers = []
    inst.epoch++
    if (inst.state !== state) inst.previous_state = inst.state
    inst.state = state
    this.record(inst, state)
    this.notify()
  }

  record(inst: InstanceRec, state: TimelineEntry['state']): void {
    this.timeline.push({
      time: Date.now(),
      uuid: inst.uuid,
      name: inst.name,
      group: inst.service_group,
      state
    })
    if (this.timeline.length > 20000) this.timeline.shift()
  }

  log(inst: InstanceRec, line: string): void {
    inst.log = Buffer.concat([inst.log, Buffer.from(line.endsWith('\n') ? line : `${line}\n`)])
  }

  boot(inst: InstanceRec): void {
    if (inst.state === 'running' || inst.state === 'starting') return
    this.transition(inst, 'starting')
    inst.stop_reason = inst.exit_code = inst.stop_code = undefined
    this.log(inst, `Powered by Unikraft; booting ${inst.image}`)
    const began = Date.now()
    // Assumption: boot and stop take the emulator's `boot_delay_ms`/`stop_delay_ms` (docs:
    // "milliseconds"; the exact timing is not specified, ukc-api.md §14).
    this.schedule(inst, this.timing.bootDelayMs, () => {
      this.transition(inst, 'running')
      inst.start_count++
      inst.started_at = now()
      this.measure(inst, Math.max(1, (Date.now() - began) * 1000))
      this.log(inst, `Listening on ${inst.private_ip} (${inst.name})`)
      this.afterBoot(inst)
    })
  }

  /**
   * The boot figures the API reports: measured, or an image profile's (a test control). The
   * time to listen defaults to the boot time (assumption: the app listens as it boots).
   */
  private measure(inst: InstanceRec, bootUs: number): void {
    const digest = inst.image.slice(inst.image.lastIndexOf('@') + 1)
    const tags = this.store.images.get(digest)?.tags ?? []
    const profile = tags.map((t) => this.store.profiles.get(t)).find((p) => p !== undefined)
    inst.boot_time_us = profile?.boot_ms !== undefined ? profile.boot_ms * 1000 : bootUs
    inst.net_time_us =
      profile?.listen_ms !== undefined ? profile.listen_ms * 1000 : inst.boot_time_us
    inst.rss_bytes = profile?.rss_mb !== undefined ? profile.rss_mb * 1048576 : undefined
    inst.wakeups_ms = profile?.wakeups_ms ?? []
  }

  private afterBoot(inst: InstanceRec): void {
    const digest = inst.image.slice(inst.image.lastIndexOf('@') + 1)
    const crash = this.store.images.get(digest)?.crash
    if (crash) {
      this.schedule(inst, crash.after_ms, () =>
        this.appExit(inst, crash.exit_code, crash.message, crash.oom)
      )
      return
    }
    // A clean 10 s run resets the restart back-off (§6.3).
    this.schedule(inst, 10000, () => (inst.restart_attempt = 0))
    const stz = inst.scale_to_zero
    if (stz && stz.policy !== 'off') {
      // Assumption: nothing sends traffic to an emulated instance, so it idles out after its
      // cooldown (ukc-api.md §14).
      this.schedule(inst, stz.cooldown_time_ms, () => {
        this.transition(inst, 'standby')
        inst.stop_reason = STOP_REASON.scaleToZero
      })
    }
  }

  /** The application exits on its own: the console says why, the restart policy decides. */
  appExit(inst: InstanceRec, exitCode: number, message: string, oom = false): void {
    this.log(inst, message)
    this.log(
      inst,
      oom
        ? `[    ${(inst.epoch / 1000).toFixed(6)}] Out of memory: the kernel stopped`
        : `[    ${(inst.epoch / 1000).toFixed(6)}] Application exited with code ${exitCode}`
    )
    this.transition(inst, 'stopped')
    inst.stopped_at = now()
    inst.stop_reason = oom ? STOP_REASON.kernel : STOP_REASON.appExit
    inst.exit_code = oom ? undefined : exitCode
    inst.stop_code = oom ? OOM_STOP_CODE : 0
    if (inst.features.includes('delete-on-stop')) return this.onVanish(inst)
    const restart =
      inst.restart_policy === 'always' || (inst.restart_policy === 'on-failure' && exitCode !== 0)
    if (restart) {
      const delay =
        RESTART_BACKOFF_MS[Math.min(inst.restart_attempt, RESTART_BACKOFF_MS.length - 1)]
      inst.restart_attempt++
      this.schedule(inst, delay, () => {
        inst.restart_count++
        this.boot(inst)
      })
    }
  }

  /** A user stop: drain (if asked), stop, record why. Returns the state right after the call. */
  stop(inst: InstanceRec, force: boolean, drainMs: number): void {
    if (inst.state === 'stopped') return
    inst.restart_attempt = 0
    const finish = (): void => {
      this.transition(inst, 'stopped')
      inst.stopped_at = now()
      inst.stop_reason = force ? STOP_REASON.userForced : STOP_REASON.userClean
      inst.exit_code = 0
      inst.stop_code = 0
      this.log(inst, 'Shutting down: stopped by user')
      if (inst.features.includes('delete-on-stop')) this.onVanish(inst)
    }
    if (inst.state === 'standby') return finish()
    const stopping = (): void => {
      this.transition(inst, 'stopping')
      this.schedule(inst, this.timing.stopDelayMs, finish)
    }
    if (drainMs > 0 && !force && inst.state === 'running') {
      this.transition(inst, 'draining')
      // No client holds a connection to an emulated instance open, but the drain still
      // lasts its full timeout so that tests can observe it.
      this.schedule(inst, drainMs, stopping)
    } else {
      stopping()
    }
  }

  /** Stops timers and wakes waiters of an instance that is going away. */
  forget(inst: InstanceRec): void {
    for (const t of inst.timers) clearTimeout(t)
    inst.timers = []
    inst.epoch++
    this.notify()
  }

  private reached(t: { uuid: string; state: string }): boolean {
    const inst = this.store.instances.get(t.uuid)
    return !inst || inst.state === t.state
  }

  notify(): void {
    for (const w of this.waiters) {
      if (w.targets.every((t) => this.reached(t))) {
        this.waiters.delete(w)
        w.resolve()
      }
    }
  }

  /**
   * Blocks until every target is in its state (or gone), the timeout passes (-1: never)
   * or the client hangs up. Resolves true when all were reached.
   */
  wait(
    targets: { uuid: string; state: string }[],
    timeoutMs: number,
    signal: AbortSignal
  ): Promise<boolean> {
    if (targets.every((t) => this.reached(t))) return Promise.resolve(true)
    if (timeoutMs === 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const done = (ok: boolean): void => {
        if (timer) clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.waiters.delete(waiter)
        resolve(ok)
      }
      const waiter: Waiter = { targets, resolve: () => done(true) }
      const onAbort = (): void => done(false)
      this.waiters.add(waiter)
      signal.addEventListener('abort', onAbort)
      if (timeoutMs > 0) timer = setTimeout(() => done(false), timeoutMs)
    })
  }

  clear(): void {
    this.timeline.length = 0
    for (const inst of this.store.instances.values()) this.forget(inst)
    for (const w of this.waiters) w.resolve()
    this.waiters.clear()
  }
}
