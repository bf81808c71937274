/**
 * Releases: the version lives in package.json (and its lock), src/version.ts and CHANGELOG.md;
 * this keeps the four together.
 *
 *   npx tsx scripts/release.ts check [--tag v1.2.3]   # they agree (and match the pushed tag)
 *   npx tsx scripts/release.ts bump 1.2.3 [--date YYYY-MM-DD]
 *   npx tsx scripts/release.ts notes 1.2.3            # that version's CHANGELOG section
 *   npx tsx scripts/release.ts tags 1.2.3             # the moving tags: v1 v1.2
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/
const RELEASED = /^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/m
const UNRELEASED = '## [Unreleased]'

export interface Versions {
  packageJson: string
  packageLock: string
  versionTs: string
  /** The newest version CHANGELOG.md has released. */
  changelog: string | undefined
}

const read = (root: string, file: string): string => readFileSync(join(root, file), 'utf8')

export function readVersions(root: string): Versions {
  const lock = JSON.parse(read(root, 'package-lock.json')) as {
    version: string
    packages: Record<string, { version?: string }>
  }
  return {
    packageJson: (JSON.parse(read(root, 'package.json')) as { version: string }).version,
    packageLock:
      lock.version === lock.packages['']?.version
        ? lock.version
        : `${lock.version} / ${lock.packages['']?.version}`,
    versionTs:
      /export const VERSION = '([^']*)'/.exec(read(root, 'src/version.ts'))?.[1] ?? '(none)',
    changelog: RELEASED.exec(read(root, 'CHANGELOG.md'))?.[1]
  }
}

/** What disagrees, in words; empty when package.json, its lock, version.ts and CHANGELOG.md agree (and the tag, if given). */
export function disagreements(root: string, tag?: string): string[] {
  const v = readVersions(root)
  const problems: string[] = []
  if (!SEMVER.test(v.packageJson))
    problems.push(`package.json version '${v.packageJson}' is not X.Y.Z`)
  if (v.packageLock !== v.packageJson)
    problems.push(`package-lock.json says ${v.packageLock}, package.json ${v.packageJson}`)
  if (v.versionTs !== v.packageJson)
    problems.push(`src/version.ts says ${v.versionTs}, package.json ${v.packageJson}`)
  if (v.changelog !== v.packageJson)
    problems.push(
      `CHANGELOG.md's newest release is ${v.changelog ?? '(none)'}, package.json says ${v.packageJson}`
    )
  if (tag !== undefined && tag !== `v${v.packageJson}`)
    problems.push(`the tag ${tag} is not v${v.packageJson}, the version the sources carry`)
  return problems
}

const parts = (v: string): number[] => SEMVER.exec(v)!.slice(1).map(Number)

function isNewer(next: string, current: string): boolean {
  const [a, b] = [parts(next), parts(current)]
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i]
  return false
}

/** The text under `## [Unreleased]`, up to the next section. */
function unreleased(changelog: string): { start: number; end: number; body: string } {
  const start = changelog.indexOf(UNRELEASED)
  if (start < 0) throw new Error(`CHANGELOG.md has no '${UNRELEASED}' section`)
  const after = start + UNRELEASED.length
  const next = changelog.slice(after).search(/^## \[/m)
  const end = next < 0 ? changelog.length : after + next
  return { start, end, body: changelog.slice(after, end).trim() }
}

/**
 * Sets every version to `next` and moves CHANGELOG.md's Unreleased entries under it. Refuses
 * when the files disagree already, when `next` is not newer, or when nothing is unreleased.
 */
export function bump(root: string, next: string, date: string): void {
  if (!SEMVER.test(next)) throw new Error(`'${next}' is not a version (X.Y.Z)`)
  const problems = disagreements(root)
  if (problems.length > 0) throw new Error(`the versions disagree already: ${problems.join('; ')}`)
  const current = readVersions(root).packageJson
  if (!isNewer(next, current)) throw new Error(`${next} is not newer than ${current}`)
  const changelog = read(root, 'CHANGELOG.md')
  const u = unreleased(changelog)
  if (!u.body) throw new Error('CHANGELOG.md has nothing under Unreleased: say what changed first')
  writeFileSync(
    join(root, 'CHANGELOG.md'),
    `${changelog.slice(0, u.start)}${UNRELEASED}\n\n## [${next}] - ${date}\n\n${u.body}\n\n${changelog.slice(u.end)}`
  )
  const pkg = read(root, 'package.json')
  writeFileSync(
    join(root, 'package.json'),
    pkg.replace(/"version": "[^"]*"/, `"version": "${next}"`)
  )
  const lock = JSON.parse(read(root, 'package-lock.json')) as {
    version: string
    packages: Record<string, { version?: string }>
  }
  lock.version = next
  lock.packages[''].version = next
  writeFileSync(join(root, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`)
  const ts = read(root, 'src/version.ts')
  writeFileSync(
    join(root, 'src/version.ts'),
    ts.replace(/VERSION = '[^']*'/, `VERSION = '${next}'`)
  )
}

/** A released version's section of CHANGELOG.md: the GitHub release's notes. */
export function notes(root: string, version: string): string {
  const changelog = read(root, 'CHANGELOG.md')
  const heading = new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\] - .*$`, 'm')
  const m = heading.exec(changelog)
  if (!m) throw new Error(`CHANGELOG.md has no section for ${version}`)
  const rest = changelog.slice(m.index + m[0].length)
  const next = rest.search(/^## \[/m)
  return (next < 0 ? rest : rest.slice(0, next)).trim()
}

/** The tags that move with a release: `v1` and `v1.2` follow the newest `v1.2.x`. */
export function movingTags(version: string): string[] {
  const [major, minor] = parts(version)
  return [`v${major}`, `v${major}.${minor}`]
}

function main(argv: string[]): number {
  const [command, arg] = argv
  const option = (name: string): string | undefined =>
    argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined
  const root = process.cwd()
  const out = (text: string): boolean => process.stdout.write(`${text}\n`)
  if (command === 'check') {
    const problems = disagreements(root, option('--tag'))
    for (const p of problems) process.stderr.write(`release: ${p}\n`)
    if (problems.length === 0) out(`versions agree: ${readVersions(root).packageJson}`)
    return problems.length === 0 ? 0 : 1
  }
  if (command === 'bump' && arg) {
    bump(root, arg, option('--date') ?? new Date().toISOString().slice(0, 10))
    out(`bumped to ${arg}: package.json, package-lock.json, src/version.ts, CHANGELOG.md`)
    return 0
  }
  if (command === 'notes' && arg) return out(notes(root, arg.replace(/^v/, ''))) ? 0 : 1
  if (command === 'tags' && arg) return out(movingTags(arg.replace(/^v/, '')).join(' ')) ? 0 : 1
  process.stderr.write(
    'usage: release.ts check [--tag vX.Y.Z] | bump X.Y.Z [--date D] | notes X.Y.Z | tags X.Y.Z\n'
  )
  return 2
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`release: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
}
