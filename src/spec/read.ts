/**
 * Readers turn positioned YAML nodes into typed values, recording a problem (with its
 * file:line and field path) instead of throwing, so that every mistake is reported at once.
 */
import { expandVars, refusedMessage, type Substitution, type VarScope } from './expand.js'
import type { Problems, Where } from './problems.js'
import type { PNode } from './yaml.js'

export interface ReadCtx {
  problems: Problems
  env: Record<string, string | undefined>
  /** Which variables `${VAR}` may read (a preview's are limited); undefined: any but credentials. */
  scope?: VarScope
  /** Hears every variable substituted (its value may be a secret to mask). */
  onExpanded?: (s: Substitution) => void
}

export type Reader<T> = (node: PNode, path: string, ctx: ReadCtx) => T | undefined

/**
 * A value quoted in a message: at most 60 characters of it, control characters (NUL, line
 * breaks) shown as `\uXXXX`, so a huge or binary value never floods the log or the summary.
 */
export function excerpt(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}… (${value.length} characters)` : value
  return `"${shown.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`
}

function kindOf(node: PNode): string {
  if (node.kind === 'map') return 'a mapping'
  if (node.kind === 'seq') return 'a list'
  if (node.value === null) return 'nothing'
  return typeof node.value === 'string' ? excerpt(node.value) : String(node.value)
}

interface Text {
  text: string
  expanded: boolean
  /** The text as written (before `${VAR}` expansion). */
  raw: string
  substitutions: Substitution[]
}

/** The scalar's text with `${VAR}` expanded; undefined (and a problem) for a missing variable. */
function scalarText(
  node: PNode & { kind: 'scalar' },
  path: string,
  ctx: ReadCtx
): Text | undefined {
  if (typeof node.value !== 'string') {
    const text = String(node.value)
    return { text, expanded: false, raw: text, substitutions: [] }
  }
  const x = expandVars(node.value, ctx.env, ctx.scope)
  for (const name of x.missing)
    ctx.problems.add(node.where, `\${${name}} is not set in the environment`, path)
  for (const r of x.refused) ctx.problems.add(node.where, refusedMessage(r), path)
  for (const sub of x.substitutions) ctx.onExpanded?.(sub)
  return x.missing.length + x.refused.length > 0
    ? undefined
    : { text: x.value, expanded: x.expanded, raw: node.value, substitutions: x.substitutions }
}

/**
 * A refusal of an expanded value quotes what was written, never what it expanded to: the
 * value may be a secret (`${DATABASE_URL}` in restart_policy), and the summary and the PR
 * comment are not masked by the runner.
 */
function asWritten(message: string, t: Text): string {
  if (!t.expanded) return message
  let out = message.split(excerpt(t.text)).join(excerpt(t.raw))
  if (t.text !== '') out = out.split(t.text).join(t.raw)
  for (const sub of t.substitutions)
    if (sub.value.length >= 3) out = out.split(sub.value).join(`\${${sub.name}}`)
  return out
}

export function str(
  opts: { oneOf?: readonly string[]; check?: (v: string) => string | undefined } = {}
): Reader<string> {
  return (node, path, ctx) => {
    if (
      node.kind !== 'scalar' ||
      node.value === null ||
      (typeof node.value !== 'string' && !opts.oneOf)
    ) {
      ctx.problems.add(node.where, `must be text, got ${kindOf(node)}`, path)
      return undefined
    }
    const t = scalarText(node, path, ctx)
    if (!t) return undefined
    if (opts.oneOf && !opts.oneOf.includes(t.text)) {
      ctx.problems.add(
        node.where,
        t.expanded
          ? `${excerpt(t.raw)} does not expand to one of ${opts.oneOf.join(', ')}`
          : `must be one of ${opts.oneOf.join(', ')}, got ${excerpt(t.text)}`,
        path
      )
      return undefined
    }
    const why = opts.check?.(t.text)
    if (why) {
      ctx.problems.add(node.where, asWritten(why, t), path)
      return undefined
    }
    return t.text
  }
}

export function int(opts: { min?: number; max?: number } = {}): Reader<number> {
  return (node, path, ctx) => {
    let value: number | undefined
    if (node.kind === 'scalar' && typeof node.value === 'number' && Number.isInteger(node.value))
      value = node.value
    else if (node.kind === 'scalar' && typeof node.value === 'string') {
      // A number that arrived through ${VAR} is text until here.
      const t = scalarText(node, path, ctx)
      if (!t) return undefined
      if (t.expanded && /^-?\d+$/.test(t.text.trim())) value = Number(t.text)
    }
    if (value === undefined) {
      ctx.problems.add(node.where, `must be a whole number, got ${kindOf(node)}`, path)
      return undefined
    }
    if (
      (opts.min !== undefined && value < opts.min) ||
      (opts.max !== undefined && value > opts.max)
    ) {
      ctx.problems.add(
        node.where,
        `must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}, got ${node.kind === 'scalar' && typeof node.value === 'string' ? `${excerpt(node.value)} (as expanded)` : value}`,
        path
      )
      return undefined
    }
    return value
  }
}

