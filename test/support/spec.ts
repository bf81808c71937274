/** Specs for in-process tests, through the real loader (defaults filled, checks applied). */
import { tmpdir } from 'node:os'
import type { Spec } from '../../src/spec/schema.js'
import { loadSpec } from '../../src/spec/load.js'

/** A spec from inline YAML or JSON (call `loadYamlParser()` once, in beforeAll). */
export function specOf(text: string, env: Record<string, string> = {}): Spec {
  const spec = loadSpec({ spec: text, shorthand: {}, workspace: tmpdir(), env })
  if (!spec) throw new Error('no spec')
  return spec
}
