/** The release script: the version's four homes agree, and a bump moves them together. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { bump, disagreements, movingTags, notes, readVersions } from '../../scripts/release.js'
import { VERSION } from '../../src/version.js'

/** A copy of the four files the version lives in. */
function copy(): string {
  const root = mkdtempSync(join(tmpdir(), 'ukc-release-'))
  mkdirSync(join(root, 'src'))
  for (const f of ['package.json', 'package-lock.json', 'CHANGELOG.md', 'src/version.ts'])
    cpSync(f, join(root, f))
  return root
}

describe('the repository', () => {
  it('package.json, its lock, src/version.ts and CHANGELOG.md carry one version', () => {
    expect(disagreements('.')).toEqual([])
    expect(readVersions('.').packageJson).toBe(VERSION)
  })

  it('has release notes for that version', () => {
    expect(notes('.', VERSION)).toMatch(/### Added/)
  })
})

/** The copy's CHANGELOG with exactly `entries` under Unreleased (whatever the repository has). */
function withUnreleased(root: string, entries: string): string {
  const file = join(root, 'CHANGELOG.md')
  const log = readFileSync(file, 'utf8')
  writeFileSync(
    file,
    log.replace(/## \[Unreleased\][\s\S]*?(?=\n## \[)/, `## [Unreleased]\n${entries}`)
  )
  return root
}

describe('bump', () => {
  it('moves the Unreleased entries under the new version and sets it everywhere', () => {
    const root = withUnreleased(copy(), '\n### Fixed\n\n- A thing.\n')
    bump(root, '1.0.0', '2027-01-02')
    expect(disagreements(root)).toEqual([])
    expect(readVersions(root).versionTs).toBe('1.0.0')
    expect(notes(root, '1.0.0')).toBe('### Fixed\n\n- A thing.')
    const after = readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
    expect(after).toContain('## [Unreleased]\n\n## [1.0.0] - 2027-01-02\n\n### Fixed')
    expect(after).toContain(`## [${VERSION}]`)
    expect(disagreements(root, 'v1.0.0')).toEqual([])
    expect(disagreements(root, 'v1.0.1')).toEqual([
      'the tag v1.0.1 is not v1.0.0, the version the sources carry'
    ])
  })

  it.each([
    ['not a version', 'v2', /is not a version/],
    ['not newer', '0.0.9', /is not newer than/]
  ])('refuses %s', (_, next, message) => {
    expect(() => bump(copy(), next, '2027-01-02')).toThrow(message)
  })

  it('refuses a release with nothing under Unreleased', () => {
    expect(() => bump(withUnreleased(copy(), ''), '9.0.0', '2027-01-02')).toThrow(
      /nothing under Unreleased/
    )
  })

  it('refuses when the files disagree already', () => {
    const root = copy()
    writeFileSync(join(root, 'src/version.ts'), "export const VERSION = '0.0.1'\n")
    expect(() => bump(root, '9.0.0', '2027-01-02')).toThrow(/src\/version.ts says 0.0.1/)
  })
})

it('moves the major and minor tags', () => {
  expect(movingTags('1.4.2')).toEqual(['v1', 'v1.4'])
})
