/** Base URL from metro or api-url (PRODUCT.md inputs). */
import { describe, expect, it } from '@jest/globals'
import { resolveBaseUrl } from '../../src/ukc/endpoint.js'
import { retryAfterMs, redact } from '../../src/ukc/transport.js'
import { PRODUCT, VERSION } from '../../src/version.js'
import { readFileSync } from 'node:fs'

describe('resolveBaseUrl', () => {
  it.each([
    [{}, 'https://api.fra0.kraft.cloud/v1'],
    [{ metro: 'was1' }, 'https://api.was1.kraft.cloud/v1'],
    [{ metro: 'SIN0' }, 'https://api.sin0.kraft.cloud/v1'],
    [{ metro: 'sfo' }, 'https://api.sfo.unikraft.cloud/v1'],
    [{ metro: 'fra' }, 'https://api.fra.unikraft.cloud/v1'],
    [{ apiUrl: 'https://ukc.internal.example.com' }, 'https://ukc.internal.example.com/v1'],
    [{ apiUrl: 'https://ukc.example.com/v1/' }, 'https://ukc.example.com/v1'],
    [{ apiUrl: 'http://127.0.0.1:8080/v1', metro: 'dal0' }, 'http://127.0.0.1:8080/v1'],
    [{ apiUrl: 'http://localhost:9000' }, 'http://localhost:9000/v1'],
    [{ apiUrl: 'http://[::1]:9000' }, 'http://[::1]:9000/v1']
  ])('%j → %s', (opts, url) => {
    expect(resolveBaseUrl(opts)).toBe(url)
  })

  it('refuses an unknown metro and lists the valid ones', () => {
    expect(() => resolveBaseUrl({ metro: 'ams0' })).toThrow(
      "metro: 'ams0' is not a known metro; valid: fra0, dal0, sin0, was1, fra, dal, sfo, sin, was"
    )
  })

  it('refuses plain http to a non-loopback host, credentials in the URL, and non-URLs', () => {
    expect(() => resolveBaseUrl({ apiUrl: 'http://api.example.com' })).toThrow(/must use https/)
    expect(() => resolveBaseUrl({ apiUrl: 'https://u:p@api.example.com' })).toThrow(
      /must not carry credentials/
    )
    expect(() => resolveBaseUrl({ apiUrl: 'api.example.com' })).toThrow(/is not a URL/)
  })
})

describe('transport helpers', () => {
  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000)
    expect(retryAfterMs('0.5')).toBe(500)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000)
    expect(retryAfterMs('soon')).toBeUndefined()
    expect(retryAfterMs(undefined)).toBeUndefined()
  })

  it('redacts env values and PEM text, keeping the keys', () => {
    expect(
      redact([
        { name: 'a', env: { DB_PASSWORD: 'hunter2' }, args: ['x'] },
        { chain: 'PEM', pkey: 'KEY' }
      ])
    ).toEqual([
      { name: 'a', env: { DB_PASSWORD: '***' }, args: ['x'] },
      { chain: '***', pkey: '***' }
    ])
  })
})

describe('version', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(VERSION).toBe(pkg.version)
    expect(PRODUCT).toBe(pkg.name)
  })
})
