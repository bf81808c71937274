/** The step outputs (PRODUCT.md, Outputs), derived from a run's result. JSON ones are always valid JSON. */
import type { ObjectResult, RunResult } from '../engine/types.js'

export const OUTPUT_NAMES = [
  'status',
  'instance-uuids',
  'instances',
  'service-uuids',
  'services',
  'url',
  'urls',
  'plan'
] as const
export type Outputs = Record<(typeof OUTPUT_NAMES)[number], string>

const uuidsMadeBy = (objects: ObjectResult[], kind: ObjectResult['kind']): string[] =>
  objects.filter((o) => o.kind === kind && o.createdByRun && o.uuid).map((o) => o.uuid!)

export function publicUrls(objects: ObjectResult[]): string[] {
  const groups = objects.filter((o) => o.kind === 'service_group')
  const fqdns = [...groups, ...objects.filter((o) => o.kind === 'instance')]
    .filter((o) => o.state !== 'deleted')
    .flatMap((o) => o.fqdns)
  return [...new Set(fqdns)].map((f) => `https://${f}`)
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
          error: o.error ?? ''
        }))
    ),
    'service-uuids': JSON.stringify(uuidsMadeBy(result.objects, 'service_group')),
    services: JSON.stringify(
      result.objects
        .filter((o) => o.kind === 'service_group')
        .map((o) => ({ name: o.name, uuid: o.uuid ?? '', fqdns: o.fqdns, action: o.action }))
    ),
    url: urls[0] ?? '',
    urls: JSON.stringify(urls),
    plan: JSON.stringify(result.plan)
  }
}
