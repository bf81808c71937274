/** The preview comment's size: trimmed by rows, never mid-row, with the header and footer kept. */
import { describe, expect, it } from '@jest/globals'
import type { ObjectResult, RunResult } from '../../src/engine/types.js'
import { MAX_COMMENT, renderComment } from '../../src/github/comment.js'

const row = (i: number): ObjectResult => ({
  kind: 'instance',
  name: `api-${i}`,
  action: 'failed',
  state: 'stopped',
  fqdns: [],
  createdByRun: false,
  error: `the app exited with code 1 ${'x'.repeat(200)}`,
  logTail: Array.from({ length: 40 }, (_, n) => `log line ${n}`).join('\n')
})
const result = (n: number): RunResult => ({
  command: 'deploy',
  status: 'error',
  failed: true,
  objects: Array.from({ length: n }, (_, i) => row(i)),
  plan: [],
  notes: []
})
const ctx = { pr: 5, sha: 'ec26c3e'.padEnd(40, '0'), closed: false }

describe('renderComment', () => {
  it('keeps a small comment whole', () => {
    const body = renderComment('ukc.yml', result(3), ctx)
    expect(body).not.toContain('more row')
    expect(body.match(/Console of api-\d+ \(last 15 lines\)/g)).toHaveLength(3)
  })

  it('trims a long one by rows: headline, the first failures and the footer stay, the rest are counted', () => {
    const body = renderComment('ukc.yml', result(400), ctx)
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT)
    expect(body).toContain('### ❌ Preview of #5 failed — nothing is running')
    expect(body).toContain('**api-0** ❌')
    expect(body.trimEnd()).toMatch(/<sub>failed at ec26c3e · ukc-deploy<\/sub>$/)
    const more = /…and (\d+) more rows in the job summary/.exec(body)
    expect(more).not.toBeNull()
    // Every part is either shown whole or counted: 400 fault blocks and 400 table rows.
    const shown =
      (body.match(/\*\*api-\d+\*\* ❌/g) ?? []).length +
      (body.match(/^\| api-\d+ \|/gm) ?? []).length
    expect(shown + Number(more![1])).toBe(800)
    // No block is cut in half.
    expect((body.match(/<details>/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length)
  })
})
