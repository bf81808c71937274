/**
 * The one-instance spec built from the shorthand inputs (`name`, `image`, `ports`, ...), with
 * problems attributed to the input that carries them.
 */
import type { RestartPolicy, ScaleToZero, ServiceSpec } from '../ukc/types.js'
import { checkName } from '../ukc/names.js'
import { expandVars, refusedMessage, type VarScope } from './expand.js'
import { envNameProblem, excerpt } from './read.js'
import type { Problems } from './problems.js'
import { imageProblem, type InstanceSpec, type Spec } from './schema.js'
import { handlerProblem, parsePort } from './services.js'

export interface Shorthand {
  name?: string
  image?: string
  memory?: string
  vcpus?: string
  args?: string[]
  env?: string[]
  ports?: string[]
  domain?: string
  replicas?: string
  scaleToZero?: string
  restartPolicy?: string
}

export const SHORTHAND_INPUTS: Record<keyof Shorthand, string> = {
  name: 'name',
  image: 'image',
  memory: 'memory',
  vcpus: 'vcpus',
  args: 'args',
  env: 'env',
  ports: 'ports',
  domain: 'domain',
  replicas: 'replicas',
  scaleToZero: 'scale-to-zero',
  restartPolicy: 'restart-policy'
}

export function hasShorthand(s: Shorthand): boolean {
  return Object.values(s).some((v) =>
    Array.isArray(v) ? v.length > 0 : v !== undefined && v !== ''
  )
}

/** `256`, `256M`, `256Mi`, `1G`, `1Gi` → MiB. */
export function parseMemory(text: string): number | string {
  const m = /^(\d+)\s*(Mi|M|MB|MiB|Gi|G|GB|GiB)?$/i.exec(text.trim())
  if (!m) return `${excerpt(text)} is not a memory size; use MiB (256) or a unit: 256Mi, 1Gi`
  const n = Number(m[1])
  return m[2] && /^g/i.test(m[2]) ? n * 1024 : n
}

/** `KEY=VALUE` lines; `${VAR}` is expanded. Blank lines and `#` comments are skipped. */
export function parseKeyValues(
  lines: string[],
  input: string,
  problems: Problems,
  env: Record<string, string | undefined>,
  /** The lines are secrets: a bad one is named by its number, never quoted. */
  secret = false,
  /** Which variables the values may read (a preview's shorthand env is limited). */
  scope?: VarScope
): Record<string, string> {
  const out: Record<string, string> = {}
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return
    const eq = line.indexOf('=')
    const key = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      problems.add(
        { file: `input '${input}'`, line: i + 1 },
        secret
          ? 'expected KEY=VALUE (the line is not shown: it is a secret)'
          : `expected KEY=VALUE, got "${eq > 0 ? `${key}=…` : line.slice(0, 40)}"`
      )
      return
    }
    const badName = envNameProblem(key)
    if (badName) {
      problems.add({ file: `input '${input}'`, line: i + 1 }, badName)
      return
    }
    const x = expandVars(line.slice(eq + 1), env, scope)
    for (const name of x.missing)
      problems.add(
        { file: `input '${input}'`, line: i + 1 },
        `\${${name}} is not set in the environment`
      )
    for (const r of x.refused)
      problems.add({ file: `input '${input}'`, line: i + 1 }, refusedMessage(r))
    out[key] = x.value
  })
  return out
}

export function shorthandSpec(
  s: Shorthand,
  problems: Problems,
  env: Record<string, string | undefined>,
  scope?: VarScope
): Spec {
  const at = (input: keyof Shorthand) => ({ file: `input '${SHORTHAND_INPUTS[input]}'` })
  let name = s.name ?? ''
  if (!name)
    problems.add(
      at('name'),
      'is required when the shorthand inputs describe the instance (or give a spec)'
    )
  else {
    try {
      name = checkName(name)
    } catch (err) {
      problems.add(at('name'), (err as Error).message)
    }
  }
  if (!s.image)
    problems.add(
      at('image'),
      'is required when the shorthand inputs describe the instance (or give a spec)'
    )
  else if (imageProblem(s.image)) problems.add(at('image'), imageProblem(s.image)!)
  const int = (
    input: keyof Shorthand,
    text: string | undefined,
    min: number,
    max: number
  ): number | undefined => {
    if (text === undefined || text === '') return undefined
    if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
      problems.add(at(input), `must be a whole number from ${min} to ${max}, got ${excerpt(text)}`)
      return undefined
    }
    return Number(text)
  }
  let memory: number | undefined
  if (s.memory) {
    const m = parseMemory(s.memory)
    if (typeof m === 'string') problems.add(at('memory'), m)
    else memory = m
  }
  const services: ServiceSpec[] = []
  for (const [i, p] of (s.ports ?? [])
    .flatMap((l) => l.split(','))
    .filter((p) => p.trim())
    .entries()) {
    const parsed = parsePort(p)
    if (typeof parsed === 'string') problems.add({ ...at('ports'), line: i + 1 }, parsed)
    else {
      for (const svc of parsed) {
        const why = handlerProblem(svc)
        if (why) problems.add({ ...at('ports'), line: i + 1 }, why)
        else if (services.some((x) => x.port === svc.port))
          problems.add({ ...at('ports'), line: i + 1 }, `port ${svc.port} is published twice`)
        else services.push(svc)
      }
    }
  }
  if (s.domain && services.length === 0)
    problems.add(at('domain'), 'needs published ports (the ports input) to serve on')
  let scaleToZero: ScaleToZero | undefined
  if (s.scaleToZero) {
    const m = /^(on|off|idle)(?::(\d+))?$/.exec(s.scaleToZero.trim())
    if (!m)
      problems.add(
        at('scaleToZero'),
        `must be on, off or idle, optionally with a cooldown in ms (idle:5000), got "${s.scaleToZero}"`
      )
    else
      scaleToZero = {
        policy: m[1] as ScaleToZero['policy'],
        ...(m[2] ? { cooldown_time_ms: Number(m[2]) } : {})
      }
  }
  if (s.restartPolicy && !['never', 'always', 'on-failure'].includes(s.restartPolicy))
    problems.add(
      at('restartPolicy'),
      `must be never, always or on-failure, got "${s.restartPolicy}"`
    )
  const replicas = int('replicas', s.replicas, 0, 253) ?? 0
  const where = { file: 'inputs' }
  const base: InstanceSpec = {
    name,
    image: s.image ?? '',
    memory_mb: memory,
    vcpus: int('vcpus', s.vcpus, 1, 64),
    args: s.args && s.args.length > 0 ? s.args : undefined,
    env: parseKeyValues(s.env ?? [], 'env', problems, env, false, scope),
    service_group: services.length > 0 ? name : undefined,
    volumes: [],
    scale_to_zero: scaleToZero,
    restart_policy: (s.restartPolicy || undefined) as RestartPolicy | undefined,
    features: [],
    where
  }
  return {
    source: 'inputs',
    certificates: [],
    service_groups:
      services.length > 0
        ? [{ name, services, domains: s.domain ? [{ name: s.domain.toLowerCase() }] : [], where }]
        : [],
    volumes: [],
    instances: [
      base,
      ...Array.from({ length: replicas }, (_, n) => ({
        ...base,
        name: `${name}-${n + 1}`,
        replica_of: name
      }))
    ]
  }
}
