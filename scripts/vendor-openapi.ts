/**
 * Derives the contract suite's schemas from the official classic OpenAPI document
 * (../shared/reference/openapi/ukc-classic-0.6.0.json): per operation, the JSON request body,
 * the query parameters and the 200 answer, with every `$ref` resolved in place, so the suite
 * runs on a fresh clone with nothing outside the repository. The document's slips are NOT
 * fixed here: test/contract/overlay.ts corrects them, each with its source.
 *
 *   npm run vendor:openapi [-- path/to/ukc-classic-0.6.0.json]
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const SOURCE = resolve(
  process.argv[2] ?? resolve(here, '../../shared/reference/openapi/ukc-classic-0.6.0.json')
)
const TARGET = resolve(here, '../test/contract/openapi/ukc-classic-0.6.0.operations.json')

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

const doc = JSON.parse(readFileSync(SOURCE, 'utf8')) as JsonObject

/** `#/components/schemas/instance` → the object it points at. */
function pointer(ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref} is not supported`)
  return ref
    .slice(2)
    .split('/')
    .reduce<Json>((node, key) => (node as JsonObject)[key], doc)
}

/** A copy with every `$ref` replaced by what it points at (the document has no cycles). */
function inline(node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => inline(n, seen))
  if (node === null || typeof node !== 'object') return node
  if (typeof node.$ref === 'string') {
    if (seen.includes(node.$ref)) throw new Error(`$ref cycle through ${node.$ref}`)
    return inline(pointer(node.$ref), [...seen, node.$ref])
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, seen)]))
}

const json = (content: Json | undefined): Json | undefined =>
  (content as JsonObject | undefined)?.['application/json'] !== undefined
    ? ((content as JsonObject)['application/json'] as JsonObject).schema
    : undefined

const operations: Record<string, JsonObject> = {}
for (const [path, item] of Object.entries(doc.paths as JsonObject)) {
  for (const [method, raw] of Object.entries(item as JsonObject)) {
    if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue // path-level parameters
    const op = inline(raw) as JsonObject
    const out: JsonObject = { operationId: op.operationId ?? null }
    const body = op.requestBody as JsonObject | undefined
    if (body) {
      out.request = json(body.content) ?? null
      out.requestRequired = body.required === true
    }
    const query = ((op.parameters as JsonObject[] | undefined) ?? []).filter(
      (p) => p.in === 'query'
    )
    if (query.length > 0)
      out.query = Object.fromEntries(
        query.map((p) => [p.name as string, { schema: p.schema, required: p.required === true }])
      )
    const ok = (op.responses as JsonObject | undefined)?.['200'] as JsonObject | undefined
    if (ok) out.response = json(ok.content) ?? null
    operations[`${method.toUpperCase()} ${path}`] = out
  }
}

mkdirSync(dirname(TARGET), { recursive: true })
writeFileSync(
  TARGET,
  `${JSON.stringify(
    {
      source: `${String(doc['x-source'] ?? 'ukc-classic-0.6.0.json')}; derived by scripts/vendor-openapi.ts`,
      openapi: doc.openapi,
      version: (doc.info as JsonObject).version,
      operations
    },
    null,
    2
  )}\n`
)
process.stdout.write(`${Object.keys(operations).length} operations → ${TARGET}\n`)
