/** Certificates, custom domains, autoscale, scale-to-zero and volumes across deploys (issue 9). */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { runAction, workspace } from '../../scripts/local-runner.js'
import { GENERATION, generationInput, useEmulator } from '../support/emulator.js'

const api = useEmulator()
const fixture = (f: string): string =>
  readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')
const CERT = fixture('app.example.com.crt.pem')
const KEY = fixture('app.example.com.key.pem')
const https = '[{ port: 443, destination_port: 8080, handlers: [http, tls] }]'
const run = (
  spec: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
  files: Record<string, string> = {}
) =>
  runAction(
    {
      token: 't',
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      timeout: '20',
      ...inputs
    },
    { workspace: workspace({ 'ukc.yml': spec, ...files }), env }
  )
const writes = (): string[] =>
  api.emu
    .journal()
    .filter((e) => e.method !== 'GET')
    .map((e) => `${e.method} ${e.path}`)

describe('custom domain with an uploaded certificate', () => {
  const spec = `
certificates:
  - name: app-cert
    cn: app.example.com
    chain: \${APP_CERT_PEM}
    pkey_file: secrets/app.key
service_groups:
  - name: web
    services: ${https}
    domains:
      - { name: app.example.com., certificate: app-cert }
instances:
  - { name: api, image: nginx:latest, service_group: web }
`
  const files = { 'secrets/app.key': KEY }

  it('uploads it before the group, serves the FQDN, masks the key, and is unchanged on a re-run', async () => {
    const first = await run(spec, {}, { APP_CERT_PEM: CERT }, files)
    expect(first.code).toBe(0)
    expect(first.outputs.url).toBe('https://app.example.com')
    expect(writes().slice(0, 2)).toEqual(['POST /v1/certificates', 'POST /v1/services'])
    expect(first.summary).toMatch(/\| app-cert \| created \| valid \|/)
    const keyLine = KEY.split('\n')[1]
    expect(first.stdout).toContain(`::add-mask::${keyLine}`)
    const written = [
      first.stdout.replace(/::add-mask::.*\n/g, ''),
      JSON.stringify(first.outputs),
      first.summary
    ].join('\n')
    expect(written).not.toContain(keyLine)
    const group = (await api.call('GET', '/services', [{ name: 'web' }])).json.data
      .service_groups[0]
    expect(group.domains[0]).toMatchObject({
      fqdn: 'app.example.com',
      certificate: { name: 'app-cert', state: 'valid' }
    })
    api.emu.journalLog.clear()
    const again = await run(spec, {}, { APP_CERT_PEM: CERT }, files)
    expect(again.code).toBe(0)
    expect(writes()).toEqual([])
    expect(again.json('plan')[0]).toMatchObject({ kind: 'certificate', action: 'unchanged' })
  })

  it('refuses a key file outside the workspace, naming it', async () => {
    const r = await run(
      spec.replace('secrets/app.key', '../../../etc/hostname'),
      {},
      { APP_CERT_PEM: CERT },
      files
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/is outside the workspace|does not exist/)
    expect(api.emu.journal()).toEqual([])
  })
})

describe('custom domain with a certificate from the platform', () => {
  const spec = `service_groups:\n  - { name: web, services: ${https}, domains: [{ name: shop.example.org. }] }\ninstances:\n  - { name: api, image: nginx:latest, service_group: web }\n`

  it('waits for the platform to issue it', async () => {
    api.emu.configure({ cert_delay_ms: 300 })
    const r = await run(spec)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('certificate for shop.example.org: valid')
    expect(r.outputs.url).toBe('https://shop.example.org')
  })

  it('says clearly when it is still pending at the timeout', async () => {
    api.emu.configure({ cert_delay_ms: 60000 })
    // Long enough for the deploy itself on a loaded machine; issuance waits until the end.
    const r = await run(spec, { timeout: '8' })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /certificate for shop\.example\.org is still pending \(validation attempt 1\) when the timeout ran out/
    )
  })

  it('fails the group when issuance ends in error', async () => {
    api.emu.configure({ cert_delay_ms: 100, cert_failure: true })
    const r = await run(spec)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      'the platform could not issue a certificate for shop.example.org (state error)'
    )
  })
})

