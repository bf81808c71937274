/**
 * `npm run check:pack`: what `npm publish` would upload, checked before it can be. The npm
 * package is the CLI only — its launcher, the bundled CLI (with its lazily loaded chunks) and
 * the docs npm always adds — never tests, fixtures, sources, source maps, keys or env files.
 */
import { execFileSync } from 'node:child_process'

interface Packed {
  name: string
  version: string
  size: number
  files: { path: string; size: number }[]
}

const ALLOWED = [
  /^bin\/ukc-deploy\.js$/,
  /^dist\/cli\/(?:\d+\.)?index\.js$/,
  /^dist\/cli\/package\.json$/,
  /^(?:package\.json|README\.md|LICENSE|CHANGELOG\.md|FIDELITY\.md|BENCHMARKS\.md)$/
]
const FORBIDDEN = [
  /\.map$/,
  /\.ts$/,
  /^test\//,
  /fixtures/,
  /\.pem$/,
  /\.env/,
  /\.key$/,
  /\.npmrc$/
]

export function packProblems(packed: Packed): string[] {
  const problems: string[] = []
  for (const { path } of packed.files) {
    if (FORBIDDEN.some((re) => re.test(path))) problems.push(`${path} must not be published`)
    else if (!ALLOWED.some((re) => re.test(path)))
      problems.push(`${path} is not one of the CLI's files`)
  }
  for (const needed of ['bin/ukc-deploy.js', 'dist/cli/index.js', 'dist/cli/package.json'])
    if (!packed.files.some((f) => f.path === needed)) problems.push(`${needed} is missing`)
  return problems
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })
  ) as Packed[]
  for (const f of packed.files) process.stdout.write(`${String(f.size).padStart(9)}  ${f.path}\n`)
  process.stdout.write(
    `${packed.name}@${packed.version}: ${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed\n`
  )
  const problems = packProblems(packed)
  for (const p of problems) process.stderr.write(`check-pack: ${p}\n`)
  process.exitCode = problems.length === 0 ? 0 : 1
}
