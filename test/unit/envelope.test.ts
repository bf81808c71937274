/** The envelope shapes of ukc-api.md §3 and §14.1, parsed into per-item results. */
import { describe, expect, it } from '@jest/globals'
import {
  describeItem,
  EnvelopeError,
  parseEnvelope,
  serverMessage
} from '../../src/ukc/envelope.js'
import { ErrorCode, errorCodeName } from '../../src/ukc/errors.js'

describe('parseEnvelope', () => {
  it('reads a success with one item per object', () => {
    const r = parseEnvelope<{ uuid: string }>(
      {
        status: 'success',
        data: { instances: [{ status: 'success', uuid: 'u1', state: 'running' }] }
      },
      'instances'
    )
    expect(r.status).toBe('success')
    expect(r.items).toHaveLength(1)
    expect(r.items[0]).toMatchObject({
      ok: true,
      status: 'success',
      timedOut: false,
      value: { uuid: 'u1' }
    })
  })

  it('keeps each failed item of a partial success, with its code named (8 not found)', () => {
    const r = parseEnvelope(
      {
        status: 'partial_success',
        message: 'Failed to perform all operations',
        data: {
          instances: [
            { status: 'error', uuid: '3b5b', message: "No instance with UUID '3b5b'", error: 8 },
            { status: 'success', uuid: 'd735' }
          ]
        }
      },
      'instances'
    )
    expect(r.status).toBe('partial_success')
    expect(r.items.map((i) => i.ok)).toEqual([false, true])
    expect(r.items[0]).toMatchObject({ code: 8, codeName: 'NotFound', timedOut: false })
    expect(describeItem(r.items[0])).toBe("No instance with UUID '3b5b' (code 8 NotFound)")
  })

  it('names 23 already exists and 19 quota', () => {
    const r = parseEnvelope(
      {
        status: 'error',
        message: 'Failed to perform all operations',
        data: {
          instances: [
            {
              status: 'error',
              message: "An instance with the name 'web' already exists",
              error: 23
            }
          ]
        }
      },
      'instances'
    )
    expect(r.items[0].codeName).toBe('AlreadyExists')
    expect(errorCodeName(19)).toBe('Quota')
    expect(ErrorCode.AutoscaleDisabled).toBe(28)
  })

  it('marks items of "Operation timed out" without a code as timed out', () => {
    const r = parseEnvelope(
      {
        status: 'error',
        message: 'Operation timed out',
        data: { instances: [{ status: 'error', uuid: 'u', name: 'web', state: 'draining' }] }
      },
      'instances'
    )
    expect(r.timedOut).toBe(true)
    expect(r.items[0]).toMatchObject({ ok: false, timedOut: true, value: { state: 'draining' } })
    expect(describeItem(r.items[0])).toBe('Operation timed out')
  })

  it('reads the classic OpenAPI "failure" as "error"', () => {
    const r = parseEnvelope(
      { status: 'failure', data: { volumes: [{ status: 'failure', message: 'x', error: 15 }] } },
      'volumes'
    )
    expect(r.status).toBe('error')
    expect(r.items[0]).toMatchObject({ ok: false, status: 'error', codeName: 'Attached' })
  })

  it('treats list-all items without a status as successes and keeps op_time_us', () => {
    const r = parseEnvelope(
      { status: 'success', data: { instances: [{ uuid: 'a' }, { uuid: 'b' }] }, op_time_us: 1234 },
      'instances'
    )
    expect(r.items.every((i) => i.ok)).toBe(true)
    expect(r.opTimeUs).toBe(1234)
  })

  it('accepts "unconfigured" from autoscale as a non-error', () => {
    const r = parseEnvelope(
      {
        status: 'unconfigured',
        data: { service_groups: [{ status: 'unconfigured', enabled: false }] }
      },
      'service_groups'
    )
    expect(r.status).toBe('unconfigured')
    expect(r.items[0].ok).toBe(true)
  })

  it('reads a whole-request failure without data', () => {
    const r = parseEnvelope({ status: 'error', errors: [{ status: 401 }] }, 'instances')
    expect(r.items).toEqual([])
  })

  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    [{ status: 'maybe' }, "unknown top-level status 'maybe'"],
    [{ status: 'success', data: [] }, "'data' is not an object"],
    [{ status: 'success', data: { instances: {} } }, "'data.instances' is not a list"],
    [{ status: 'success', data: { instances: [7] } }, "'data.instances[0]' is not an object"]
  ])('refuses the malformed envelope %j', (body, message) => {
    expect(() => parseEnvelope(body, 'instances')).toThrow(EnvelopeError)
    expect(() => parseEnvelope(body, 'instances')).toThrow(message)
  })
})

describe('serverMessage', () => {
  it('prefers errors[].message, then message', () => {
    expect(
      serverMessage({
        status: 'error',
        message: 'top',
        errors: [{ status: 400, message: 'field x' }]
      })
    ).toBe('field x')
    expect(serverMessage({ status: 'error', message: 'top', errors: [{ status: 400 }] })).toBe(
      'top'
    )
    expect(serverMessage('<html>')).toBeUndefined()
  })
})
