/** How the API generation is picked, and the shapes each generation's dialect builds. */
import { describe, expect, it } from '@jest/globals'
import { PLAIN_WORDS } from '../../src/fields.js'
import { readInputs } from '../../src/inputs.js'
import { dialectOf, pickGeneration, toSeconds } from '../../src/ukc/generation.js'
import { normaliseImageRef, pinOf, sameImage, shortPin } from '../../src/ukc/images.js'

const inputs = (values: Record<string, string>) =>
  readInputs((name) => values[name] ?? '', { UKC_TOKEN: 't' })

describe('picking the generation', () => {
  it.each([
    ['auto', 'https://api.fra0.kraft.cloud/v1', 'classic'],
    ['auto', 'https://api.fra.unikraft.cloud/v1', 'new'],
    ['auto', 'https://api.sfo.unikraft.cloud/v1', 'new'],
    ['auto', 'http://127.0.0.1:8080/v1', 'classic'],
    ['auto', 'https://ukc.example.com/v1', 'classic'],
    // A host that only ends in the name is not the platform.
    ['auto', 'https://notunikraft.cloud/v1', 'classic'],
    ['new', 'http://127.0.0.1:8080/v1', 'new'],
    ['classic', 'https://api.fra.unikraft.cloud/v1', 'classic'],
    [undefined, 'https://api.dal.unikraft.cloud/v1', 'new']
  ] as const)('%s on %s speaks %s', (choice, url, generation) => {
    expect(pickGeneration(choice, url)).toBe(generation)
  })

  it('the input is checked with the others, naming what is valid', () => {
    expect(inputs({ command: 'status', names: 'a' }).apiGeneration).toBe('auto')
    expect(inputs({ command: 'status', names: 'a', 'api-generation': 'NEW' }).apiGeneration).toBe(
      'new'
    )
    expect(() => inputs({ command: 'status', names: 'a', 'api-generation': 'v2' })).toThrow(
      'api-generation: "v2" is not valid; use one of auto, classic, new'
    )
    expect(() => pickGeneration('v2' as 'new', 'https://x/v1')).toThrow(
      "api-generation: 'v2' is not an API generation; valid: auto, classic, new"
    )
  })
})

describe('the classic dialect', () => {
  const d = dialectOf('classic')

  it('names objects of a GET in a JSON array body, and waits in milliseconds', () => {
    expect(d.filter([{ name: 'a' }, { uuid: 'u' }])).toEqual({
      body: [{ name: 'a' }, { uuid: 'u' }]
    })
    expect(d.wait([{ name: 'a', state: 'running', timeout_ms: 1500 }])).toEqual({
      body: [{ name: 'a', state: 'running', timeout_ms: 1500 }]
    })
    expect(d.createInstance({ image: 'x', wait_timeout_ms: 1500 }).body).toEqual({
      image: 'x',
      wait_timeout_ms: 1500
    })
    expect(d.deleteInstances([{ name: 'a' }])).toEqual({ body: [{ name: 'a' }] })
  })

  it('configures autoscale with one object naming the master it clones', () => {
    expect(d.autoscale({ name: 'web', master: { name: 'a' }, max_size: 2 })).toEqual({
      body: { name: 'web', master: { name: 'a' }, max_size: 2 }
    })
    expect(d.autoscaleClones).toBe('instance')
    expect(d.refuseCreate({ image: 'x', scale_to_zero: { policy: 'on' } })).toBeUndefined()
  })

  it('looks images up in one request and pins by the digest member', () => {
    expect(d.images.requests(['a:1', 'b:2'])).toEqual([{ body: [{ tag: 'a:1' }, { tag: 'b:2' }] }])
    expect(d.images.requests([])).toEqual([])
    expect(d.images.pinOf({ digest: 'acme/a@sha256:ab', tags: [] })).toBe('acme/a@sha256:ab')
  })
})

