/**
 * `${VAR}` in spec text, taken from the environment. `${VAR:-default}` gives a default and
 * `$${` stands for a literal `${`. An unset variable is reported, never silently empty.
 *
 * A spec may come from a pull request, and what it expands ends up inside an instance the
 * pull request's own image can read. So `${VAR}` never expands the action's or the runner's
 * credentials: the action's inputs (`INPUT_*`, the UKC and GitHub tokens among them), the
 * runner's (`ACTIONS_*`, `RUNNER_*` tokens), the UKC and GitHub token variables, nor any other
 * variable that holds one of those values.
 */

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

const UKC_TOKENS = [
  'UKC_TOKEN',
  'KRAFTCLOUD_TOKEN',
  'KC_TOKEN',
  'UNIKRAFTCLOUD_TOKEN',
  'UNIKRAFT_CLOUD_TOKEN'
]
const GITHUB_TOKENS = ['GITHUB_TOKEN', 'GH_TOKEN', 'GH_ENTERPRISE_TOKEN']

/** Why a variable is a credential a spec must not read, or undefined when it is not one. */
export function credentialReason(name: string): string | undefined {
  const upper = name.toUpperCase()
  if (upper.startsWith('INPUT_'))
    return "it is one of the action's own inputs (the UKC token and the GitHub token are inputs)"
  if (upper.startsWith('ACTIONS_'))
    return "it belongs to the runner (ACTIONS_* carry the runner's tokens)"
  if (upper.startsWith('RUNNER_') && /TOKEN|SECRET|PASSWORD|KEY/.test(upper))
    return "it is one of the runner's credentials"
  if (UKC_TOKENS.includes(upper)) return 'it holds the UKC API token'
  if (GITHUB_TOKENS.includes(upper)) return 'it holds a GitHub token'
  return undefined
}

/** The values of every credential in an environment (long enough to be one). */
const credentialValues = new WeakMap<object, Set<string>>()
function valuesOf(env: Record<string, string | undefined>): Set<string> {
  let values = credentialValues.get(env)
  if (!values) {
    values = new Set(
      Object.entries(env)
        .filter(([k, v]) => v !== undefined && v.trim().length >= 8 && credentialReason(k))
        .map(([, v]) => v!.trim())
    )
    credentialValues.set(env, values)
  }
  return values
}

export interface Refused {
  name: string
  why: string
}

export interface Expansion {
  value: string
  missing: string[]
  /** Credentials the text asked for: never expanded. */
  refused: Refused[]
  /** Whether any variable was substituted (a number may then arrive as text). */
  expanded: boolean
}

/** The problem to report for a refused variable: which, why, and what to do instead. */
export function refusedMessage(r: Refused): string {
  return `\${${r.name}} is refused: ${r.why}, and a spec must never copy credentials into an instance (a pull request's image could read them); pass what the app needs through its own secret (secret-env: KEY=\${{ secrets.APP_KEY }})`
}

export function expandVars(text: string, env: Record<string, string | undefined>): Expansion {
  const missing: string[] = []
  const refused: Refused[] = []
  let expanded = false
  const value = text.replace(
    PATTERN,
    (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === '$${') return '${'
      expanded = true
      const why =
        credentialReason(name!) ??
        (env[name!] !== undefined && valuesOf(env).has(env[name!]!.trim())
          ? "its value is one of the action's or the runner's credentials"
          : undefined)
      if (why) {
        refused.push({ name: name!, why })
        return ''
      }
      const v = env[name!]
      if (v !== undefined && v !== '') return v
      if (fallback !== undefined) return fallback
      if (v === undefined) missing.push(name!)
      return v ?? ''
    }
  )
  return { value, missing, refused, expanded }
}
