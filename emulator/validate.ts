/**
 * Strict request validation, the way the real API validates: unknown members, wrong types
 * and out-of-range values abort the whole request (HTTP 400) with a message that names the
 * field. The phrase "is not a valid member" is the one clients match on (ukc-api.md §2).
 */

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly code = 7
  ) {
    super(message)
    this.name = 'BadRequest'
  }
}

export type Check<T> = (value: unknown, path: string) => T

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

export function str(
  opts: { pattern?: RegExp; maxLength?: number; oneOf?: readonly string[] } = {}
): Check<string> {
  return (value, path) => {
    if (typeof value !== 'string')
      throw new BadRequest(`'${path}' must be a string, got ${describe(value)}`)
    if (opts.maxLength !== undefined && value.length > opts.maxLength)
      throw new BadRequest(`'${path}' is longer than ${opts.maxLength} characters`, 22)
    if (opts.oneOf && !opts.oneOf.includes(value))
      throw new BadRequest(`'${path}' must be one of ${opts.oneOf.join(', ')}, got '${value}'`)
    if (opts.pattern && !opts.pattern.test(value))
      throw new BadRequest(`'${path}' has an invalid format: '${value}'`)
    return value
  }
}

export function int(opts: { min?: number; max?: number } = {}): Check<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw new BadRequest(`'${path}' must be an integer, got ${describe(value)}`)
    if (
      (opts.min !== undefined && value < opts.min) ||
      (opts.max !== undefined && value > opts.max)
    )
      throw new BadRequest(
        `'${path}' must be between ${opts.min ?? '-inf'} and ${opts.max ?? 'inf'}, got ${value}`
      )
    return value
  }
}

export const bool: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean')
    throw new BadRequest(`'${path}' must be a boolean, got ${describe(value)}`)
  return value
}

export function arrayOf<T>(item: Check<T>, opts: { max?: number; min?: number } = {}): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value))
      throw new BadRequest(`'${path}' must be an array, got ${describe(value)}`)
    if (opts.max !== undefined && value.length > opts.max)
      throw new BadRequest(`'${path}' has more than ${opts.max} items`, 5)
    if (opts.min !== undefined && value.length < opts.min)
      throw new BadRequest(`'${path}' must have at least ${opts.min} item(s)`)
    return value.map((v, i) => item(v, `${path}[${i}]`))
  }
}

/** A JSON object whose values must all be strings (instance env). */
export const stringMap: Check<Record<string, string>> = (value, path) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequest(`'${path}' must be an object, got ${describe(value)}`)
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new BadRequest(`'${path}.${k}' must be a string, got ${describe(v)}`)
  }
  return value as Record<string, string>
}

type Shape = Record<string, Check<unknown>>
export type Parsed<S extends Shape> = { [K in keyof S]?: ReturnType<S[K]> }

/**
 * An object with a closed set of members. Every member is optional unless named in
 * `required`; members absent from the shape are rejected.
 */
export function object<S extends Shape>(
  shape: S,
  required: readonly (keyof S & string)[] = []
): Check<Parsed<S>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new BadRequest(`'${path || 'body'}' must be an object, got ${describe(value)}`)
    const out: Record<string, unknown> = {}
    const prefix = path ? `${path}.` : ''
    for (const [key, v] of Object.entries(value)) {
      const check = shape[key]
      if (!check)
        throw new BadRequest(`'${prefix}${key}' is not a valid member of ${path || 'the request'}`)
      if (v === null && key === 'name') continue // the classic Go SDK sends "name": null when unset
      out[key] = check(v, `${prefix}${key}`)
    }
    for (const key of required) {
      if (out[key] === undefined) throw new BadRequest(`'${prefix}${key}' is required`, 13)
    }
    return out as Parsed<S>
  }
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const uuid: Check<string> = (value) => {
  if (typeof value !== 'string' || !UUID_RE.test(value))
    throw new BadRequest(`Invalid uuid '${String(value)}'`)
  return value.toLowerCase()
}

/** `{uuid}` or `{name}`, exactly one: how every global-scope item names its object. */
export interface Ref {
  uuid?: string
  name?: string
}

export function refOf(item: { uuid?: string; name?: string }, path: string): Ref {
  if (item.uuid !== undefined && item.name !== undefined)
    throw new BadRequest(`'${path}' must carry either uuid or name, not both`, 17)
  if (item.uuid === undefined && item.name === undefined)
    throw new BadRequest(`'${path}' must carry a uuid or a name`, 13)
  return item.uuid !== undefined ? { uuid: item.uuid } : { name: item.name }
}

export const refShape = { uuid, name: str() }
export const ref: Check<Ref> = (value, path) => refOf(object(refShape)(value, path), path)

/**
 * Object names (the API brief): RFC 1035 labels of letters, digits and hyphens separated by
 * dots, each starting with a letter and ending with a letter or digit, no doubled hyphen or
 * dot, at most 121 characters in all, not an FQDN. Upper case is folded to lower case.
 */
const NAME_RE =
  /^(?=.{1,121}$)[a-z](?:[a-z0-9]|-(?!-))*(?<!-)(?:\.[a-z](?:[a-z0-9]|-(?!-))*(?<!-))*$/
const LABEL_MAX = 63

export const objectName: Check<string> = (value, path) => {
  const name = str()(value, path).toLowerCase()
  const labelsOk = name.split('.').every((l) => l.length <= LABEL_MAX)
  if (!NAME_RE.test(name) || !labelsOk)
    throw new BadRequest(
      `'${path}' is not a valid name: '${value as string}' (names are letters, digits, hyphens and dots: dot-separated labels of 1 to 63 characters, each starting with a letter and ending with a letter or digit, no consecutive hyphens or dots, at most 121 characters, not ending with a dot)`
    )
  return name
}
