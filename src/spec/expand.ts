/**
 * `${VAR}` in spec text, taken from the environment. `${VAR:-default}` gives a default and
 * `$${` stands for a literal `${`. An unset variable is reported, never silently empty.
 */

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export interface Expansion {
  value: string
  missing: string[]
  /** Whether any variable was substituted (a number may then arrive as text). */
  expanded: boolean
}

export function expandVars(text: string, env: Record<string, string | undefined>): Expansion {
  const missing: string[] = []
  let expanded = false
  const value = text.replace(
    PATTERN,
    (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === '$${') return '${'
      expanded = true
      const v = env[name!]
      if (v !== undefined && v !== '') return v
      if (fallback !== undefined) return fallback
      if (v === undefined) missing.push(name!)
      return v ?? ''
    }
  )
  return { value, missing, expanded }
}
