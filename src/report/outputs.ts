/** The step outputs (PRODUCT.md, Outputs), derived from a run's result. JSON ones are always valid JSON. */
import { rowRuntime } from '../engine/runtime.js'
import type { ObjectResult, RunResult } from '../engine/types.js'

export const OUTPUT_NAMES = [
  'status',
  'instance-uuids',
  'instances',
  'service-uuids',
  'services',
  'templates',
  'url',
  'urls',
  'plan'
] as const
export type Outputs = Record<(typeof OUTPUT_NAMES)[number], string>

const uuidsMadeBy = (objects: ObjectResult[], kind: ObjectResult['kind']): string[] =>
  objects.filter((o) => o.kind === kind && o.createdByRun && o.uuid).map((o) => o.uuid!)

/** States in which an instance answers on its group's domains (standby wakes on a request). */
const SERVING = new Set(['running', 'standby'])

/** Serving, or about to: `starting` counts for a row that did not fail (a run with wait: false). */
const serves = (o: ObjectResult): boolean =>
  !o.foreign &&
  o.state !== undefined &&
  (SERVING.has(o.state) || (o.state === 'starting' && o.action !== 'failed'))

/**
 * The public URLs that serve: a domain counts only while an instance of the result that
 * carries it is running (or on standby), so a run whose instances all failed names no URL.
 * Groups come first (their domains in their order), then any instance-only domain.
 */
export function publicUrls(objects: ObjectResult[]): string[] {
  const serving = new Set(
    objects.filter((o) => o.kind === 'instance' && serves(o)).flatMap((o) => o.fqdns)
  )
  const fqdns = [
    ...objects.filter((o) => o.kind === 'service_group'),
    ...objects.filter((o) => o.kind === 'instance')
  ]
    .flatMap((o) => o.fqdns)
    .filter((f) => serving.has(f))
  return [...new Set(fqdns)].map((f) => `https://${f}`)
}

/** What the run measured of a version it started, as numbers (`boot_ms`, `listen_ms`, `rss_mb`). */
function figures(o: ObjectResult): Record<string, number> {
  const r = rowRuntime(o)
  if (!r) return {}
  const out: Record<string, number> = {}
  if (r.bootMs !== undefined) out.boot_ms = r.bootMs
  if (r.listenMs !== undefined) out.listen_ms = r.listenMs
  if (r.rssMb !== undefined) out.rss_mb = r.rssMb
  if (r.wake) out.wake_mean_ms = r.wake.meanMs
  return out
}

export function outputsOf(result: RunResult): Outputs {
  const urls = publicUrls(result.objects)
  return {
    status: result.status,
    'instance-uuids': JSON.stringify(uuidsMadeBy(result.objects, 'instance')),
    instances: JSON.stringify(
      result.objects
        .filter((o) => o.kind === 'instance')
        .map((o) => ({
          name: o.name,
          uuid: o.uuid ?? '',
          state: o.state ?? '',
          action: o.action,
          fqdn: o.fqdns[0] ?? '',
          'private-fqdn': o.privateFqdn ?? '',
          'private-ip': o.privateIp ?? '',
          error: o.error ?? '',
          ...(o.rolledBack ? { 'rolled-back': true } : {}),
          ...(o.locked ? { locked: true } : {}),
          ...figures(o)
        }))
    ),
    'service-uuids': JSON.stringify(uuidsMadeBy(result.objects, 'service_group')),
    services: JSON.stringify(
      result.objects
        .filter((o) => o.kind === 'service_group')
        .map((o) => ({ name: o.name, uuid: o.uuid ?? '', fqdns: o.fqdns, action: o.action }))
    ),
    templates: JSON.stringify(
      result.objects
        .filter((o) => o.kind === 'template')
        .map((o) => ({ name: o.name, uuid: o.uuid ?? '', action: o.action, error: o.error ?? '' }))
    ),
    url: urls[0] ?? '',
    urls: JSON.stringify(urls),
    plan: JSON.stringify(result.plan)
  }
}
