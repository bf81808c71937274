/** One result per object, filled in as the phases go; read out once at the end. */
import type { Instance, ServiceGroup } from '../ukc/types.js'
import { byCreateOrder } from './order.js'
import type { Kind, ObjectResult, PlanEntry } from './types.js'

export class Ledger {
  private readonly rows = new Map<string, ObjectResult>()

  private key(kind: Kind, name: string): string {
    return `${kind}/${name}`
  }

  get(kind: Kind, name: string): ObjectResult | undefined {
    return this.rows.get(this.key(kind, name))
  }

  set(kind: Kind, name: string, patch: Partial<ObjectResult>): ObjectResult {
    const current = this.rows.get(this.key(kind, name)) ?? {
      kind,
      name,
      action: 'unchanged',
      fqdns: [],
      createdByRun: false
    }
    const next = { ...current, ...patch }
    this.rows.set(this.key(kind, name), next)
    return next
  }

  fail(kind: Kind, name: string, error: string, patch: Partial<ObjectResult> = {}): ObjectResult {
    return this.set(kind, name, { ...patch, action: 'failed', error })
  }

  failed(kind: Kind, name: string): boolean {
    return this.get(kind, name)?.action === 'failed'
  }

  /** Fields every instance row shows, from whatever the API last said about it. */
  fromInstance(name: string, inst: Instance, patch: Partial<ObjectResult> = {}): ObjectResult {
    return this.set('instance', name, {
      uuid: inst.uuid,
      state: inst.state,
      fqdns: (inst.service_group?.domains ?? []).map((d) => d.fqdn),
      privateFqdn: inst.private_fqdn,
      privateIp: inst.private_ip,
      bootTimeUs: inst.boot_time_us,
      detail:
        inst.scale_to_zero && inst.scale_to_zero.policy !== 'off'
          ? `scale to zero: ${inst.scale_to_zero.policy}${inst.scale_to_zero.stateful ? ', stateful' : ''}, ${inst.scale_to_zero.cooldown_time_ms ?? 1000} ms cooldown`
          : undefined,
      ...patch
    })
  }

  fromGroup(name: string, group: ServiceGroup, patch: Partial<ObjectResult> = {}): ObjectResult {
    return this.set('service_group', name, {
      uuid: group.uuid,
      fqdns: (group.domains ?? []).map((d) => d.fqdn),
      ...patch
    })
  }

  all(): ObjectResult[] {
    return byCreateOrder([...this.rows.values()])
  }
}

/**
 * What a run has found and done so far. The engine writes into it as it goes, so that when
 * a run is cut short (401, timeout) everything already made is still reported.
 */
export interface Progress {
  ledger: Ledger
  plan: PlanEntry[]
  notes: string[]
}

export function newProgress(): Progress {
  return { ledger: new Ledger(), plan: [], notes: [] }
}