describe('the new dialect', () => {
  const d = dialectOf('new')

  it('names objects of a GET as repeated query parameters, UUIDs first, and says how to reorder the answers', () => {
    expect(d.filter([{ name: 'a' }, { uuid: 'u' }, { name: 'b' }])).toEqual({
      query: { uuid: ['u'], name: ['a', 'b'] },
      order: [1, 0, 2],
      refs: [{ name: 'a' }, { uuid: 'u' }, { name: 'b' }]
    })
    expect(d.filter(undefined)).toEqual({})
  })

  it('sends per-item wait and log options as parameters in the same order, the wait in whole seconds', () => {
    expect(
      d.wait([
        { name: 'a', state: 'stopped', timeout_ms: 1500 },
        { uuid: 'u', state: 'running', timeout_ms: -1 }
      ])
    ).toEqual({
      query: { uuid: ['u'], name: ['a'], state: ['running', 'stopped'], timeout_s: ['-1', '2'] },
      order: [1, 0],
      refs: [{ name: 'a' }, { uuid: 'u' }]
    })
    expect(d.logs([{ name: 'a', offset: -2048, limit: 2048 }]).query).toEqual({
      name: ['a'],
      offset: ['-2048'],
      limit: ['2048']
    })
  })

  it('waits on create and start in timeout_s, and deletes without retention', () => {
    expect(d.createInstance({ image: 'x', autostart: true, wait_timeout_ms: 1001 }).body).toEqual({
      image: 'x',
      autostart: true,
      timeout_s: 2
    })
    expect(d.start([{ name: 'a', wait_timeout_ms: 0 }]).body).toEqual([{ name: 'a' }])
    expect(d.deleteInstances([{ name: 'a' }, { uuid: 'u' }]).body).toEqual([
      { name: 'a', dont_retain: true },
      { uuid: 'u', dont_retain: true }
    ])
    expect([toSeconds(0), toSeconds(1), toSeconds(1000), toSeconds(-1)]).toEqual([0, 1, 1, -1])
  })

  it('configures autoscale with an array and create_args.template: it clones a template', () => {
    expect(d.autoscale({ name: 'web', master: { name: 't' }, max_size: 2 })).toEqual({
      body: [{ name: 'web', max_size: 2, create_args: { template: { name: 't' } } }]
    })
    expect(d.autoscaleClones).toBe('template')
  })

  it('refuses scale to zero without a service group before anything is sent', () => {
    expect(d.refuseCreate({ image: 'x', scale_to_zero: { policy: 'idle' } })).toContain(
      'scale_to_zero needs a service_group'
    )
    expect(
      d.refuseCreate({ image: 'x', scale_to_zero: { policy: 'on' }, service_group: { name: 'w' } })
    ).toBeUndefined()
    expect(d.refuseCreate({ image: 'x', scale_to_zero: { policy: 'off' } })).toBeUndefined()
  })

  it('looks each image up with ?tag= and pins by its URL', () => {
    expect(d.images.requests(['a:1', 'b:2'])).toEqual([
      { query: { tag: 'a:1' } },
      { query: { tag: 'b:2' } }
    ])
    const url = 'unikraft.io/acme/a@sha256:ab'
    expect(d.images.pinOf({ url, tags: [] })).toBe(url)
    expect(pinOf('acme/a:1', url)).toBe('acme/a@sha256:ab')
  })
})

describe('image references of both generations', () => {
  it.each([
    ['oci://unikraft.io/acme/app:1@sha256:ab', 'acme/app@sha256:ab'],
    ['unikraft.io/acme/app@sha256:ab', 'acme/app@sha256:ab'],
    ['index.unikraft.io/official/nginx', 'nginx:latest'],
    ['acme/app@sha256:ab', 'acme/app@sha256:ab'],
    ['localhost:5000/app@sha256:ab', 'localhost:5000/app@sha256:ab']
  ])('%s reads as %s', (ref, normal) => {
    expect(normaliseImageRef(ref)).toBe(normal)
  })

  it('a moved tag is a different image in either form', () => {
    expect(sameImage('oci://unikraft.io/acme/app@sha256:ab', 'acme/app@sha256:ab')).toBe(true)
    expect(sameImage('oci://unikraft.io/acme/app@sha256:ab', 'acme/app@sha256:cd')).toBe(false)
    expect(PLAIN_WORDS.name('api-generation')).toBe("'api-generation'")
  })
})

it('a plan line shows either form of a pin the same short way', () => {
  const hex = 'a'.repeat(64)
  expect(shortPin(`oci://unikraft.io/acme/app@sha256:${hex}`)).toBe(
    `acme/app@sha256:${'a'.repeat(12)}…`
  )
  expect(shortPin(`acme/app@sha256:${hex}`)).toBe(`acme/app@sha256:${'a'.repeat(12)}…`)
  expect(shortPin('acme/app:1')).toBe('acme/app:1')
})
