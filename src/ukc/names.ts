/**
 * The API's naming rules (the API brief, "Specifying an Object by Name"): RFC 1035 labels,
 * upper case folded to lower case, at most 121 characters, not an FQDN. Checked here so a bad
 * name fails before any request, with the rule it broke.
 */
import { InvalidNameError } from './errors.js'

/** The seed's naming rule, worded once: errors, README and the emulator say it the same way. */
export const NAME_RULE =
  'names are letters, digits, hyphens and dots: dot-separated labels of 1 to 63 characters, each starting with a letter and ending with a letter or digit, no consecutive hyphens or dots, at most 121 characters, not ending with a dot'

export const MAX_NAME_LENGTH = 121
export const MAX_LABEL_LENGTH = 63

/** Returns the name as the API will store it (lower case), or throws naming the broken rule. */
export function checkName(value: string): string {
  const name = value.toLowerCase()
  const fail = (rule: string): never => {
    throw new InvalidNameError(value, `${rule} (${NAME_RULE})`)
  }
  if (name.length === 0) fail('it is empty')
  if (name.length > MAX_NAME_LENGTH)
    fail(`it has ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`)
  if (name.endsWith('.'))
    fail('it must not end with a dot (it must not be a fully-qualified domain name)')
  const bad = /[^a-z0-9.-]/.exec(name)
  if (bad) fail(`'${bad[0]}' is not allowed; only letters, digits, hyphens and dots are`)
  if (name.includes('--') || name.includes('..'))
    fail('consecutive hyphens or dots are not allowed')
  for (const label of name.split('.')) {
    if (label.length === 0) fail('a dot-separated label is empty')
    if (label.length > MAX_LABEL_LENGTH)
      fail(
        `the label '${label}' has ${label.length} characters; at most ${MAX_LABEL_LENGTH} are allowed`
      )
    if (!/^[a-z]/.test(label)) fail(`the label '${label}' must start with a letter`)
    if (!/[a-z0-9]$/.test(label)) fail(`the label '${label}' must end with a letter or a digit`)
  }
  return name
}

export function isValidName(value: string): boolean {
  try {
    checkName(value)
    return true
  } catch {
    return false
  }
}

/** A DNS host name (what an FQDN from the API must be before it becomes a URL). */
const HOST_RE =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i

export function isHostName(value: string): boolean {
  return HOST_RE.test(value)
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: string): boolean {
  return UUID_RE.test(value)
}
