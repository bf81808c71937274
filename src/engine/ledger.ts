/** One result per object, filled in as the phases go; read out once at the end. */
import { isHostName } from '../ukc/names.js'
import type { DomainInfo, Instance, ServiceGroup } from '../ukc/types.js'
import { byCreateOrder } from './order.js'
import type { Kind, ObjectResult, PlanEntry } from './types.js'

export class Ledger {
  private readonly rows = new Map<string, ObjectResult>()

  /** `warn` hears of server text that was dropped rather than trusted. */
  constructor(private readonly warn: (message: string) => void = () => {}) {}

  /**
   * FQDNs become `https://` URLs in outputs, the summary, the PR comment and the Deployment:
   * only host names pass; anything else from the API is dropped, with a warning.
   */
  private hosts(name: string, domains: DomainInfo[] | undefined): string[] {
    const fqdns = (domains ?? []).map((d) => String(d.fqdn))
    for (const f of fqdns.filter((x) => !isHostName(x)))
      this.warn(
        `ignored a domain of '${name}' that is not a host name: ${JSON.stringify(f.slice(0, 80))}`
      )
    return fqdns.filter(isHostName)
  }

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
      fqdns: this.hosts(name, inst.service_group?.domains),
      privateFqdn: inst.private_fqdn,
      privateIp: inst.private_ip,
      bootTimeUs: inst.boot_time_us,
      netTimeUs: inst.net_time_us,
      locked: inst.delete_lock === true ? true : undefined,
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
      fqdns: this.hosts(name, group.domains),
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
  /** [N] When the deployed preview expires (epoch ms), once its schedules are set. */
  expiresAt?: number
}

export function newProgress(warn?: (message: string) => void): Progress {
  return { ledger: new Ledger(warn), plan: [], notes: [] }
}
