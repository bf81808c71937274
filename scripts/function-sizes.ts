/**
 * `npx tsx scripts/function-sizes.ts [dir] [--top N]`: the longest functions of a source tree
 * and those taking the most parameters (lines counted from the declaration to its closing
 * brace). Issue #17's yardstick: no engine function over about 60 lines or 5 parameters.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

export interface FunctionSize {
  file: string
  name: string
  lines: number
  params: number
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

function nameOf(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name)
    return node.name.getText()
  if (ts.isVariableDeclaration(node.parent)) return node.parent.name.getText()
  if (ts.isPropertyAssignment(node.parent)) return node.parent.name.getText()
  return '(anonymous)'
}

/** Every function-like node with a body, in every .ts file under `dir`. */
export function functionSizes(dir: string): FunctionSize[] {
  const out: FunctionSize[] = []
  for (const file of files(dir)) {
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.ES2022,
      true
    )
    const visit = (node: ts.Node): void => {
      if (
        (ts.isFunctionDeclaration(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isArrowFunction(node) ||
          ts.isFunctionExpression(node)) &&
        node.body
      ) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
        out.push({
          file: relative(process.cwd(), file),
          name: nameOf(node),
          lines: end - start + 1,
          params: node.parameters.length
        })
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'src/engine'
  const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 10
  const sizes = functionSizes(dir)
  const show = (f: FunctionSize): string =>
    `${String(f.lines).padStart(4)} lines  ${f.params} params  ${f.file} ${f.name}`
  console.log(`Longest functions in ${dir}:`)
  for (const f of [...sizes].sort((a, b) => b.lines - a.lines).slice(0, top)) console.log(show(f))
  console.log(`Most parameters:`)
  for (const f of [...sizes].sort((a, b) => b.params - a.params).slice(0, 5)) console.log(show(f))
}
