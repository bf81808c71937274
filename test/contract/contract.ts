/**
 * The contract: the official classic OpenAPI document (vendored by scripts/vendor-openapi.ts)
 * with the corrections of overlay.ts, compiled with a real JSON Schema validator (ajv,
 * draft 2020-12, the dialect of OpenAPI 3.1). Request bodies are checked closed — the API
 * rejects members it does not know (ukc-api.md §2) — answers open, as the SDKs read them.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { JournalEntry } from '../../emulator/faults.js'
import { corrections, type Operations, type Schema } from './overlay.js'

const vendored = JSON.parse(
  readFileSync(new URL('./openapi/ukc-classic-0.6.0.operations.json', import.meta.url), 'utf8')
) as { operations: Operations }

/** Objects with declared members accept no others (requests only). */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed)
  if (node === null || typeof node !== 'object') return node
  const out: Schema = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]))
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false
  return out
}

/** Operations as the document has them, corrected. */
export function contractOperations(): Operations {
  const ops = structuredClone(vendored.operations)
  for (const c of corrections) c.apply(ops)
  return ops
}

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020

function validator(): Ajv2020 {
  // Unknown keywords and formats are errors (strictSchema); the authoring lints that the
  // document's style trips (a `required` inside `oneOf`, `maxProperties` beside a string
  // type) are off: they judge how a schema is written, not what it accepts.
  const ajv = new Ajv2020({
    allErrors: true,
    strictSchema: true,
    strictRequired: false,
    strictTypes: false,
    allowUnionTypes: true
  })
  addFormats(ajv)
  // The document's own vocabulary: `example` is documentation; `basename` is an object name
  // (the seed's rules are checked by the client before sending); `int32` a 32-bit integer.
  ajv.addKeyword('example')
  ajv.addFormat('basename', /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i)
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31
  })
  return ajv
}

export interface Checked {
  operation: string
  problems: string[]
}

const words = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim())

export class Contract {
  private readonly ops = contractOperations()
  private readonly ajv = validator()
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly templates = Object.keys(this.ops).map((key) => {
    const [method, path] = key.split(' ')
    const re = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`)
    return { key, method, re, literal: !path.includes('{') }
  })

  private compile(id: string, schema: Schema): ValidateFunction {
    let v = this.compiled.get(id)
    if (!v) {
      v = this.ajv.compile(schema)
      this.compiled.set(id, v)
    }
    return v
  }

  /** `GET /v1/instances/<uuid>` → `GET /instances/{uuid}`; literal paths win over templates. */
  operationOf(method: string, path: string): string | undefined {
    const p = path.replace(/^\/v1/, '')
    const hits = this.templates.filter((t) => t.method === method && t.re.test(p))
    return (hits.find((t) => t.literal) ?? hits[0])?.key
  }

  /** What is wrong with a request, by the corrected document; empty when nothing is. */
  request(method: string, path: string, body: unknown, query = ''): Checked {
    const operation = this.operationOf(method, path)
    if (!operation)
      return {
        operation: `${method} ${path}`,
        problems: ['no source documents this operation']
      }
    const op = this.ops[operation]
    const problems: string[] = []
    if (body !== undefined) {
      if (!op.request) problems.push('the operation takes no body')
      else {
        const v = this.compile(`req ${operation}`, closed(op.request) as Schema)
        if (!v(body)) problems.push(...words(v.errors))
      }
    } else if (op.requestRequired) problems.push('the operation needs a body')
    for (const [key, value] of new URLSearchParams(query)) {
      const param = op.query?.[key]
      if (!param) {
        problems.push(`query parameter '${key}' is not one the operation takes`)
        continue
      }
      const schema = param.schema
      const typed =
        schema.type === 'boolean'
          ? value === 'true'
            ? true
            : value === 'false'
              ? false
              : value
          : schema.type === 'integer'
            ? Number(value)
            : value
      const v = this.compile(`query ${operation} ${key}`, schema)
      if (!v(typed)) problems.push(...words(v.errors).map((w) => `?${key}: ${w}`))
    }
    return { operation, problems }
  }

  /** What is wrong with a 200 answer, by the corrected document. */
  response(method: string, path: string, body: unknown): Checked {
    const operation = this.operationOf(method, path) ?? `${method} ${path}`
    const schema = this.ops[operation]?.response
    if (!schema) return { operation, problems: [] }
    const v = this.compile(`res ${operation}`, schema)
    return { operation, problems: v(body) ? [] : words(v.errors) }
  }

  /** Every problem in a journal of requests the emulator answered. */
  audit(journal: JournalEntry[]): string[] {
    return journal.flatMap((e) => {
      const body = typeof e.body === 'string' ? e.body : e.body
      const req = this.request(e.method, e.path, body, e.query)
      const out = req.problems.map((p) => `${e.method} ${e.path} request: ${p}`)
      if (e.status === 200 && e.response !== undefined)
        out.push(
          ...this.response(e.method, e.path, e.response).problems.map(
            (p) => `${e.method} ${e.path} answer: ${p}`
          )
        )
      return out
    })
  }

  /** The operations a journal touched (what the suite covers). */
  covered(journal: JournalEntry[]): Set<string> {
    return new Set(
      journal.map((e) => this.operationOf(e.method, e.path) ?? `${e.method} ${e.path}`)
    )
  }
}
