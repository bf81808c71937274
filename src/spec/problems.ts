/**
 * Problems with what the user wrote, collected rather than thrown one at a time, so a run
 * reports every mistake at once. Each names where it is (input, or file:line:column).
 */

export interface Where {
  /** The input the text came from (`spec`, `ports`, ...), or a file path. */
  file: string
  line?: number
  column?: number
}

export interface Problem extends Where {
  /** Field path inside the spec, e.g. `instances[0].memory_mb`. */
  path?: string
  message: string
}

export function formatProblem(p: Problem): string {
  const at =
    p.line !== undefined
      ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}`
      : p.file
  return `${at}: ${p.path ? `${p.path}: ` : ''}${p.message}`
}

/** Thrown once all problems are known; the message lists every one. */
export class SpecError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      problems.length === 1
        ? formatProblem(problems[0])
        : `${problems.length} problems:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`
    )
    this.name = 'SpecError'
  }
}

export class Problems {
  readonly list: Problem[] = []

  add(where: Where, message: string, path?: string): void {
    this.list.push({ ...where, path, message })
  }

  get empty(): boolean {
    return this.list.length === 0
  }

  throwIfAny(): void {
    if (!this.empty) throw new SpecError(this.list)
  }
}
