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
  /** A credential (never expanded anywhere), or a variable a preview may not read. */
  kind: 'credential' | 'preview'
}

/** One `${VAR}` replaced by its value: a message quoting the value names the variable instead. */
export interface Substitution {
  name: string
  value: string
}

/**
 * The GitHub context a preview's spec may read: what the run is about, never a token nor a
 * path on the runner. Everything else needs the workflow's consent (`preview-env`).
 */
export const GITHUB_CONTEXT = [
  'GITHUB_SHA',
  'GITHUB_REF',
  'GITHUB_REF_NAME',
  'GITHUB_REF_TYPE',
  'GITHUB_HEAD_REF',
  'GITHUB_BASE_REF',
  'GITHUB_RUN_ID',
  'GITHUB_RUN_NUMBER',
  'GITHUB_RUN_ATTEMPT',
  'GITHUB_REPOSITORY',
  'GITHUB_REPOSITORY_ID',
  'GITHUB_REPOSITORY_OWNER',
  'GITHUB_REPOSITORY_OWNER_ID',
  'GITHUB_ACTOR',
  'GITHUB_ACTOR_ID',
  'GITHUB_TRIGGERING_ACTOR',
  'GITHUB_EVENT_NAME',
  'GITHUB_WORKFLOW',
  'GITHUB_WORKFLOW_REF',
  'GITHUB_WORKFLOW_SHA',
  'GITHUB_JOB',
  'GITHUB_SERVER_URL',
  'GITHUB_API_URL',
  'GITHUB_GRAPHQL_URL',
  'RUNNER_OS',
  'RUNNER_ARCH'
] as const

/** Which variables a spec may read; undefined: any but credentials (not a preview). */
export type VarScope = ((name: string) => boolean) | undefined

/** A preview's scope: the GitHub context, the names in `preview-env`, and secret-env's keys. */
export function previewScope(previewEnv: string[], secretKeys: string[]): VarScope {
  const allowed = new Set<string>([...GITHUB_CONTEXT, ...previewEnv, ...secretKeys])
  return (name) => allowed.has(name)
}

/** Names that look like they hold a secret: their values are masked wherever they are printed. */
export const SECRET_NAME = /SECRET|TOKEN|PASSW|PRIVATE|KEY|DSN|CREDENTIAL|AUTH|DATABASE_URL|_CONN/i

export interface Expansion {
  value: string
  missing: string[]
  /** Credentials the text asked for: never expanded. */
  refused: Refused[]
  /** Whether any variable was substituted (a number may then arrive as text). */
  expanded: boolean
  substitutions: Substitution[]
}

/** The problem to report for a refused variable: which, why, and what to do instead. */
export function refusedMessage(r: Refused): string {
  if (r.kind === 'preview')
    return `\${${r.name}} is not available to a preview: a pull request's spec may read only the GitHub context (GITHUB_SHA, GITHUB_REF_NAME, GITHUB_HEAD_REF, GITHUB_RUN_ID, …), the variables named in preview-env and the keys of secret-env; add ${r.name} to preview-env if previews may read it`
  return `\${${r.name}} is refused: ${r.why}, and a spec must never copy credentials into an instance (a pull request's image could read them); pass what the app needs through its own secret (secret-env: KEY=\${{ secrets.APP_KEY }})`
}

export function expandVars(
  text: string,
  env: Record<string, string | undefined>,
  scope?: VarScope
): Expansion {
  const missing: string[] = []
  const refused: Refused[] = []
  const substitutions: Substitution[] = []
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
        refused.push({ name: name!, why, kind: 'credential' })
        return ''
      }
      if (scope && !scope(name!)) {
        refused.push({ name: name!, why: 'preview', kind: 'preview' })
        return ''
      }
      const v = env[name!]
      if (v !== undefined && v !== '') {
        substitutions.push({ name: name!, value: v })
        return v
      }
      if (fallback !== undefined) return fallback
      if (v === undefined) missing.push(name!)
      return v ?? ''
    }
  )
  return { value, missing, refused, expanded, substitutions }
}
