/** Preview names: `-pr<N>` within the naming rules, a short hash for what had to be cut. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { hasPreviewSuffix, previewName, previewPr } from '../../src/spec/preview.js'
import { checkName } from '../../src/ukc/names.js'

describe('previewName', () => {
  it('appends -pr<N>', () => {
    expect(previewName('api', 12)).toBe('api-pr12')
    expect(previewName('a.b', 3)).toBe('a.b-pr3')
  })

  it('cuts a long label and keeps it unique with a hash', () => {
    const long = `a${'b'.repeat(61)}` // 62 characters: no room for -pr1234
    const n = previewName(long, 1234)
    expect(n.length).toBeLessThanOrEqual(63)
    expect(n).toMatch(/^ab+-[0-9a-f]{6}-pr1234$/)
    expect(previewName(`${long}x`, 1234)).not.toBe(n.replace(/x$/, ''))
    expect(checkName(n)).toBe(n)
  })

  it('always yields a valid name that carries the suffix, for any valid name and PR', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,20}(-[a-z0-9]{1,20}){0,3}$/)
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 999999 }),
        (labels, pr) => {
          const name = labels.join('.')
          fc.pre(name.length <= 100)
          const p = previewName(name, pr)
          expect(checkName(p)).toBe(p)
          expect(previewPr(p)).toBe(pr)
          expect(hasPreviewSuffix(p)).toBe(true)
        }
      )
    )
  })

  it('tells preview objects (and their surges) from everything else', () => {
    expect(previewPr('api-pr7')).toBe(7)
    expect(previewPr('api-pr7-surge-0a1b2c3')).toBe(7)
    expect(previewPr('api')).toBeUndefined()
    expect(previewPr('spring-pr')).toBeUndefined()
  })
})
