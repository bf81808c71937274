/**
 * What a user sets, named once. The action calls them inputs (`the spec input`), the CLI
 * flags and environment variables (`--spec`, `UKC_TOKEN`). Errors below the front ends carry
 * the field they are about and are worded by whichever front end reports them, so no layer
 * under the action speaks of "inputs" and no front end rewrites another's messages.
 */

/** A setting, by the action's input name; `shorthand` is the one-instance inputs together. */
export type Field =
  | 'token'
  | 'github-token'
  | 'spec'
  | 'shorthand'
  | 'names'
  | 'metro'
  | 'api-url'
  | 'api-generation'
  | 'command'
  | 'timeout'
  | 'drain-timeout'
  | 'settle'
  | 'strategy'
  | 'health-check'
  | 'health-check-timeout'
  | 'runtime-budget'
  | 'preview-ttl'
  | 'sweep-ttl'
  | 'protect'
  | 'preview-env'
  | 'on-failure'
  | 'fail-on'
  | 'preview'
  | 'wait'
  | 'comment'
  | 'dry-run'

export interface Wording {
  /** How a sentence names the field: `the spec input`, `--spec`. */
  name(field: Field): string
  /** The label a problem line starts with: `spec`, `--spec`. */
  label(field: Field): string
  /**
   * Where a spec problem in an input's own text is (`input 'ports'` for the action, `--port`
   * for the CLI); the action's wording when absent.
   */
  input?(name: string): string
}

/** A message about one field, worded when it reaches the user. */
export type Worded = (words: Wording) => string

/** The neutral wording a message gets before a front end words it (and in logs of tests). */
export const PLAIN_WORDS: Wording = {
  name: (field) => `'${field}'`,
  label: (field) => field
}

/** An error whose message names settings: each front end words it for its users. */
export abstract class WordedError extends Error {
  /** The message as the given front end names things. */
  abstract worded(words: Wording): string
}

/** An error about one field the user sets (a code for programs, the field for the wording). */
export class FieldError extends WordedError {
  constructor(
    readonly code: string,
    readonly field: Field,
    private readonly text: Worded
  ) {
    super(text(PLAIN_WORDS))
    this.name = 'FieldError'
  }

  worded(words: Wording): string {
    return this.text(words)
  }
}

/** Any error's message, worded for the front end when it names settings. */
export const messageOf = (err: unknown, words: Wording): string =>
  err instanceof WordedError ? err.worded(words) : err instanceof Error ? err.message : String(err)

/** A problem line about a field: `label: what is wrong`. */
export const aboutField =
  (field: Field, text: string | Worded): Worded =>
  (w) =>
    `${w.label(field)}: ${typeof text === 'string' ? text : text(w)}`
