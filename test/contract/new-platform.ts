/**
 * The new platform's contract, derived from its official SDK on npm, `@unikraft/cloud`: the
 * operations (method, path, query parameters, body and answer types) are read from the
 * generated `api/platform/*.gen.js` and `*.gen.d.ts`, and the types become JSON Schema with
 * ts-json-schema-generator. Request bodies are checked closed (the API rejects members it does
 * not know, ukc-api.md §2), answers open but for the keys of their `data`. Nothing here is
 * written by hand but `SLIPS`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { createGenerator } from 'ts-json-schema-generator'
import type { JournalEntry } from '../../emulator/faults.js'

type Schema = Record<string, unknown>

export interface NewOperation {
  /** `GET /v1/instances/{uuid}` */
  key: string
  method: string
  re: RegExp
  literal: boolean
  query: string[]
  /** The model type of the body (`X[]` for an array), if the operation takes one. */
  body?: string
  /** The model type of the answer. */
  answer?: string
}

const require = createRequire(import.meta.url)
const platformDir = join(
  dirname(require.resolve('@unikraft/cloud/package.json')),
  'dist/esm/api/platform'
)

/** `name(…) { return this.request({ method: "GET", path: `/v1/…`, query: {…}, body: … }` */
function operationsOf(js: string, dts: string): NewOperation[] {
  const out: NewOperation[] = []
  const call =
    /(\w+)\([^)]*\)\s*\{\s*return this\.request\(\{\s*method: "(\w+)",\s*path: `([^`]+)`,([\s\S]*?)\}, params\);/g
  for (const m of js.matchAll(call)) {
    const [, name, method, rawPath, rest] = m
    const path = rawPath.replace(/\$\{(\w+)\}/g, '{$1}')
    const query = [
      ...(/query: \{([\s\S]*?)\}/.exec(rest)?.[1] ?? '').matchAll(/(\w+): params/g)
    ].map((q) => q[1])
    const decl = new RegExp(`\\b${name}\\(([\\s\\S]*?)\\): Promise<models\\.(\\w+)>;`).exec(dts)
    const body = rest.includes('body:')
      ? /body\??: models\.(\w+(?:\[\])?)/.exec(decl?.[1] ?? '')?.[1]
      : undefined
    out.push({
      key: `${method} ${path}`,
      method,
      re: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literal: !path.includes('{'),
      query,
      body,
      answer: decl?.[2]
    })
  }
  return out
}

export function newOperations(): NewOperation[] {
  return readdirSync(platformDir)
    .filter((f) => f.endsWith('.gen.js') && f !== 'index.gen.js' && f !== 'models.gen.js')
    .flatMap((f) =>
      operationsOf(
        readFileSync(join(platformDir, f), 'utf8'),
        readFileSync(join(platformDir, f.replace(/\.js$/, '.d.ts')), 'utf8')
      )
    )
}

/** Every model as JSON Schema (draft-07 `definitions`), objects closed. */
function modelSchemas(): Record<string, Schema> {
  const schema = createGenerator({
    path: join(platformDir, 'models.gen.d.ts'),
    type: '*',
    skipTypeCheck: true,
    expose: 'export',
    topRef: true,
    additionalProperties: false
  }).createSchema('*')
  return schema.definitions as Record<string, Schema>
}

/** The same schema with every object open (answers carry more than a client reads). */
function opened(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(opened)
  if (node === null || typeof node !== 'object') return node
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, opened(v)]))
  if (out.additionalProperties === false) delete out.additionalProperties
  return out
}

/**
 * Answers open — but not their `data`: a list under a key the SDK does not read is a list the
 * client never sees (issue 28: templates answered under `data.templates` passed until the
 * SDK's `data.instances` was read by hand). So every `*ResponseData` stays closed at its top.
 */
function answerSchemas(definitions: Record<string, Schema>): Record<string, Schema> {
  return Object.fromEntries(
    Object.entries(opened(definitions) as Record<string, Schema>).map(([name, d]) => [
      name,
      name.endsWith('ResponseData') && d.type === 'object'
        ? { ...d, additionalProperties: false }
        : d
    ])
  )
}

/**
 * Where the generated types are stricter than the API they describe, each with its source
 * (like overlay.ts for the classic document): the answer is narrowed before it is checked.
 */
export const SLIPS = [
  {
    what: 'error items carry only status, message, error and the object asked for, not the resource fields the item types require',
    source: 'ukc-api.md §3.2 (per-item fields); every SDK reads `status` before the resource'
  },
  {
    what: 'with `details=false` a list answers only uuid and name for each object',
    source: 'ukc-api.md §4 (query `details`); the SDK types the answer as the full resource'
  }
] as const

function narrowed(body: unknown, query: string): unknown {
  const data = (body as { data?: Record<string, unknown> } | null)?.data
  if (!data || typeof data !== 'object') return body
  const brief = new URLSearchParams(query).get('details') === 'false'
  const lists = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [
      k,
      Array.isArray(v)
        ? brief
          ? []
          : v.filter((i) => (i as { status?: string } | null)?.status !== 'error')
        : v
    ])
  )
  return { ...(body as object), data: lists }
}

const words = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty
    return `${e.instancePath || '(root)'} ${e.message ?? ''}${extra ? `: '${extra}'` : ''}`.trim()
  })

export interface Checked {
  operation: string
  problems: string[]
}

export class NewContract {
  readonly operations = newOperations()
  private readonly definitions = modelSchemas()
  private readonly closedAjv = this.ajv(this.definitions)
  private readonly openAjv = this.ajv(answerSchemas(this.definitions))
  private readonly compiled = new Map<string, ValidateFunction>()

  private ajv(definitions: Record<string, Schema>): Ajv {
    const ajv = new Ajv({ allErrors: true, strict: false })
    ajv.addSchema({ $id: 'models', definitions })
    return ajv
  }

  private validator(type: string, open: boolean): ValidateFunction {
    const id = `${open ? 'open' : 'closed'} ${type}`
    let v = this.compiled.get(id)
    if (!v) {
      const ref = { $ref: `models#/definitions/${type.replace(/\[\]$/, '')}` }
      const ajv = open ? this.openAjv : this.closedAjv
      v = ajv.compile(type.endsWith('[]') ? { type: 'array', items: ref } : ref)
      this.compiled.set(id, v)
    }
    return v
  }

  /** `GET /v1/instances/<uuid>` → its operation; literal paths win over templates. */
  operationOf(method: string, path: string): NewOperation | undefined {
    const hits = this.operations.filter((o) => o.method === method && o.re.test(path))
    return hits.find((o) => o.literal) ?? hits[0]
  }

  /** What is wrong with a request by the SDK's types; empty when nothing is. */
  request(method: string, path: string, body: unknown, query = ''): Checked {
    const op = this.operationOf(method, path)
    if (!op) return { operation: `${method} ${path}`, problems: ['the SDK has no such operation'] }
    const problems: string[] = []
    if (body !== undefined) {
      if (!op.body) problems.push('the operation takes no body (the SDK sends none)')
      else {
        const v = this.validator(op.body, false)
        if (!v(body)) problems.push(...words(v.errors))
      }
    }
    for (const key of new URLSearchParams(query).keys())
      if (!op.query.includes(key))
        problems.push(`query parameter '${key}' is not one the operation takes`)
    return { operation: op.key, problems: [...new Set(problems)] }
  }

  /** What is wrong with a 200 answer by the SDK's types (narrowed by `SLIPS`). */
  response(method: string, path: string, body: unknown, query = ''): Checked {
    const op = this.operationOf(method, path)
    if (!op?.answer) return { operation: `${method} ${path}`, problems: [] }
    const v = this.validator(op.answer, true)
    return { operation: op.key, problems: v(narrowed(body, query)) ? [] : words(v.errors) }
  }

  audit(journal: JournalEntry[]): string[] {
    return journal.flatMap((e) => {
      const req = this.request(e.method, e.path, e.body, e.query)
      const out = req.problems.map((p) => `${e.method} ${e.path}${e.query} request: ${p}`)
      if (e.status === 200 && e.response !== undefined)
        out.push(
          ...this.response(e.method, e.path, e.response, e.query).problems.map(
            (p) => `${e.method} ${e.path} answer: ${p}`
          )
        )
      return out
    })
  }

  covered(journal: JournalEntry[]): Set<string> {
    return new Set(
      journal.map((e) => this.operationOf(e.method, e.path)?.key ?? `${e.method} ${e.path}`)
    )
  }
}
