/** Preview lifetimes and ownership tags (issue 31): the pure parts, without a platform. */
import { describe, expect, it } from '@jest/globals'
import { parseTtl, readInputs } from '../../src/inputs.js'
import type { RunContext } from '../../src/engine/context.js'
import {
  calendarTime,
  createExtras,
  describeTtl,
  hasTags,
  ownTags,
  previewTags,
  taggedPr
} from '../../src/engine/lifetime.js'
import type { EngineOptions } from '../../src/engine/types.js'
import { ownerTag } from '../../src/spec/preview.js'

describe('preview-ttl', () => {
  it.each([
    ['30m', 30 * 60_000],
    ['12h', 12 * 3_600_000],
    ['3d', 3 * 86_400_000],
    ['90s', 90_000],
    ['7D', 7 * 86_400_000],
    ['0', 0]
  ])('%s is %d ms', (text, ms) => {
    expect(parseTtl(text)).toBe(ms)
  })

  it.each(['3 days', '1.5h', '-1d', '59s', '367d', 'forever', ''])('%j is refused', (text) => {
    expect(parseTtl(text)).toBeUndefined()
  })

  it('defaults to 7d; a bad one names the input and what is valid', () => {
    const inputs = (extra: Record<string, string>) =>
      readInputs((n) => ({ token: 't', spec: 'x.yml', ...extra })[n] ?? '')
    expect(inputs({}).previewTtlMs).toBe(7 * 86_400_000)
    expect(inputs({}).protect).toBe(true)
    expect(inputs({}).sweepTtl).toBe(false)
    expect(() => inputs({ 'preview-ttl': '3 days' })).toThrow(
      'preview-ttl: "3 days" is not a preview lifetime; give a number with s, m, h or d from 1 minute to 366 days (30m, 12h, 3d), or 0 for previews that never expire'
    )
    expect(() => inputs({ protect: 'yes' })).toThrow('protect: "yes" is not a boolean')
  })

  it('is said back in its largest whole unit', () => {
    expect([7 * 86_400_000, 36 * 3_600_000, 90 * 60_000, 90_000].map(describeTtl)).toEqual([
      '7d',
      '36h',
      '90m',
      '90s'
    ])
  })

  it('a schedule time is the one-point form of the calendar syntax, in UTC', () => {
    expect(calendarTime(Date.UTC(2026, 11, 14, 9, 5, 7))).toBe('2026-12-14 09:05:07')
  })
})

describe('ownership tags', () => {
  const opts = (over: Partial<EngineOptions>): EngineOptions => over as EngineOptions
  const owner = `ukc-deploy.owner=${ownerTag('acme/widget')}`

  it('a preview: the action, the repository, the PR and the name in the spec', () => {
    const preview = { repository: 'acme/widget', pr: 42 }
    expect(ownTags(opts({ preview }), `api-pr42-${ownerTag('acme/widget')}`)).toEqual([
      'ukc-deploy',
      owner,
      'ukc-deploy.pr=42',
      'ukc-deploy.spec=api'
    ])
  })

  it('production: no PR; without a repository (a laptop), no owner', () => {
    expect(ownTags(opts({ repository: 'acme/widget' }), 'api')).toEqual([
      'ukc-deploy',
      owner,
      'ukc-deploy.spec=api'
    ])
    expect(ownTags(opts({}), 'api')).toEqual(['ukc-deploy', 'ukc-deploy.spec=api'])
  })

  it('every tag fits the platform: at most 16, each of [A-Za-z0-9-+_.:=]', () => {
    const tags = ownTags(opts({ preview: { repository: 'A/B.c_d', pr: 7 } }), 'x'.repeat(121))
    expect(tags.length).toBeLessThanOrEqual(16)
    for (const t of tags) expect(t).toMatch(/^[A-Za-z0-9\-+_.:=]{1,256}$/)
  })

  it('the PR comes back from the tags; a listing is checked again for every tag', () => {
    expect(taggedPr(['ukc-deploy', 'ukc-deploy.pr=42'])).toBe(42)
    expect(taggedPr(['ukc-deploy', 'ukc-deploy.pr=x'])).toBeUndefined()
    expect(taggedPr(undefined)).toBeUndefined()
    const want = previewTags('acme/widget', 42)
    expect(hasTags([...want, 'other'], want)).toBe(true)
    expect(hasTags(want.slice(1), want)).toBe(false)
    expect(hasTags(undefined, want)).toBe(false)
  })
})

describe('what a create carries', () => {
  const ctx = (policies: boolean, over: Partial<EngineOptions> = {}): RunContext =>
    ({
      client: { dialect: { policies } },
      opts: { previewTtlMs: 0, ...over } as EngineOptions
    }) as unknown as RunContext

  it('nothing on classic', () => {
    expect(createExtras(ctx(false, { provenance: { commit: 'abc' } }), 'api')).toEqual({})
  })

  it('a preview: tags, annotations and its delete schedule', () => {
    const at = Date.UTC(2026, 11, 14, 9, 0, 0)
    const extras = createExtras(
      ctx(true, {
        preview: { repository: 'acme/widget', pr: 3 },
        previewExpiresAt: at,
        provenance: { commit: 'abc', runUrl: 'https://ci/run/1', prUrl: 'https://gh/pull/3' }
      }),
      `api-pr3-${ownerTag('acme/widget')}`
    )
    expect(extras.annotations).toEqual({
      'ukc-deploy/commit': 'abc',
      'ukc-deploy/run': 'https://ci/run/1',
      'ukc-deploy/pull-request': 'https://gh/pull/3'
    })
    expect(extras.schedules).toEqual([
      { name: 'ukc-deploy-ttl', action: 'delete', when: '2026-12-14 09:00:00' }
    ])
  })

  it('a value with control characters is left out, not sent to be refused', () => {
    const extras = createExtras(ctx(true, { provenance: { commit: 'abc\ndef' } }), 'api')
    expect(extras.annotations).toBeUndefined()
    expect(extras.schedules).toBeUndefined()
  })
})
