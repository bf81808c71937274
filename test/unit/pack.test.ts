/** What `npm publish` may upload: the CLI's files only (scripts/check-pack.ts). */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { packProblems } from '../../scripts/check-pack.js'

const pack = (...paths: string[]) => ({
  name: 'ukc-deploy',
  version: '0.1.0',
  size: 1,
  files: paths.map((path) => ({ path, size: 1 }))
})
const CLI = [
  'bin/ukc-deploy.js',
  'dist/cli/index.js',
  'dist/cli/239.index.js',
  'dist/cli/package.json'
]

describe('packProblems', () => {
  it('passes the CLI, its chunks and the docs', () => {
    expect(
      packProblems(pack(...CLI, 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'))
    ).toEqual([])
  })
  it.each([
    ['dist/cli/index.js.map', 'must not be published'],
    ['test/fixtures/app.example.com.key.pem', 'must not be published'],
    ['src/main.ts', 'must not be published'],
    ['.env', 'must not be published'],
    ['dist/index.js', "is not one of the CLI's files"]
  ])('refuses %s', (path, why) => {
    expect(packProblems(pack(...CLI, path))).toEqual([`${path} ${why}`])
  })
  it("ships every document README.md links to, so the npm page's links resolve", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const files = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        files: string[]
      }
    ).files
    const linked = [...readme.matchAll(/\]\(([A-Za-z0-9_./-]+\.md)\)/g)].map((m) => m[1])
    expect(linked.length).toBeGreaterThan(0)
    for (const doc of linked) {
      expect(files).toContain(doc)
      expect(packProblems(pack(...CLI, doc))).toEqual([])
    }
  })

  it('says what is missing', () => {
    expect(packProblems(pack('bin/ukc-deploy.js'))).toEqual([
      'dist/cli/index.js is missing',
      'dist/cli/package.json is missing'
    ])
  })
})
