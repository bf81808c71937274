/** Issue #17's yardstick, kept: engine functions stay short and take few parameters. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { functionSizes } from '../../scripts/function-sizes.js'

describe('the engine', () => {
  const sizes = functionSizes('src/engine')
  it('has no function longer than 60 lines', () => {
    expect(sizes.filter((f) => f.lines > 60).map((f) => `${f.file} ${f.name}: ${f.lines}`)).toEqual(
      []
    )
  })
  it('has no function taking more than 5 parameters', () => {
    expect(
      sizes.filter((f) => f.params > 5).map((f) => `${f.file} ${f.name}: ${f.params}`)
    ).toEqual([])
  })
  it('imports nothing of the action, the CLI or @actions/core', () => {
    const files = [...new Set(sizes.map((f) => f.file))]
    expect(files.length).toBeGreaterThan(10)
    const upward = files.filter((f) =>
      /from '(?:\.\.\/)+(?:inputs|main|invoke|options|cli\/[^']*|github\/[^']*)\.js'|from '@actions\/core'/.test(
        readFileSync(f, 'utf8')
      )
    )
    expect(upward).toEqual([])
  })
})
