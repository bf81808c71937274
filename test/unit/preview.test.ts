/** Preview names: `-pr<N>-<owner tag>` within the naming rules, a short hash for what had to be cut. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { isPreviewOf, ownerTag, previewName, previewPr } from '../../src/spec/preview.js'
import { checkName } from '../../src/ukc/names.js'

const A = 'acme/shop'
const B = 'other/shop'
const tag = ownerTag(A)

describe('previewName', () => {
  it('appends -pr<N> and the repository tag', () => {
    expect(tag).toMatch(/^[0-9a-f]{6}$/)
    expect(ownerTag('ACME/Shop')).toBe(tag)
    expect(ownerTag(B)).not.toBe(tag)
    expect(previewName('api', { repository: A, pr: 12 })).toBe(`api-pr12-${tag}`)
    expect(previewName('a.b', { repository: A, pr: 3 })).toBe(`a.b-pr3-${tag}`)
  })

  it('cuts a long label and keeps it unique with a hash', () => {
    const long = `a${'b'.repeat(61)}` // 62 characters: no room for the suffix
    const n = previewName(long, { repository: A, pr: 1234 })
    expect(n.length).toBeLessThanOrEqual(63)
    expect(n).toMatch(new RegExp(`^ab+-[0-9a-f]{6}-pr1234-${tag}$`))
    expect(previewName(`${long}x`, { repository: A, pr: 1234 })).not.toBe(n.replace(/x$/, ''))
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
          const p = previewName(name, { repository: A, pr })
          expect(checkName(p)).toBe(p)
          expect(previewPr(p, A)).toBe(pr)
          expect(isPreviewOf(p, { repository: A, pr })).toBe(true)
          expect(previewPr(p, B)).toBeUndefined()
        }
      )
    )
  })

  it("tells this repository's preview objects (and their surges) from everything else", () => {
    expect(previewPr(`api-pr7-${tag}`, A)).toBe(7)
    expect(previewPr(`api-pr7-${tag}-surge-0a1b2c3`, A)).toBe(7)
    expect(previewPr(`api-pr7-${tag}`, B)).toBeUndefined()
    expect(previewPr('api-pr7', A)).toBeUndefined()
    expect(previewPr('backup-pr1', A)).toBeUndefined()
    expect(previewPr('api', A)).toBeUndefined()
    expect(previewPr('spring-pr', A)).toBeUndefined()
  })
})
