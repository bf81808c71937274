/** Each kind's planner, pure: spec and actual state in, one decision per object out. */
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { planAutoscale } from '../../src/engine/kinds/autoscale.js'
import { planCertificates } from '../../src/engine/kinds/certificate.js'
import { instanceChanges, planInstances } from '../../src/engine/kinds/instance.js'
import { planGroups } from '../../src/engine/kinds/service-group.js'
import { planVolumes } from '../../src/engine/kinds/volume.js'
import type { Actual } from '../../src/engine/observe.js'
import { planDeploy, planEntries } from '../../src/engine/plan.js'
import { surgeName } from '../../src/engine/rollout.js'
import { loadYamlParser } from '../../src/spec/yaml.js'
import type { AutoscaleConfig, Instance, ServiceGroup } from '../../src/ukc/types.js'
import { specOf } from '../support/spec.js'

beforeAll(loadYamlParser)

const PIN = 'acme/api@sha256:' + 'a'.repeat(64)
const OTHER_PIN = 'acme/api@sha256:' + 'b'.repeat(64)

function actualOf(over: Partial<Actual> = {}): Actual {
  return {
    instances: new Map(),
    groups: new Map(),
    volumes: new Map(),
    digests: new Map([['acme/api:1', PIN]]),
    imageErrors: new Map(),
    certificates: new Map(),
    autoscale: new Map(),
    templates: new Map(),
    instanceNames: [],
    ...over
  }
}

const running = (over: Partial<Instance> = {}): Instance => ({
  uuid: 'u-api',
  name: 'api',
  state: 'running',
  image: PIN,
  memory_mb: 128,
  vcpus: 1,
  env: {},
  service_group: { uuid: 'u-web', name: 'web' },
  ...over
})

const web: ServiceGroup = {
  uuid: 'u-web',
  name: 'web',
  services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }],
  domains: [{ fqdn: 'web.fra0.kraft.host' }]
}

const SPEC = `
service_groups:
  - name: web
    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]
instances:
  - { name: api, image: acme/api:1, service_group: web }
`

