/** Rules that span several objects of a spec: unique names, what refers to what. */
import { checkName } from '../ukc/names.js'
import type { Problems } from './problems.js'
import type { Spec } from './schema.js'

export function checkSpec(spec: Spec, problems: Problems): void {
  const seen = (
    kind: string,
    items: { name: string; where: { file: string; line?: number } }[]
  ): void => {
    const first = new Map<string, number | undefined>()
    for (const item of items) {
      if (first.has(item.name)) {
        const line = first.get(item.name)
        problems.add(
          item.where,
          `the ${kind} name '${item.name}' is used twice${line !== undefined ? ` (first on line ${line})` : ''}; names are identity`
        )
      } else first.set(item.name, item.where.line)
    }
  }
  seen('instance', spec.instances)
  seen('service group', spec.service_groups)
  seen('volume', spec.volumes)
  seen('certificate', spec.certificates)

  for (const c of spec.certificates) {
    const at = `certificates.${c.name}`
    if ((c.chain === undefined) === (c.chain_file === undefined))
      problems.add(
        c.where,
        "give the certificate chain as 'chain' (PEM text, e.g. ${CERT_PEM}) or 'chain_file' (a file in the workspace), one of them",
        at
      )
    if ((c.pkey === undefined) === (c.pkey_file === undefined))
      problems.add(
        c.where,
        "give the private key as 'pkey' (PEM text, e.g. ${KEY_PEM}) or 'pkey_file' (a file in the workspace), one of them",
        at
      )
  }

  for (const g of spec.service_groups) {
    if (g.soft_limit !== undefined && g.hard_limit !== undefined && g.soft_limit > g.hard_limit)
      problems.add(
        g.where,
        `soft_limit (${g.soft_limit}) must not be greater than hard_limit (${g.hard_limit})`,
        `service_groups.${g.name}`
      )
    for (const d of g.domains) {
      if (d.certificate && !d.name.endsWith('.'))
        problems.add(
          g.where,
          `domain '${d.name}' is a subdomain of the metro domain, which uses the platform's wildcard certificate; a certificate can only be given for an FQDN ('app.example.com.')`,
          `service_groups.${g.name}`
        )
    }
    const a = g.autoscale
    if (a && a.min_size !== undefined && a.max_size !== undefined && a.min_size > a.max_size)
      problems.add(
        g.where,
        `autoscale min_size (${a.min_size}) must not be greater than max_size (${a.max_size})`,
        `service_groups.${g.name}`
      )
    if (a && a.master === undefined)
      problems.add(
        g.where,
        `autoscale clones an instance of the group, but no instance in the spec joins '${g.name}'; add one with 'service_group: ${g.name}' or name it in 'autoscale.master'`,
        `service_groups.${g.name}.autoscale`
      )
    else if (a && !spec.instances.some((i) => i.name === a.master && i.service_group === g.name))
      problems.add(
        g.where,
        `autoscale.master '${a.master}' must be an instance of the spec in service group '${g.name}' (autoscale clones it)`,
        `service_groups.${g.name}.autoscale.master`
      )
    if (a && new Set(a.policies.map((p) => p.name)).size !== a.policies.length)
      problems.add(g.where, 'two autoscale policies have the same name', `service_groups.${g.name}`)
    const ports = g.services.map((s) => s.port)
    const dup = ports.find((p, i) => ports.indexOf(p) !== i)
    if (dup !== undefined)
      problems.add(g.where, `port ${dup} is published twice`, `service_groups.${g.name}`)
  }

  const mountedBy = new Map<string, { name: string; readonly: boolean }>()
  const sharedReadOnly = (volume: string): boolean =>
    spec.volumes.some((v) => v.name === volume && v.access_mode === 'rox')
  for (const inst of spec.instances) {
    const path = `instances.${inst.name}`
    if (inst.replica_of) {
      try {
        checkName(inst.name)
      } catch (err) {
        problems.add(inst.where, `replica name: ${(err as Error).message}`, path)
      }
    }
    if (inst.features.includes('delete-on-stop')) {
      if (inst.restart_policy && inst.restart_policy !== 'never')
        problems.add(inst.where, "the delete-on-stop feature needs restart_policy 'never'", path)
      if (inst.scale_to_zero && inst.scale_to_zero.policy !== 'off')
        problems.add(
          inst.where,
          'scale_to_zero cannot be combined with the delete-on-stop feature',
          path
        )
    }
    const paths = inst.volumes.map((v) => v.at)
    const dupAt = paths.find((p, i) => paths.indexOf(p) !== i)
    if (dupAt) problems.add(inst.where, `two volumes are mounted at ${dupAt}`, path)
    for (const m of inst.volumes) {
      if (m.name === undefined) continue
      const other = mountedBy.get(m.name)
      // A rox volume takes read-only mounts from several instances; every other one, one.
      if (
        other &&
        other.name !== inst.name &&
        !(sharedReadOnly(m.name) && m.readonly && other.readonly)
      )
        problems.add(
          inst.where,
          `volume '${m.name}' is also mounted by '${other.name}'; a volume attaches to one instance at a time, unless it is made with access_mode: rox and every mount is readonly`,
          path
        )
      mountedBy.set(m.name, { name: inst.name, readonly: m.readonly })
    }
  }
}

/** Service groups, volumes and certificates the spec uses but does not define: they must exist in the account. */
export function externalRefs(spec: Spec): {
  groups: string[]
  volumes: string[]
  certificates: string[]
} {
  const groups = new Set(spec.service_groups.map((g) => g.name))
  const volumes = new Set(spec.volumes.map((v) => v.name))
  const certificates = new Set(spec.certificates.map((c) => c.name))
  return {
    certificates: [
      ...new Set(
        spec.service_groups
          .flatMap((g) => g.domains.map((d) => d.certificate))
          .filter((c): c is string => c !== undefined && !certificates.has(c))
      )
    ],
    groups: [
      ...new Set(
        spec.instances
          .map((i) => i.service_group)
          .filter((g): g is string => g !== undefined && !groups.has(g))
      )
    ],
    volumes: [
      ...new Set(
        spec.instances
          .flatMap((i) => i.volumes.map((m) => m.name))
          .filter((v): v is string => v !== undefined && !volumes.has(v))
      )
    ]
  }
}