describe('autoscale', () => {
  const spec = (extra: string): string => `service_groups:
  - name: web
    services: ${https}
${extra}instances:
  - { name: api, image: nginx:latest, service_group: web }
`
  const scaled = (max: number): string => `    autoscale:
      min_size: 1
      max_size: ${max}
      policies:
        - { name: cpu, type: step, metric: cpu, adjustment_type: change, steps: [{ upper_bound: 500, adjustment: 0 }, { lower_bound: 500, adjustment: 1 }] }
        - { name: burst, type: on_demand }
`

  // Autoscale clones an instance on classic; the new platform clones an instance template,
  // made by converting a stopped copy of the master.
  const classicOnly = GENERATION === 'classic' ? it : it.skip
  const newOnly = GENERATION === 'new' ? it : it.skip
  const NEW = GENERATION === 'new'
  const conf = async (): Promise<Record<string, unknown>> =>
    (await api.call('GET', '/services/autoscale', [{ name: 'web' }])).json.data.service_groups[0]
  const templates = async (): Promise<{ name: string; uuid: string; image: string }[]> =>
    NEW ? (await api.call('GET', '/instances/templates')).json.data.instances : []
  const TEMPLATE = /^web-tpl-[0-9a-f]{6}$/
  const planOf = (r: { json: (k: string) => { kind: string; action: string }[] }, kind: string) =>
    r.json('plan').filter((p) => p.kind === kind)

  it('is configured, kept, replaced when it differs, and reset when the spec drops it', async () => {
    const first = await run(spec(scaled(4)))
    expect(first.code).toBe(0)
    const [made] = await templates()
    expect(first.summary).toMatch(
      NEW
        ? /\| web \| created \| 1\.\.4 instances, 2 policies, cloning template 'web-tpl-[0-9a-f]{6}' \|/
        : /\| web \| created \| 1\.\.4 instances, 2 policies, cloning 'api' \|/
    )
    expect(await conf()).toMatchObject({
      enabled: true,
      ...(NEW ? { template: { name: made.name, uuid: made.uuid } } : { master: { name: 'api' } }),
      max_size: 4,
      policies: [{ name: 'cpu' }, { name: 'burst' }]
    })
    if (NEW) {
      // The master serves; the template is a stopped copy made for it, converted, in the outputs.
      expect(made.name).toMatch(TEMPLATE)
      expect(first.json('instances')).toMatchObject([
        { name: 'api', state: 'running', action: 'created' }
      ])
      expect(first.json('templates')).toEqual([
        { name: made.name, uuid: made.uuid, action: 'created', error: '' }
      ])
      const [created] = api.emu
        .journal()
        .filter((e) => e.method === 'POST' && e.path === '/v1/instances')
        .map((e) => e.body as Record<string, unknown>)
        .filter((b) => b.name === made.name)
      expect(created).toMatchObject({ autostart: false })
      expect(created).not.toHaveProperty('service_group')
      expect(writes().indexOf('POST /v1/instances/templates')).toBeGreaterThan(-1)
    } else expect(first.json('templates')).toEqual([])
    api.emu.journalLog.clear()
    const again = await run(spec(scaled(4)))
    expect(planOf(again, 'autoscale').map((p) => p.action)).toEqual(['unchanged'])
    expect(planOf(again, 'template').map((p) => p.action)).toEqual(NEW ? ['unchanged'] : [])
    expect(writes()).toEqual([])
    const bigger = await run(spec(scaled(8)))
    expect(planOf(bigger, 'autoscale')).toMatchObject([{ action: 'replace' }])
    expect((await conf()).max_size).toBe(8)
    // Sizes are no create argument: the same template.
    expect(await templates()).toEqual(NEW ? [made] : [])
    const dropped = await run(spec(''))
    expect(planOf(dropped, 'autoscale')).toMatchObject([{ action: 'delete' }])
    expect(planOf(dropped, 'template')).toMatchObject(NEW ? [{ action: 'delete' }] : [])
    expect((await conf()).enabled).toBe(false)
    expect(await templates()).toEqual([])
  })

  newOnly('a new image re-points autoscale to a new template and leaves no old one', async () => {
    api.emu.pushImage('acme/web:1')
    api.emu.pushImage('acme/web:2')
    const versioned = (tag: number): string =>
      spec(scaled(4)).replace('image: nginx:latest', `image: acme/web:${tag}`)
    expect((await run(versioned(1))).code).toBe(0)
    const [v1] = await templates()
    api.emu.journalLog.clear()
    const r = await run(versioned(2))
    expect(r.code).toBe(0)
    const [v2, ...more] = await templates()
    expect(more).toEqual([])
    expect(v2.name).toMatch(TEMPLATE)
    expect(v2.name).not.toBe(v1.name)
    expect(v2.image).toContain('acme/web@sha256:')
    expect((await conf()).template).toEqual({ name: v2.name, uuid: v2.uuid })
    // Rows as found, then as made.
    expect(r.json('templates')).toEqual([
      { name: v1.name, uuid: v1.uuid, action: 'deleted', error: '' },
      { name: v2.name, uuid: v2.uuid, action: 'created', error: '' }
    ])
    expect(r.summary).toContain(
      `autoscale of 'web' now clones '${v2.name}': the platform drained and deletes the instances it had cloned from '${v1.name}'`
    )
    // The order that keeps something cloneable at every moment: new template, master rolled,
    // then autoscale re-pointed (delete + configure), and only then the old template deleted.
    const w = writes()
    const at = (x: string): number => w.indexOf(x)
    expect(at('POST /v1/instances/templates')).toBeLessThan(at('DELETE /v1/services/autoscale'))
    expect(at('DELETE /v1/services/autoscale')).toBeLessThan(at('POST /v1/services/autoscale'))
    expect(at('POST /v1/services/autoscale')).toBeLessThan(at('DELETE /v1/instances/templates'))
    expect(r.json('instances')).toMatchObject([
      { name: 'api', action: 'replaced', state: 'running' }
    ])
  })

  newOnly('a new master that fails keeps autoscale on the old template, which stays', async () => {
    api.emu.pushImage('acme/web:1')
    api.emu.pushImage('acme/web:3', { crash: { after_ms: 5, exit_code: 1, message: 'boom' } })
    const versioned = (tag: number): string =>
      spec(scaled(4)).replace('image: nginx:latest', `image: acme/web:${tag}`)
    expect((await run(versioned(1))).code).toBe(0)
    const [v1] = await templates()
    const r = await run(versioned(3), { 'on-failure': 'rollback' })
    expect(r.code).toBe(1)
    expect((await conf()).template).toEqual({ name: v1.name, uuid: v1.uuid })
    // The template of the failed version was this run's: rolled back; the old one stays.
    expect(await templates()).toEqual([v1])
    expect(r.stdout).toContain(`autoscale still clones '${v1.name}', the version that serves`)
  })

  newOnly(
    'delete removes autoscale, the template, the instance and the group; --dry-run lists the template',
    async () => {
      expect((await run(spec(scaled(4)))).code).toBe(0)
      const [made] = await templates()
      const dry = await run(spec(scaled(4)), { command: 'delete', 'dry-run': 'true' })
      expect(dry.code).toBe(0)
      expect(dry.json('plan')).toContainEqual(
        expect.objectContaining({ kind: 'template', name: made.name, action: 'delete' })
      )
      api.emu.journalLog.clear()
      const del = await run(spec(scaled(4)), { command: 'delete' })
      expect(del.code).toBe(0)
      expect(writes()).toEqual([
        'PATCH /v1/instances', // unlocks what it deletes (protect)
        'DELETE /v1/instances',
        'DELETE /v1/services/autoscale',
        'DELETE /v1/instances/templates',
        'DELETE /v1/services'
      ])
      expect(await templates()).toEqual([])
      expect((await api.call('GET', '/services')).json.data.service_groups).toEqual([])
    }
  )

  classicOnly('keeps cloning the master on classic: no template is made', async () => {
    expect((await run(spec(scaled(4)))).code).toBe(0)
    expect(writes().filter((w) => w.includes('templates'))).toEqual([])
  })

  it('says what to do when autoscale is not enabled for the account (code 28)', async () => {
    api.emu.configure({ autoscale_enabled: false })
    const r = await run(spec(scaled(4)))
    expect(r.code).toBe(1)
    expect(r.outputs.status).toBe('partial_success')
    expect(r.stdout).toContain(
      "Autoscale not enabled for your account (code 28): ask Unikraft Cloud support to enable autoscale, or remove 'autoscale' from service group 'web'"
    )
    expect(r.json('instances')[0]).toMatchObject({ name: 'api', state: 'running' })
  })

  it('refuses bad steps before any request', async () => {
    const r = await run(
      spec(
        scaled(4).replace(
          '{ lower_bound: 500, adjustment: 1 }',
          '{ lower_bound: 700, adjustment: 1 }'
        )
      )
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('steps[1] must start where steps[0] ends')
    expect(api.emu.journal()).toEqual([])
  })
})

describe('scale to zero', () => {
  it('is shown in the summary, and standby counts as healthy', async () => {
    const spec = `service_groups:\n  - { name: web, services: ${https} }\ninstances:\n  - { name: api, image: nginx:latest, service_group: web, scale_to_zero: { policy: idle, cooldown_time_ms: 50 } }\n`
    const first = await run(spec)
    expect(first.code).toBe(0)
    expect(first.summary).toContain('scale to zero: idle, 50 ms cooldown')
    await new Promise((r) => setTimeout(r, 150))
    const again = await run(spec)
    expect(again.code).toBe(0)
    expect(again.json('instances')[0]).toMatchObject({ state: 'standby', action: 'unchanged' })
  })
})

describe('volumes across deploys, and deleting in reverse order', () => {
  it('attaches an existing persistent volume, detaches it when the spec drops it, and never deletes what it does not own', async () => {
    await api.call('POST', '/volumes', { name: 'shared', size_mb: 32 })
    const withVolume = `instances:\n  - { name: db, image: nginx:latest, volumes: [{ name: shared, at: /data }] }\n`
    expect((await run(withVolume)).code).toBe(0)
    expect(
      (await api.call('GET', '/volumes', [{ name: 'shared' }])).json.data.volumes[0].attached_to
    ).toEqual([expect.objectContaining({ name: 'db' })])
    const without = await run('instances:\n  - { name: db, image: nginx:latest }\n')
    expect(without.json('plan')[0]).toMatchObject({ action: 'replace', strategy: 'recreate' })
    expect(
      (await api.call('GET', '/volumes', [{ name: 'shared' }])).json.data.volumes[0]
    ).toMatchObject({ state: 'available', attached_to: [] })
    await run(withVolume)
    const del = await run(withVolume, { command: 'delete' })
    expect(del.code).toBe(0)
    expect(del.stdout).toContain(
      "volume(s) 'shared' are mounted by the spec but not defined in it, so they were not deleted"
    )
    expect(
      (await api.call('GET', '/volumes', [{ name: 'shared' }])).json.data.volumes[0].status
    ).toBe('success')
  })

  it('delete with a spec goes instances → autoscale → volumes → groups → certificates', async () => {
    const spec = `certificates:\n  - { name: app-cert, cn: app.example.com, chain: "\${C}", pkey: "\${K}" }\nservice_groups:\n  - { name: web, services: ${https}, domains: [{ name: app.example.com., certificate: app-cert }]${GENERATION === 'classic' ? ', autoscale: { max_size: 2 }' : ''} }\nvolumes: [{ name: data, size_mb: 16 }]\ninstances:\n  - { name: api, image: nginx:latest, service_group: web, volumes: [{ name: data, at: /d, readonly: true }] }\n`
    const env = { C: CERT, K: KEY }
    expect((await run(spec, {}, env)).code).toBe(0)
    api.emu.journalLog.clear()
    const del = await run(spec, { command: 'delete' }, env)
    expect(del.code).toBe(0)
    expect(writes()).toEqual([
      ...(GENERATION === 'new' ? ['PATCH /v1/instances'] : []), // unlocks what it deletes
      'DELETE /v1/instances',
      // Only a spec with autoscale removes it (the new platform's spec here has none).
      ...(GENERATION === 'classic' ? ['DELETE /v1/services/autoscale'] : []),
      'DELETE /v1/volumes',
      'DELETE /v1/services',
      'DELETE /v1/certificates'
    ])
    expect((await api.call('GET', '/certificates')).json.data.certificates).toEqual([])
  })
})
