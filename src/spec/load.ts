/**
 * Where the desired state comes from: a spec file in the workspace, inline YAML/JSON in the
 * `spec` input, or the shorthand inputs. Every problem is collected, then thrown at once.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { checkSpec } from './check.js'
import { previewScope, SECRET_NAME } from './expand.js'
import type { ReadCtx } from './read.js'
import { Problems, SpecError } from './problems.js'
import { readSpec, type Spec } from './schema.js'
import { hasShorthand, parseKeyValues, shorthandSpec, type Shorthand } from './shorthand.js'
import { MAX_SPEC_BYTES, parseYaml, type PNode } from './yaml.js'

export interface SpecInput {
  /** The `spec` input: a path or inline YAML/JSON. */
  spec?: string
  shorthand: Shorthand
  /** `secret-env` lines, added to every instance's env. */
  secretEnv?: string[]
  /** Relative spec paths resolve here, and a spec file must stay inside it. */
  workspace: string
  env: Record<string, string | undefined>
  /** Receives every secret the spec holds (certificate keys), to be masked before logging. */
  onSecret?: (value: string) => void
  /**
   * A preview drops certificates (they belong to production's custom domains), so it does not
   * read them at all: a pull request's workflow needs none of production's keys or variables.
   */
  preview?: boolean
  /** `preview-env`: the variables (beyond the GitHub context) a preview's spec may read. */
  previewEnv?: string[]
  /** Files must lie inside the workspace (default); false: a path is read wherever it points. */
  confined?: boolean
}

/** Takes the `certificates` section out of a document, unread; returns the names it had. */
function withoutCertificates(root: PNode): string[] {
  if (root.kind !== 'map') return []
  const section = root.entries.get('certificates')
  if (!section) return []
  root.entries.delete('certificates')
  root.keys.delete('certificates')
  const items = section.kind === 'seq' ? section.items : []
  return items.map((c) =>
    c.kind === 'map' && c.entries.get('name')?.kind === 'scalar'
      ? String((c.entries.get('name') as { value: unknown }).value)
      : '?'
  )
}

/** Text that can only be a document, not a file name. */
function looksInline(text: string): boolean {
  return text.includes('\n') || /^\s*[{[]/.test(text) || /^\s*[a-z_]+\s*:(\s|$)/i.test(text)
}

/** A file inside the workspace (real path, so no `..` or symlink leads out), bounded in size. */
function readWorkspaceFile(
  path: string,
  workspace: string,
  input: string,
  problems: Problems,
  confined = true
): { text: string; file: string } | undefined {
  const full = resolve(workspace, path)
  const at = { file: input }
  const outside = (inside: string, target: string): boolean => {
    const rel = relative(inside, target)
    if (!confined || (!rel.startsWith('..') && !isAbsolute(rel))) return false
    problems.add(
      at,
      `the file '${path}' is outside the workspace (${workspace}); files must live in the repository`
    )
    return true
  }
  // Outside first, before anything is looked up: whether a file exists there is not ours to
  // say. Then again after symlinks are resolved.
  if (outside(resolve(workspace), full)) return undefined
  if (!existsSync(full)) {
    problems.add(
      at,
      `the file '${path}' does not exist (looked for ${full}); give a path relative to the workspace`
    )
    return undefined
  }
  const real = realpathSync(full)
  if (outside(realpathSync(workspace), real)) return undefined
  const stat = statSync(real)
  if (!stat.isFile()) {
    problems.add(at, `'${path}' is not a file`)
    return undefined
  }
  if (stat.size > MAX_SPEC_BYTES) {
    problems.add(at, `the file '${path}' is larger than ${MAX_SPEC_BYTES / 1024} KiB`)
    return undefined
  }
  const file = relative(realpathSync(workspace), real)
  return {
    text: readFileSync(real, 'utf8'),
    file: confined || !file.startsWith('..') ? file : real
  }
}

/** Certificate PEM from workspace files; every private key is handed to `onSecret` to be masked. */
function resolveCertificates(
  spec: Spec,
  workspace: string,
  problems: Problems,
  onSecret: (value: string) => void,
  confined: boolean
): void {
  for (const c of spec.certificates) {
    const file = (path: string | undefined): string | undefined =>
      path === undefined
        ? undefined
        : readWorkspaceFile(path, workspace, `certificates.${c.name}`, problems, confined)?.text
    c.chain = c.chain ?? file(c.chain_file)
    c.pkey = c.pkey ?? file(c.pkey_file)
    // Whichever field a key arrives through (chain and pkey swapped, a key in the chain file),
    // it is masked before the API can quote it back.
    if (c.pkey) onSecret(c.pkey)
    maskPrivateKeys(c.pkey, onSecret)
    maskPrivateKeys(c.chain, onSecret)
  }
}

const PEM_KEY_RE =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g

/**
 * Every PEM private key in a text, masked whole and line by line (a log line holds one line
 * of it); lines of four characters or more, so a short base64 tail is covered too.
 */
export function maskPrivateKeys(text: string | undefined, onSecret: (value: string) => void): void {
  for (const block of text?.match(PEM_KEY_RE) ?? []) {
    onSecret(block)
    for (const line of block.split(/\r?\n/))
      if (line.trim().length >= 4 && !line.startsWith('-----')) onSecret(line.trim())
  }
}

/** The desired state, or undefined when neither a spec nor shorthand inputs were given. */
export function loadSpec(input: SpecInput): Spec | undefined {
  const problems = new Problems()
  const specText = input.spec?.trim() ?? ''
  if (specText && hasShorthand(input.shorthand)) {
    throw new SpecError([
      {
        file: "input 'spec'",
        message: 'give either a spec or the shorthand inputs (name, image, ports, ...), not both'
      }
    ])
  }
  let spec: Spec | undefined
  const onSecret = input.onSecret ?? (() => {})
  // secret-env is the workflow's: its values reach every instance, and the spec may name them.
  const secrets =
    specText || hasShorthand(input.shorthand)
      ? parseKeyValues(input.secretEnv ?? [], 'secret-env', problems, input.env, true)
      : {}
  const ctx: ReadCtx = {
    problems,
    env: { ...input.env, ...secrets },
    scope: input.preview ? previewScope(input.previewEnv ?? [], Object.keys(secrets)) : undefined,
    // A value read through a variable named like a secret is masked wherever it is printed.
    onExpanded: (sub) => {
      if (SECRET_NAME.test(sub.name) && sub.value.trim().length >= 4) onSecret(sub.value.trim())
    }
  }
  if (specText) {
    const source = looksInline(specText)
      ? { text: input.spec!, file: 'spec' }
      : readWorkspaceFile(specText, input.workspace, "input 'spec'", problems, input.confined)
    if (source) {
      const root = parseYaml(source.text, source.file, problems)
      const leftOut = root && input.preview ? withoutCertificates(root) : []
      if (root) spec = readSpec(root, source.file, ctx)
      if (spec && leftOut.length > 0) spec.leftOutCertificates = leftOut
    }
  } else if (hasShorthand(input.shorthand)) {
    spec = shorthandSpec(input.shorthand, problems, input.env, ctx.scope)
  }
  if (spec) {
    checkSpec(spec, problems)
    resolveCertificates(spec, input.workspace, problems, onSecret, input.confined ?? true)
    for (const inst of spec.instances) {
      inst.env = { ...inst.env, ...secrets }
      for (const value of Object.values(inst.env)) maskPrivateKeys(value, onSecret)
    }
  }
  problems.throwIfAny()
  return spec
}
