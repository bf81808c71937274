/**
 * The actual state of everything a spec names, read in one batched request per category
 * (plus the image lookups and the list of all instance names, for leftover surges), all at once.
 */
import type { Spec } from '../spec/schema.js'
import { externalRefs } from '../spec/check.js'
import type { UkcClient } from '../ukc/client.js'
import { describeItem, type ApiResult } from '../ukc/envelope.js'
import { ErrorCode, UkcError } from '../ukc/errors.js'
import type {
  AutoscaleConfig,
  Certificate,
  Instance,
  ServiceGroup,
  Template,
  Volume
} from '../ukc/types.js'
import { templateGroup } from './kinds/template.js'

export interface Actual {
  instances: Map<string, Instance>
  groups: Map<string, ServiceGroup>
  volumes: Map<string, Volume>
  /** Image reference as written → digest; undefined when the registry does not know it. */
  digests: Map<string, string | undefined>
  /** The API's words for an image it could not resolve. */
  imageErrors: Map<string, string>
  certificates: Map<string, Certificate>
  /** Autoscale of the spec's groups that exist (`enabled: false` when unconfigured). */
  autoscale: Map<string, AutoscaleConfig>
  /** [N] The templates of the spec's groups (`<group>-tpl-<hash>`), by name. */
  templates: Map<string, Template>
  /** Every instance name in the account (a leftover surge is found by its name). */
  instanceNames: string[]
  /**
   * Why autoscale could not be read, where the spec configures none (an account without
   * autoscale may refuse the read): the deploy goes on without it and says so.
   */
  autoscaleUnread?: string
}

/** Found objects by name; "not found" is an answer, any other item error is not. */
export function byName<T extends { name: string }>(
  result: ApiResult<T>,
  what: string
): Map<string, T> {
  const out = new Map<string, T>()
  for (const item of result.items) {
    if (item.ok) out.set(item.value.name, item.value)
    else if (item.code !== ErrorCode.NotFound)
      throw new UkcError(`reading ${what} failed: ${describeItem(item)}`, {
        kind: 'http',
        method: 'GET'
      })
  }
  return out
}

export async function observe(client: UkcClient, spec: Spec): Promise<Actual> {
  const ext = externalRefs(spec)
  const instanceNames = [...new Set(spec.instances.map((i) => i.name))]
  const groupNames = [...new Set([...spec.service_groups.map((g) => g.name), ...ext.groups])]
  const volumeNames = [...new Set([...spec.volumes.map((v) => v.name), ...ext.volumes])]
  const images = [...new Set(spec.instances.map((i) => i.image))]
  const certificateNames = [
    ...new Set([...spec.certificates.map((c) => c.name), ...ext.certificates])
  ]
  // Autoscale is read for every group of the spec: one that lost its autoscale block is reset.
  const specGroups = spec.service_groups.map((g) => g.name)
  const [instances, groups, volumes, resolved, certificates, autoscale, listing, templates] =
    await Promise.all([
      client.instances.get(instanceNames.map((name) => ({ name }))),
      client.services.get(groupNames.map((name) => ({ name }))),
      client.volumes.get(volumeNames.map((name) => ({ name }))),
      client.images.resolve(images),
      client.certificates.get(certificateNames.map((name) => ({ name }))),
      readAutoscale(client, spec, specGroups),
      client.instances.get(undefined, { details: false }),
      readTemplates(client, specGroups)
    ])
  const digests = new Map<string, string | undefined>()
  const imageErrors = new Map<string, string>()
  for (const [ref, r] of resolved) {
    digests.set(ref, r.digest)
    if (r.error) imageErrors.set(ref, r.error)
  }
  return {
    instances: byName(instances, 'instances'),
    groups: byName(groups, 'service groups'),
    volumes: byName(volumes, 'volumes'),
    digests,
    imageErrors,
    certificates: byName(certificates, 'certificates'),
    autoscale: autoscale instanceof Map ? autoscale : new Map(),
    templates,
    instanceNames: listing.items.filter((i) => i.ok).map((i) => i.value.name),
    autoscaleUnread: typeof autoscale === 'string' ? autoscale : undefined
  }
}

/**
 * The autoscale of the spec's groups. A refused read fails the deploy only where the spec
 * configures autoscale: otherwise it is what the deploy could not tell (a string saying why).
 */
async function readAutoscale(
  client: UkcClient,
  spec: Spec,
  groups: string[]
): Promise<Map<string, AutoscaleConfig> | string | undefined> {
  if (groups.length === 0) return undefined
  try {
    return autoscaleByName(await client.autoscale.get(groups.map((name) => ({ name }))))
  } catch (err) {
    if (!(err instanceof UkcError) || spec.service_groups.some((g) => g.autoscale)) throw err
    return err.message
  }
}

/** Autoscale items: not found (the group is new) is absent; "not enabled for the account" is kept as a note. */
function autoscaleByName(result: ApiResult<AutoscaleConfig>): Map<string, AutoscaleConfig> {
  const out = new Map<string, AutoscaleConfig>()
  for (const item of result.items)
    if (item.ok && item.value.name) out.set(item.value.name, item.value)
  return out
}

/**
 * [N] The templates of the spec's groups, found by name in one (paged) listing; none on
 * classic, where autoscale clones an instance, and none to read for a spec without groups.
 */
async function readTemplates(client: UkcClient, groups: string[]): Promise<Map<string, Template>> {
  const out = new Map<string, Template>()
  if (client.dialect.autoscaleClones !== 'template' || groups.length === 0) return out
  const wanted = new Set(groups)
  for (const item of (await client.templates.get()).items) {
    const group = item.ok ? templateGroup(item.value.name) : undefined
    if (group !== undefined && wanted.has(group)) out.set(item.value.name, item.value)
  }
  return out
}
