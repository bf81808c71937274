/**
 * Bad input, any bad input, gets a clear error: property tests over spec text, spec values,
 * ports and every action input. Spec and inputs are read before any client exists, so an
 * error here is also proof that no request was sent.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { InputError, readInputs } from '../../src/inputs.js'
import { PLAIN_WORDS } from '../../src/fields.js'
import { loadSpec } from '../../src/spec/load.js'
import { loadYamlParser } from '../../src/spec/yaml.js'

beforeAll(loadYamlParser)
import { SpecError } from '../../src/spec/problems.js'
import { parsePort } from '../../src/spec/services.js'
import { parseMemory } from '../../src/spec/shorthand.js'

const load = (spec: string) =>
  loadSpec({ spec, shorthand: {}, workspace: process.cwd(), env: { SET: 'x' } })

/** Either a spec, or a SpecError whose every problem says where and what. */
function loadsOrExplains(text: string): void {
  try {
    load(text)
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError)
    for (const p of (err as SpecError).problems) {
      expect(p.file).toBeTruthy()
      expect(p.message.length).toBeGreaterThan(5)
    }
  }
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('${UNSET_VAR}'),
  fc.constant('${SET}')
)
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 })
  )
})).v
const key = fc.constantFrom(
  'name',
  'image',
  'memory_mb',
  'vcpus',
  'args',
  'env',
  'service_group',
  'volumes',
  'scale_to_zero',
  'restart_policy',
  'features',
  'replicas',
  'port',
  'destination_port',
  'handlers',
  'services',
  'domains',
  'size_mb',
  'at',
  'colour'
)
const specLike = fc.record(
  {
    instances: fc.array(fc.dictionary(key, value, { maxKeys: 6 }), { maxLength: 3 }),
    service_groups: fc.array(fc.dictionary(key, value, { maxKeys: 4 }), { maxLength: 2 }),
    volumes: fc.array(fc.dictionary(key, value, { maxKeys: 3 }), { maxLength: 2 })
  },
  { requiredKeys: [] }
)

describe('spec parsing never crashes', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }).map((s) => `${s}\n`),
        loadsOrExplains
      ),
      { numRuns: 300 }
    )
  })

  it('on spec-shaped documents with wrong types, unknown keys and unset variables (YAML and JSON)', () => {
    fc.assert(
      fc.property(specLike, fc.boolean(), (doc, asJson) =>
        loadsOrExplains(asJson ? `${JSON.stringify(doc)}\n` : stringify(doc))
      ),
      { numRuns: 400 }
    )
  })

  it('on YAML tags, anchors and nesting meant to hurt', () => {
    for (const text of [
      'instances: !!js/function "function(){}"\n',
      'a: &a [*a]\n',
      'x: !custom 1\n',
      `${'- '.repeat(200)}x\n`,
      'a: &a ["lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n',
      `instances: [${'{}, '.repeat(5000)}]\n`
    ])
      loadsOrExplains(text)
  })

  it('refuses a spec larger than 1 MiB', () => {
    expect(() => load(`instances:\n${'  - { name: a, image: b }\n'.repeat(50000)}`)).toThrow(
      /larger than 1024 KiB/
    )
  })
})

describe('ports and sizes', () => {
  it('parsePort yields valid services or a message, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc
            .tuple(fc.integer({ min: -5, max: 70000 }), fc.integer({ min: -5, max: 70000 }))
            .map(([a, b]) => `${a}:${b}`)
        ),
        (text) => {
          const r = parsePort(text)
          if (typeof r === 'string') expect(r.length).toBeGreaterThan(5)
          else
            for (const s of r)
              expect(
                s.port >= 1 &&
                  s.port <= 65535 &&
                  s.destination_port! >= 1 &&
                  s.destination_port! <= 65535
              ).toBe(true)
        }
      )
    )
  })

  it('parseMemory yields MiB or a message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), (t) =>
        expect(['number', 'string']).toContain(typeof parseMemory(t))
      )
    )
  })
})

describe('inputs', () => {
  const names = [
    'token',
    'metro',
    'api-url',
    'command',
    'spec',
    'name',
    'image',
    'memory',
    'vcpus',
    'ports',
    'replicas',
    'scale-to-zero',
    'restart-policy',
    'names',
    'wait',
    'timeout',
    'drain-timeout',
    'strategy',
    'health-check',
    'on-failure',
    'preview',
    'fail-on',
    'comment',
    'environment',
    'dry-run'
  ]
  it('any combination of values gives Inputs or an InputError naming the inputs', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...names),
          fc.oneof(
            fc.string({ maxLength: 10 }),
            fc.constantFrom('true', 'false', 'deploy', 'sweep', '0', '-1', '99999', 'rolling')
          )
        ),
        (values) => {
          try {
            const inputs = readInputs((n) => values[n] ?? '', {})
            expect(inputs.token).toBeTruthy()
          } catch (err) {
            expect(err).toBeInstanceOf(InputError)
            for (const p of (err as InputError).problems)
              expect(p(PLAIN_WORDS)).toMatch(/^[a-z-]+: /)
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})
