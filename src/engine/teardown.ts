/**
 * Deleting a set of objects of several kinds, in the reverse of the order they are made
 * (order.ts): autoscale, instances (drained first when asked), [N] templates, volumes, service groups,
 * certificates — one request per kind. Already gone counts as done.
 */
import type { UkcClient } from '../ukc/client.js'
import { describeItem, type ApiResult } from '../ukc/envelope.js'
import { ErrorCode } from '../ukc/errors.js'
import { retireForReuse, type Outcome } from './ops.js'
import { DELETE_ORDER } from './order.js'
import type { Kind } from './types.js'

export type Doomed = Partial<Record<Kind, string[]>>

export const key = (kind: Kind, name: string): string => `${kind}/${name}`

function outcomes(
  kind: Kind,
  names: string[],
  r: ApiResult<{ uuid?: string }>,
  out: Map<string, Outcome>
): void {
  names.forEach((name, i) => {
    const item = r.items[i]
    if (item?.ok) out.set(key(kind, name), { ok: true, state: 'deleted', uuid: item.value.uuid })
    else if (item?.code === ErrorCode.NotFound || item?.code === ErrorCode.AutoscaleNotConfigured)
      out.set(key(kind, name), { ok: true, state: 'absent' })
    else
      out.set(key(kind, name), {
        ok: false,
        error: `delete failed: ${item ? describeItem(item) : 'no answer'}`
      })
  })
}

export async function teardown(
  client: UkcClient,
  doomed: Doomed,
  drainMs: number,
  deadline: number,
  /** [N] Instances among them this caller locked and unlocks first (a rollback's own). */
  unlocked: ReadonlySet<string> = new Set()
): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>()
  const del: Record<
    Exclude<Kind, 'instance'>,
    (refs: { name: string }[]) => Promise<ApiResult<{ uuid?: string }>>
  > = {
    volume: (refs) => client.volumes.delete(refs),
    template: (refs) => client.templates.delete(refs),
    autoscale: (refs) => client.autoscale.delete(refs),
    service_group: (refs) => client.services.delete(refs),
    certificate: (refs) => client.certificates.delete(refs)
  }
  for (const kind of DELETE_ORDER) {
    const names = doomed[kind] ?? []
    if (names.length === 0) continue
    // An instance counts as deleted once it is gone: a delete may answer while the platform
    // still holds it, and with it the volumes and group that are deleted next.
    if (kind === 'instance') {
      for (const [name, o] of await retireForReuse(client, names, drainMs, deadline, unlocked))
        out.set(key(kind, name), o)
    } else outcomes(kind, names, await del[kind](names.map((name) => ({ name }))), out)
  }
  return out
}
