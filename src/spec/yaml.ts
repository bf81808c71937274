/**
 * YAML (and JSON, its subset) parsed into plain values that remember where they were
 * written, so every spec error can point at file:line:column. Parsing is safe: YAML 1.2 core
 * schema only (no tags that construct objects), unique keys, few aliases, bounded size.
 */
import type { Node } from 'yaml'
import type { Problems, Where } from './problems.js'

/**
 * The YAML parser is loaded only by runs that read a spec (a `status` by names needs none):
 * it is a large part of the bundle's start-up. `loadYamlParser()` must have resolved before
 * `parseYaml` runs; `invoke` does that.
 */
let yaml: typeof import('yaml') | undefined
export async function loadYamlParser(): Promise<void> {
  yaml ??= await import('yaml')
}

export const MAX_SPEC_BYTES = 1024 * 1024
const MAX_DEPTH = 32
const MAX_ALIASES = 100

export type PNode =
  | { kind: 'map'; where: Where; entries: Map<string, PNode>; keys: Map<string, Where> }
  | { kind: 'seq'; where: Where; items: PNode[] }
  | { kind: 'scalar'; where: Where; value: string | number | boolean | null; quoted: boolean }

export function parseYaml(text: string, file: string, problems: Problems): PNode | undefined {
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES) {
    problems.add({ file }, `the spec is larger than ${MAX_SPEC_BYTES / 1024} KiB`)
    return undefined
  }
  if (!yaml) throw new Error('internal: loadYamlParser() must run before parseYaml()')
  const { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } = yaml
  const lines = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter: lines,
    schema: 'core',
    uniqueKeys: true,
    strict: true,
    prettyErrors: false
  })
  const whereOf = (offset: number | undefined): Where => {
    if (offset === undefined) return { file }
    const pos = lines.linePos(offset)
    return { file, line: pos.line, column: pos.col }
  }
  // After the first syntax error the parser's later complaints are mostly echoes of it.
  for (const e of [...doc.errors.slice(0, 1), ...doc.warnings]) {
    const where = whereOf(e.pos?.[0])
    const line = where.line !== undefined ? (text.split('\n')[where.line - 1] ?? '') : ''
    // `${VAR}` inside `{ }` or `[ ]` reads as YAML syntax; that is the usual cause.
    const hint = /[{[][^}\]]*\$\{/.test(line)
      ? ' (inside { } or [ ], put a value with ${...} in quotes: "${VAR}")'
      : ''
    problems.add(where, `YAML: ${e.message.split('\n')[0]}${hint}`)
  }
  if (doc.errors.length > 0) return undefined
  let aliases = 0
  const EMPTY: PNode = { kind: 'scalar', where: { file }, value: null, quoted: false }
  // Aliases that refer to themselves, alias bombs and absurd nesting end in a problem, not a crash.
  const resolving = new Set<Node>()
  const convert = (node: Node | null | undefined, fallback: Where, depth = 0): PNode => {
    if (depth > MAX_DEPTH) {
      problems.add(fallback, `the document is nested more than ${MAX_DEPTH} levels deep`)
      return EMPTY
    }
    if (node && isAlias(node)) {
      const at = whereOf(node.range?.[0])
      if (++aliases > MAX_ALIASES) {
        if (aliases === MAX_ALIASES + 1) problems.add(at, `more than ${MAX_ALIASES} YAML aliases`)
        return EMPTY
      }
      const target = node.resolve(doc) as Node | undefined
      if (!target || resolving.has(target)) {
        problems.add(at, `the YAML alias *${node.source} refers to itself or to nothing`)
        return EMPTY
      }
      resolving.add(target)
      try {
        return convert(target, at, depth + 1)
      } finally {
        resolving.delete(target)
      }
    }
    const where = node?.range ? whereOf(node.range[0]) : fallback
    if (node && node.tag && !node.tag.startsWith('tag:yaml.org,2002:'))
      problems.add(where, `the YAML tag '${node.tag}' is not allowed in a spec`)
    if (node && isMap(node)) {
      const entries = new Map<string, PNode>()
      const keys = new Map<string, Where>()
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null
        const keyWhere = keyNode?.range ? whereOf(keyNode.range[0]) : where
        const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : undefined
        if (key === undefined) {
          problems.add(keyWhere, 'a key must be plain text')
          continue
        }
        entries.set(key, convert(pair.value as Node | null, keyWhere, depth + 1))
        keys.set(key, keyWhere)
      }
      return { kind: 'map', where, entries, keys }
    }
    if (node && isSeq(node))
      return {
        kind: 'seq',
        where,
        items: node.items.map((i) => convert(i as Node, where, depth + 1))
      }
    if (node && isScalar(node)) {
      const v = node.value
      const value =
        typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null
          ? v
          : String(v)
      return {
        kind: 'scalar',
        where,
        value,
        quoted: node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'
      }
    }
    return { kind: 'scalar', where, value: null, quoted: false }
  }
  return convert(doc.contents as Node | null, { file, line: 1, column: 1 })
}
