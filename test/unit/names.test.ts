/** The naming rules of the API brief, checked before any request. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { InvalidNameError } from '../../src/ukc/errors.js'
import { checkName, isUuid, isValidName } from '../../src/ukc/names.js'
import { toRef } from '../../src/ukc/scope.js'

describe('checkName', () => {
  it.each(['web', 'api-pr12', 'a', 'x1', 'my.app', 'web-surge-3f2a9c1'])('accepts %s', (n) => {
    expect(checkName(n)).toBe(n)
  })

  it('folds upper case to lower case', () => {
    expect(checkName('My-App')).toBe('my-app')
  })

  it.each([
    ['', 'it is empty'],
    ['a'.repeat(122), 'at most 121'],
    ['web.', 'must not end with a dot'],
    ['web_1', "'_' is not allowed"],
    ['we--b', 'consecutive hyphens or dots'],
    ['a..b', 'consecutive hyphens or dots'],
    ['1web', "the label '1web' must start with a letter"],
    ['web-', 'must end with a letter or a digit'],
    ['ok.9x', "the label '9x' must start with a letter"],
    [`${'a'.repeat(64)}`, 'at most 63']
  ])('refuses %j, saying which rule (%s)', (n, rule) => {
    expect(() => checkName(n)).toThrow(InvalidNameError)
    expect(() => checkName(n)).toThrow(rule)
  })

  it('never throws anything but InvalidNameError, and accepted names pass again unchanged', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (s) => {
        try {
          const n = checkName(s)
          expect(checkName(n)).toBe(n)
          expect(n.length).toBeLessThanOrEqual(121)
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidNameError)
        }
      })
    )
  })
})

describe('toRef', () => {
  it('tells a UUID from a name', () => {
    expect(toRef('7BECE402-C36F-457F-A165-0E2D63F1DB53')).toEqual({
      uuid: '7bece402-c36f-457f-a165-0e2d63f1db53'
    })
    expect(toRef(' Web ')).toEqual({ name: 'web' })
    expect(isUuid('7bece402-c36f-457f-a165-0e2d63f1db5')).toBe(false)
    expect(isValidName('web_1')).toBe(false)
    expect(() => toRef('web_1')).toThrow(InvalidNameError)
  })
})