export const bool: Reader<boolean> = (node, path, ctx) => {
  if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value
  ctx.problems.add(node.where, `must be true or false, got ${kindOf(node)}`, path)
  return undefined
}

export function list<T>(item: Reader<T>, opts: { max?: number; min?: number } = {}): Reader<T[]> {
  return (node, path, ctx) => {
    if (node.kind !== 'seq') {
      ctx.problems.add(node.where, `must be a list, got ${kindOf(node)}`, path)
      return undefined
    }
    if (opts.max !== undefined && node.items.length > opts.max)
      ctx.problems.add(
        node.where,
        `has ${node.items.length} items; at most ${opts.max} are allowed`,
        path
      )
    if (opts.min !== undefined && node.items.length < opts.min)
      ctx.problems.add(node.where, `needs at least ${opts.min} item(s)`, path)
    const out = node.items.map((n, i) => item(n, `${path}[${i}]`, ctx))
    return out.every((v) => v !== undefined) ? (out as T[]) : undefined
  }
}

/**
 * Why a key cannot be an environment variable name, if it cannot. `__proto__` is refused
 * rather than dropped: as a key of a JavaScript object it would not be data.
 */
export function envNameProblem(key: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    return `'${excerpt(key).slice(1, -1)}' is not a valid environment variable name (letters, digits and _, not starting with a digit)`
  if (key === '__proto__')
    return "'__proto__' cannot be an environment variable name here; rename it"
  return undefined
}

/** KEY: value pairs; numbers and booleans become text (the API takes env values as strings). */
export const textMap: Reader<Record<string, string>> = (node, path, ctx) => {
  if (node.kind !== 'map') {
    ctx.problems.add(node.where, `must be a mapping of KEY: value, got ${kindOf(node)}`, path)
    return undefined
  }
  const out: Record<string, string> = {}
  let ok = true
  for (const [key, value] of node.entries) {
    const bad = envNameProblem(key)
    if (bad) {
      ctx.problems.add(node.keys.get(key)!, bad, path)
      ok = false
      continue
    }
    if (value.kind !== 'scalar' || value.value === null) {
      ctx.problems.add(value.where, `must be text, got ${kindOf(value)}`, `${path}.${key}`)
      ok = false
      continue
    }
    const t = scalarText(value, `${path}.${key}`, ctx)
    if (!t) ok = false
    else out[key] = t.text
  }
  return ok ? out : undefined
}

export interface Field<T> {
  read: Reader<T>
  required?: boolean
}

export type Shape = Record<string, Field<unknown>>
export type Read<S extends Shape> = { [K in keyof S]?: S[K] extends Field<infer T> ? T : never } & {
  where: Where
}

/** A mapping with a closed set of keys; unknown keys are problems that list the valid ones. */
export function obj<S extends Shape>(shape: S, what: string): Reader<Read<S>> {
  return (node, path, ctx) => {
    if (node.kind !== 'map') {
      ctx.problems.add(node.where, `must be a mapping (${what}), got ${kindOf(node)}`, path)
      return undefined
    }
    const out: Record<string, unknown> = { where: node.where }
    let ok = true
    for (const [key, value] of node.entries) {
      // Own keys only: `constructor` or `__proto__` must not find Object's own members.
      const field = Object.hasOwn(shape, key) ? shape[key] : undefined
      const at = path ? `${path}.${key}` : key
      if (!field) {
        ctx.problems.add(
          node.keys.get(key)!,
          `unknown key '${key}' in ${what}; valid keys: ${Object.keys(shape).join(', ')}`,
          path || undefined
        )
        ok = false
        continue
      }
      if (value.kind === 'scalar' && value.value === null && !field.required) continue
      const v = field.read(value, at, ctx)
      if (v === undefined) ok = false
      else out[key] = v
    }
    for (const [key, field] of Object.entries(shape)) {
      if (field.required && !node.entries.has(key)) {
        ctx.problems.add(node.where, `'${key}' is required in ${what}`, path || undefined)
        ok = false
      }
    }
    return ok ? (out as Read<S>) : undefined
  }
}

export const req = <T>(read: Reader<T>): Field<T> => ({ read, required: true })
export const opt = <T>(read: Reader<T>): Field<T> => ({ read })
