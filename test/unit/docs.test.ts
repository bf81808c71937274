/** README's inputs and outputs tables match action.yml, so the docs cannot drift. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { OUTPUT_NAMES } from '../../src/report/outputs.js'

const root = new URL('../../', import.meta.url)
const action = parse(readFileSync(new URL('action.yml', root), 'utf8'))
const readme = readFileSync(new URL('README.md', root), 'utf8')

function tableNames(marker: string): string[] {
  const block = readme.slice(
    readme.indexOf(`<!-- ${marker}:start`),
    readme.indexOf(`<!-- ${marker}:end`)
  )
  return [...block.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1])
}

describe('README', () => {
  it('lists every input of action.yml, in order', () => {
    expect(tableNames('inputs')).toEqual(Object.keys(action.inputs))
  })

  it('lists every output of action.yml, and the action sets exactly those', () => {
    expect(tableNames('outputs')).toEqual(Object.keys(action.outputs))
    expect([...OUTPUT_NAMES]).toEqual(Object.keys(action.outputs))
  })

  it('gives every boolean input a default (getBooleanInput throws on empty)', () => {
    for (const name of ['wait', 'comment'])
      expect(['true', 'false']).toContain(action.inputs[name].default)
  })

  it('runs on node24 from dist/index.js', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('starts with the two commands that set everything up', () => {
    const top = readme.split('\n').slice(0, 15).join('\n')
    expect(top).toContain('npm ci && npm run demo')
    expect(top).toContain('npm ci && npm test')
  })
})