describe('instances', () => {
  const spec = (extra = '') => specOf(`${SPEC.trimEnd()}${extra}\n`)
  it.each<[string, Partial<Actual>, string, string | undefined, RegExp]>([
    ['absent, image resolves', {}, 'create', undefined, /new, image acme\/api@sha256:aaaaaaa/],
    [
      'absent, image unknown',
      { digests: new Map(), imageErrors: new Map([['acme/api:1', 'No image']]) },
      'conflict',
      undefined,
      /image acme\/api:1 not found \(No image\)/
    ],
    [
      'same config and digest',
      { instances: new Map([['api', running()]]) },
      'unchanged',
      undefined,
      /config and image digest match/
    ],
    [
      'right but stopped',
      { instances: new Map([['api', running({ state: 'stopped' })]]) },
      'start',
      undefined,
      /it is stopped; deploy starts it/
    ],
    [
      'a new digest, in a group',
      { instances: new Map([['api', running({ image: OTHER_PIN })]]) },
      'replace',
      'rolling',
      /image acme\/api:1 → acme\/api@sha256:aaaaaaa.* rolling/
    ],
    [
      'more memory, not in a group',
      {
        instances: new Map([['api', running({ memory_mb: 256, service_group: undefined })]])
      },
      'replace',
      'recreate',
      /memory_mb 256 → 128.*recreate \(not in a service group/
    ],
    [
      'running, but the tag no longer resolves',
      { instances: new Map([['api', running()]]), digests: new Map() },
      'conflict',
      undefined,
      /cannot be resolved to a digest.*left as it is/
    ]
  ])('%s', (_, over, action, strategy, reason) => {
    const s = _.includes('not in a group')
      ? specOf('instances:\n  - { name: api, image: acme/api:1 }\n')
      : spec()
    const [p] = planInstances(s, actualOf(over), 'rolling')
    expect(p.action).toBe(action)
    expect(p.strategy).toBe(strategy)
    expect(p.reason).toMatch(reason)
  })

  it('strategy recreate replaces in place even in a group', () => {
    const [p] = planInstances(
      spec(),
      actualOf({ instances: new Map([['api', running({ image: OTHER_PIN })]]) }),
      'recreate'
    )
    expect(p).toMatchObject({ action: 'replace', strategy: 'recreate' })
  })

  it('a preview never takes over an instance whose marker is not its own', () => {
    const s = specOf(
      'instances:\n  - { name: api, image: acme/api:1, env: { UKC_DEPLOY_PREVIEW: "acme/web#7" } }\n'
    )
    const have = running({ env: { UKC_DEPLOY_PREVIEW: 'evil/fork#7' }, service_group: undefined })
    const [p] = planInstances(s, actualOf({ instances: new Map([['api', have]]) }), 'rolling')
    expect(p.action).toBe('conflict')
    expect(p.reason).toContain("its UKC_DEPLOY_PREVIEW is 'evil/fork#7'")
  })

  it.each<[string, Partial<Instance>, string[]]>([
    ['nothing', {}, []],
    ['API defaults left out of the spec', { memory_mb: undefined, vcpus: undefined }, []],
    ['env: names the key, never the value', { env: { TOKEN: 'hunter2' } }, ['env (TOKEN)']],
    ['vcpus', { vcpus: 2 }, ['vcpus 2 → 1']],
    ['restart policy', { restart_policy: 'always' }, ['restart_policy always → never']],
    ['group', { service_group: { uuid: 'x', name: 'old' } }, ['service_group old → web']],
    ['features absent from a classic answer is no change', { features: undefined }, []],
    ['features present and different', { features: ['delete-on-stop'] }, ['features']]
  ])('instanceChanges: %s', (_, over, changes) => {
    const want = spec().instances[0]
    expect(instanceChanges(want, running(over), PIN)).toEqual(changes)
    expect(JSON.stringify(instanceChanges(want, running(over), PIN))).not.toContain('hunter2')
  })
})

describe('service groups', () => {
  it.each<[string, ServiceGroup | undefined, string, RegExp]>([
    ['absent', undefined, 'create', /new/],
    ['same services', web, 'unchanged', /same services and domains/],
    [
      'other ports',
      { ...web, services: [{ port: 80, destination_port: 8080, handlers: ['http'] }] },
      'conflict',
      /publishes 80:8080\/http but the spec says 443:8080\/http\+tls/
    ]
  ])('%s', (_, have, action, reason) => {
    const [p] = planGroups(
      specOf(SPEC),
      actualOf({ groups: have ? new Map([['web', have]]) : new Map() })
    )
    expect(p.action).toBe(action)
    expect(p.reason).toMatch(reason)
  })

  it('a domain the group does not serve is a conflict (domains are set at creation)', () => {
    const s = specOf(
      'service_groups:\n  - name: web\n    services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }]\n    domains: [{ name: shop }]\n'
    )
    const [p] = planGroups(s, actualOf({ groups: new Map([['web', web]]) }))
    expect(p).toMatchObject({ action: 'conflict' })
    expect(p.reason).toContain('also wants shop')
  })
})

describe('volumes', () => {
  const s = () => specOf('volumes:\n  - { name: data, size_mb: 100 }\n')
  it.each<[string, Actual['volumes'], string, RegExp]>([
    ['absent', new Map(), 'create', /new, 100 MiB/],
    [
      'there',
      new Map([['data', { uuid: 'v', name: 'data', size_mb: 100 }]]),
      'unchanged',
      /^exists$/
    ],
    [
      'another size',
      new Map([['data', { uuid: 'v', name: 'data', size_mb: 50 }]]),
      'unchanged',
      /it has 50 MiB; the spec says 100; sizes are fixed at creation/
    ]
  ])('%s', (_, volumes, action, reason) => {
    const [p] = planVolumes(s(), actualOf({ volumes }))
    expect(p.action).toBe(action)
    expect(p.reason).toMatch(reason)
  })
})

describe('read-only mounts and access modes', () => {
  const shared = (mode: string, readonly = true) =>
    specOf(`volumes:
  - { name: assets, size_mb: 16${mode} }
service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: api, image: acme/api:1, service_group: web, volumes: [{ name: assets, at: /srv, readonly: ${readonly} }] }
`)
  const old = (mode?: 'rwo' | 'rox') =>
    actualOf({
      instances: new Map([['api', running({ image: OTHER_PIN })]]),
      groups: new Map([['web', web]]),
      volumes: new Map([
        [
          'assets',
          { uuid: 'v', name: 'assets', state: 'available', size_mb: 16, access_mode: mode }
        ]
      ])
    })
  const strategyOf = (spec: ReturnType<typeof shared>, actual: Actual, shares: boolean) =>
    planInstances(spec, actual, 'rolling', shares)[0].strategy

  it('rolls read-only mounts of a rox volume only where the platform shares them', () => {
    expect(strategyOf(shared(', access_mode: rox'), old('rox'), true)).toBe('rolling')
    expect(strategyOf(shared(', access_mode: rox'), old('rox'), false)).toBe('recreate')
    expect(strategyOf(shared(''), old('rwo'), true)).toBe('recreate')
    expect(strategyOf(shared(', access_mode: rox', false), old('rox'), true)).toBe('recreate')
  })

  it("follows the account's access mode over the spec's, and says they differ", () => {
    const spec = shared(', access_mode: rox')
    expect(strategyOf(spec, old('rwo'), true)).toBe('recreate')
    expect(planVolumes(spec, old('rwo'))[0].reason).toMatch(
      /it has access mode rwo; the spec says rox; a volume keeps the mode it was made with/
    )
  })

  it('lets several instances mount one volume only read-only, and only a rox one', () => {
    const two = (mode: string, ro: boolean) => `volumes: [{ name: assets, size_mb: 16${mode} }]
instances:
  - { name: a, image: acme/api:1, volumes: [{ name: assets, at: /srv, readonly: true }] }
  - { name: b, image: acme/api:1, volumes: [{ name: assets, at: /srv, readonly: ${ro} }] }
`
    expect(specOf(two(', access_mode: rox', true)).instances).toHaveLength(2)
    expect(() => specOf(two('', true))).toThrow(/volume 'assets' is also mounted by 'a'/)
    expect(() => specOf(two(', access_mode: rox', false))).toThrow(
      /also mounted by 'a'; a volume attaches to one instance at a time, unless it is made with access_mode: rox/
    )
    expect(() => specOf(two(', access_mode: rwx', true))).toThrow(/access_mode.*rwo, rox/)
  })
})

describe('certificates', () => {
  const chain = readFileSync('test/fixtures/app.example.com.crt.pem', 'utf8')
  const pkey = readFileSync('test/fixtures/app.example.com.key.pem', 'utf8')
  const serial = new X509Certificate(chain).serialNumber
  const s = () =>
    specOf(
      `certificates:\n  - { name: app-cert, cn: app.example.com, chain: "\${CHAIN}", pkey: "\${PKEY}" }\n`,
      { CHAIN: chain, PKEY: pkey }
    )
  it.each<[string, string | undefined, string]>([
    ['absent', undefined, 'create'],
    ['the same serial', serial, 'unchanged'],
    ['another certificate', 'DEADBEEF', 'conflict']
  ])('%s', (_, serialNumber, action) => {
    const certificates = new Map(
      serialNumber
        ? [
            [
              'app-cert',
              { uuid: 'c', name: 'app-cert', state: 'valid', serial_number: serialNumber }
            ]
          ]
        : []
    )
    const [p] = planCertificates(s(), actualOf({ certificates } as Partial<Actual>))
    expect(p.action).toBe(action)
  })
})

describe('autoscale', () => {
  const s = () =>
    specOf(
      `${SPEC.replace('handlers: [http, tls] }]', 'handlers: [http, tls] }]\n    autoscale: { min_size: 1, max_size: 3, policies: [] }')}`
    )
  const on = (over: Partial<AutoscaleConfig> = {}): AutoscaleConfig =>
    ({
      name: 'web',
      enabled: true,
      min_size: 1,
      max_size: 3,
      warmup_time_ms: 1000,
      cooldown_time_ms: 1000,
      master: { uuid: 'u-api', name: 'api' },
      policies: [],
      ...over
    }) as AutoscaleConfig
  it.each<[string, AutoscaleConfig | undefined, string[], string, boolean | undefined]>([
    ['not configured', undefined, [], 'create', undefined],
    ['the same', on(), [], 'unchanged', undefined],
    ['another size', on({ max_size: 9 }), [], 'replace', undefined],
    ['its master replaced', on(), ['api'], 'replace', true]
  ])('%s', (_, have, replaced, action, masterReplaced) => {
    const [p] = planAutoscale(
      s(),
      actualOf({ autoscale: new Map(have ? [['web', have]] : []) }),
      new Set(replaced)
    )
    expect(p.action).toBe(action)
    expect(p.masterReplaced).toBe(masterReplaced)
  })

  it('a configuration the spec no longer asks for is removed', () => {
    const [p] = planAutoscale(specOf(SPEC), actualOf({ autoscale: new Map([['web', on()]]) }))
    expect(p.action).toBe('delete')
  })
})

describe('templates (new platform)', () => {
  const NEW = {
    refuseCreate: () => undefined,
    refuseVolume: () => undefined,
    sharesReadOnlyVolumes: true,
    autoscaleClones: 'template' as const
  }
  const s = (image = 'acme/api:1', mounts = '') =>
    specOf(
      `${SPEC.replace('handlers: [http, tls] }]', 'handlers: [http, tls] }]\n    autoscale: { max_size: 3 }').replace('image: acme/api:1, service_group: web', `image: ${image}, service_group: web${mounts}`)}`
    )
  const digests = new Map([
    ['acme/api:1', PIN],
    ['acme/api:2', OTHER_PIN]
  ])
  const tpl = (name: string) => ({ uuid: `u-${name}`, name, state: 'template' })
  const planned = (actual: Partial<Actual> = {}, image?: string) =>
    planDeploy(s(image), actualOf({ digests, ...actual }), 'rolling', NEW)

  it('names the template by a hash of the master create body, the same every time', () => {
    const [a] = planned().templates
    const [b] = planned().templates
    expect(a).toMatchObject({
      action: 'create',
      group: 'web',
      name: expect.stringMatching(/^web-tpl-[0-9a-f]{6}$/)
    })
    expect(b.name).toBe(a.name)
    expect(a.body).toMatchObject({ name: a.name, image: PIN, autostart: false })
    expect(a.body).not.toHaveProperty('service_group')
    expect(planned({}, 'acme/api:2').templates[0].name).not.toBe(a.name)
  })

  it('keeps a template that matches, retires the others, and re-points autoscale to the new one', () => {
    const current = planned().templates[0].name
    const templates = new Map([[current, tpl(current)]])
    const config = {
      name: 'web',
      uuid: 'u-web',
      enabled: true,
      max_size: 3,
      template: { uuid: `u-${current}`, name: current }
    }
    const same = planned({ templates, autoscale: new Map([['web', config as AutoscaleConfig]]) })
    expect(same.templates.map((t) => t.action)).toEqual(['unchanged'])
    expect(same.autoscale.map((a) => a.action)).toEqual(['unchanged'])
    const next = planDeploy(
      s('acme/api:2'),
      actualOf({ digests, templates, autoscale: new Map([['web', config as AutoscaleConfig]]) }),
      'rolling',
      NEW
    )
    expect(next.templates.map((t) => `${t.action} ${t.name === current ? 'old' : 'new'}`)).toEqual([
      'create new',
      'delete old'
    ])
    expect(next.autoscale[0]).toMatchObject({
      action: 'replace',
      deferred: true,
      previousTemplate: current,
      template: next.templates[0].name
    })
    expect(next.autoscale[0].reason).toContain(`instead of '${current}'`)
  })

  it('refuses a master that mounts volumes, and makes none on classic', () => {
    expect(
      planDeploy(
        s('acme/api:1', ', volumes: [{ size_mb: 16, at: /d }]'),
        actualOf({ digests }),
        'rolling',
        NEW
      ).blockers
    ).toEqual([
      expect.stringContaining(
        "service group 'web': autoscale: its autoscale master 'api' mounts volumes"
      )
    ])
    expect(
      planDeploy(s(), actualOf({ digests }), 'rolling', { ...NEW, autoscaleClones: 'instance' })
        .templates
    ).toEqual([])
  })
})

describe('planDeploy', () => {
  it('refuses references to objects neither in the spec nor in the account', () => {
    const s = specOf(
      'instances:\n  - { name: api, image: acme/api:1, service_group: elsewhere, volumes: [{ name: data, at: /data }] }\n'
    )
    expect(planDeploy(s, actualOf(), 'rolling').blockers).toEqual([
      "instance 'api': service group 'elsewhere' is neither in the spec nor in the account",
      "instance 'api': volume 'data' is neither in the spec nor in the account"
    ])
  })

  it('finds surges an interrupted rollout left, and lists entries in creation order', () => {
    const s = specOf(SPEC)
    const plan = planDeploy(s, actualOf(), 'rolling')
    const surge = surgeName(plan.instances[0])
    const again = planDeploy(s, actualOf({ instanceNames: ['api', surge, 'other'] }), 'rolling')
    expect(again.leftovers).toEqual([{ surge, of: 'api' }])
    expect(planEntries(again).map((e) => `${e.kind}/${e.name}`)).toEqual([
      'service_group/web',
      'instance/api'
    ])
  })
})
