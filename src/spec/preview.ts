/**
 * Preview names (PRODUCT.md, Names): in preview mode every object the action creates carries
 * `-pr<N>-<owner tag>`, subdomains too, within the naming rules (a short hash stands in for what had to
 * be cut). FQDN domains are left out with a notice. A preview never joins, mounts or deletes
 * what it does not own.
 */
import { createHash } from 'node:crypto'
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH } from '../ukc/names.js'
import { Problems } from './problems.js'
import type { Spec } from './schema.js'

/**
 * A preview belongs to one repository and one pull request, and says so twice: its name ends
 * in `-pr<N>-<owner tag>` (six hex digits of the repository's name), so two repositories with
 * the same spec never share a name; and each preview instance carries PREVIEW_ENV, which
 * `sweep` and a closing PR read back before they delete anything.
 */
export interface PreviewOwner {
  /** `owner/name` of the repository (GITHUB_REPOSITORY). */
  repository: string
  pr: number
}

/** The env variable on every preview instance: `<owner/name>#<PR>`. */
export const PREVIEW_ENV = 'UKC_DEPLOY_PREVIEW'

export const markerOf = (o: PreviewOwner): string => `${o.repository.toLowerCase()}#${o.pr}`

/** Six hex digits that stand for a repository in its preview names. */
export function ownerTag(repository: string): string {
  return createHash('sha256').update(repository.toLowerCase()).digest('hex').slice(0, 6)
}

export const previewSuffix = (o: PreviewOwner): string => `-pr${o.pr}-${ownerTag(o.repository)}`

/** A preview object (or the surge of a preview instance mid-rollout): PR and owner tag. */
const PREVIEW_RE = /-pr(\d+)-([0-9a-f]{6})(?:-surge-[0-9a-f]{7})?$/

export function previewName(name: string, owner: PreviewOwner): string {
  const suffix = previewSuffix(owner)
  const labels = name.split('.')
  const last = labels.pop()!
  const prefix = labels.length > 0 ? `${labels.join('.')}.` : ''
  const full = `${prefix}${last}${suffix}`
  if (full.length <= MAX_NAME_LENGTH && last.length + suffix.length <= MAX_LABEL_LENGTH) return full
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6)
  const room =
    Math.min(MAX_LABEL_LENGTH, MAX_NAME_LENGTH - prefix.length) - suffix.length - hash.length - 1
  if (room < 1) throw new Error(`'${name}' is too long to carry a preview suffix`)
  return `${prefix}${last.slice(0, room).replace(/-+$/, '')}-${hash}${suffix}`
}

/** The PR of a preview object of this repository, or undefined for anything else. */
export function previewPr(name: string, repository: string): number | undefined {
  const m = PREVIEW_RE.exec(name.toLowerCase())
  return m && m[2] === ownerTag(repository) ? Number(m[1]) : undefined
}

/** Whether a name belongs to this repository's preview of this PR. */
export function isPreviewOf(name: string, owner: PreviewOwner): boolean {
  return previewPr(name, owner.repository) === owner.pr
}

/** The spec with every name and subdomain suffixed; notices say what was left out. */
export function previewSpec(spec: Spec, owner: PreviewOwner): { spec: Spec; notices: string[] } {
  const problems = new Problems()
  const notices: string[] = []
  const owned = {
    groups: new Set(spec.service_groups.map((g) => g.name)),
    volumes: new Set(spec.volumes.map((v) => v.name))
  }
  const rename = (n: string): string => previewName(n, owner)
  const certificates = [
    ...spec.certificates.map((c) => c.name),
    ...(spec.leftOutCertificates ?? [])
  ]
  if (certificates.length > 0)
    notices.push(
      `preview: certificates ${certificates.map((c) => `'${c}'`).join(', ')} are left out, unread (they belong to production's custom domains)`
    )
  const out: Spec = {
    source: spec.source,
    certificates: [],
    leftOutCertificates: undefined,
    volumes: spec.volumes.map((v) => ({ ...v, name: rename(v.name) })),
    service_groups: spec.service_groups.map((g) => {
      const fqdns = g.domains.filter((d) => d.name.endsWith('.'))
      if (fqdns.length > 0)
        notices.push(
          `preview: service group '${g.name}' leaves out ${fqdns.map((d) => d.name.slice(0, -1)).join(', ')} (custom domains and their certificates belong to production)`
        )
      return {
        ...g,
        name: rename(g.name),
        autoscale: g.autoscale && {
          ...g.autoscale,
          master: g.autoscale.master && rename(g.autoscale.master)
        },
        domains: g.domains
          .filter((d) => !d.name.endsWith('.'))
          .map((d) => ({ name: rename(d.name) }))
      }
    }),
    instances: spec.instances.map((i) => {
      if (i.service_group && !owned.groups.has(i.service_group))
        problems.add(
          i.where,
          `in preview mode an instance cannot join service group '${i.service_group}', which the spec does not define (it would serve preview traffic from production's group)`,
          `instances.${i.name}`
        )
      for (const m of i.volumes) {
        if (m.name !== undefined && !owned.volumes.has(m.name))
          problems.add(
            i.where,
            `in preview mode an instance cannot mount volume '${m.name}', which the spec does not define (it would share production's data)`,
            `instances.${i.name}`
          )
      }
      return {
        ...i,
        name: rename(i.name),
        replica_of: i.replica_of ? rename(i.replica_of) : undefined,
        service_group: i.service_group ? rename(i.service_group) : undefined,
        volumes: i.volumes.map((m) => (m.name !== undefined ? { ...m, name: rename(m.name) } : m)),
        env: { ...i.env, [PREVIEW_ENV]: markerOf(owner) }
      }
    })
  }
  problems.throwIfAny()
  return { spec: out, notices }
}
