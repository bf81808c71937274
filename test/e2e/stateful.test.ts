/**
 * Stateful apps (issue 26): an instance on a read-write volume is replaced by stop → hand over
 * → start under the same name, the interruption is measured, and a new version that does not
 * come up is replaced by the previous one again, on the same volume.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction as runBundled, workspace } from '../../scripts/local-runner.js'
import { GENERATION, generationInput, minRunning, useEmulator } from '../support/emulator.js'

const api = useEmulator({ bootDelayMs: 30 })
const runAction: typeof runBundled = (inputs, opts = {}) =>
  runBundled(inputs, { ...opts, env: { UKC_SETTLE_MS: '300', ...opts.env } })

const spec = (image: string): string => `volumes: [{ name: pgdata, size_mb: 16 }]
instances:
  - { name: db, image: ${image}, memory_mb: 256, env: { PGDATA: /data }, volumes: [{ name: pgdata, at: /data }] }
`
const deploy = (image: string) =>
  runAction(
    {
      token: 't',
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      timeout: '20'
    },
    { workspace: workspace({ 'ukc.yml': spec(image) }) }
  )

interface Inst {
  uuid: string
  name: string
  state: string
  image: string
  volumes?: { name: string }[]
}
const instances = async (): Promise<Inst[]> =>
  (await api.call('GET', '/instances')).json.data.instances
const volume = async (): Promise<{ uuid: string; attached_to: { name: string; uuid: string }[] }> =>
  (await api.call('GET', '/volumes', [{ name: 'pgdata' }])).json.data.volumes[0]

describe('a database on a read-write volume', () => {
  it('changes image by handover: same volume, the plan says it interrupts service, the summary measures it', async () => {
    api.emu.pushImage('acme/db:2')
    expect((await deploy('acme/db:2')).code).toBe(0)
    const before = await volume()
    api.emu.pushImage('acme/db:3')
    const run = await deploy('acme/db:3')
    expect(run.code).toBe(0)
    const plan = run.json('plan').find((p: { name: string }) => p.name === 'db')
    expect(plan).toMatchObject({ action: 'replace', strategy: 'recreate' })
    expect(plan.reason).toContain("volume 'pgdata' is mounted read-write")
    expect(plan.reason).toContain('service is interrupted')
    expect(run.summary).toMatch(/instance 'db': service was interrupted for \d+\.\d s/)
    const after = await volume()
    expect(after.uuid).toBe(before.uuid)
    const [db] = await instances()
    expect(after.attached_to.map((a) => a.uuid)).toEqual([db.uuid])
    expect(run.json('instances')[0]).toMatchObject({
      name: 'db',
      action: 'replaced',
      uuid: db.uuid
    })
  })

  it('a new image that crashes: the previous version runs again on the volume, and the step fails saying both', async () => {
    api.emu.pushImage('acme/db:2')
    expect((await deploy('acme/db:2')).code).toBe(0)
    const [v2] = await instances()
    const vol = await volume()
    api.emu.pushImage('acme/db:3', {
      crash: { after_ms: 5, exit_code: 1, message: 'FATAL: database files are incompatible' }
    })
    const run = await deploy('acme/db:3')
    expect(run.code).toBe(1)
    const row = run.json('instances')[0]
    expect(row.action).toBe('failed')
    expect(row.state).toBe('running')
    expect(row.error).toMatch(
      /^the new version did not come up \(did not stay up: .*\); the previous version \(acme\/db@sha256:[0-9a-f]+…\) was restored on pgdata and runs; see its console below$/
    )
    // Only the previous version is left: nothing of the crash.
    const left = await instances()
    expect(left).toHaveLength(1)
    expect(left[0].image).toBe(v2.image)
    expect(left[0].state).toBe('running')
    expect((await volume()).uuid).toBe(vol.uuid)
    expect((await volume()).attached_to.map((a) => a.uuid)).toEqual([left[0].uuid])
    // Its console is the crashed one's, and the previous version is not this run's creation.
    expect(run.summary).toContain('FATAL: database files are incompatible')
    expect(run.json('instance-uuids')).toEqual([])
    expect(run.outputs.status).toBe('error')
  })
})

const readOnly = (
  image: string,
  mode: string
): string => `volumes: [{ name: assets, size_mb: 16${mode} }]
service_groups:
  - { name: web, services: [{ port: 443, destination_port: 8080, handlers: [http, tls] }] }
instances:
  - { name: site, image: ${image}, service_group: web, volumes: [{ name: assets, at: /srv, readonly: true }] }
`
const deployReadOnly = (image: string, mode = '') =>
  runAction(
    {
      token: 't',
      'api-url': api.emu.baseUrl,
      ...generationInput(),
      spec: 'ukc.yml',
      timeout: '20'
    },
    { workspace: workspace({ 'ukc.yml': readOnly(image, mode) }) }
  )
const onNew = GENERATION === 'new' ? describe : describe.skip
const onClassic = GENERATION === 'classic' ? describe : describe.skip

onNew('read-only mounts of a rox volume (new platform)', () => {
  it('roll with a surge that mounts the volume too: no moment without a running instance', async () => {
    api.emu.pushImage('acme/site:1')
    expect((await deployReadOnly('acme/site:1', ', access_mode: rox')).code).toBe(0)
    const vol = (await api.call('GET', '/volumes', [{ name: 'assets' }])).json.data.volumes[0]
    expect(vol.access_mode).toBe('rox')
    api.emu.pushImage('acme/site:2')
    const from = Date.now()
    const run = await deployReadOnly('acme/site:2', ', access_mode: rox')
    expect(run.code).toBe(0)
    const plan = run.json('plan').find((p: { name: string }) => p.name === 'site')
    expect(plan).toMatchObject({ action: 'replace', strategy: 'rolling' })
    expect(minRunning(api.emu.timeline(), from)).toBeGreaterThanOrEqual(1)
    // The surge mounted the volume beside the old instance.
    expect(
      api.emu
        .journal()
        .some(
          (e) =>
            e.method === 'POST' &&
            e.path === '/v1/instances' &&
            /site-surge-/.test(JSON.stringify(e.body)) &&
            e.status === 200
        )
    ).toBe(true)
    const [site] = await instances()
    expect(site.image).toContain('acme/site@')
    expect(
      (await api.call('GET', '/volumes', [{ name: 'assets' }])).json.data.volumes[0].uuid
    ).toBe(vol.uuid)
  })

  it('a rwo volume (the default) is recreated with handover, never surged', async () => {
    api.emu.pushImage('acme/site:1')
    expect((await deployReadOnly('acme/site:1')).code).toBe(0)
    api.emu.pushImage('acme/site:2')
    const run = await deployReadOnly('acme/site:2')
    expect(run.code).toBe(0)
    const plan = run.json('plan').find((p: { name: string }) => p.name === 'site')
    expect(plan).toMatchObject({ action: 'replace', strategy: 'recreate' })
    expect(plan.reason).toContain("volume 'assets' has access mode rwo")
    expect(
      api.emu.journal().filter((e) => e.status === 200 && /surge/.test(JSON.stringify(e.body)))
    ).toEqual([])
  })
})

onClassic('read-only mounts on the classic API (one attach at a time)', () => {
  it('are recreated with handover, and access_mode is refused before any request', async () => {
    api.emu.pushImage('acme/site:1')
    expect((await deployReadOnly('acme/site:1')).code).toBe(0)
    api.emu.pushImage('acme/site:2')
    const run = await deployReadOnly('acme/site:2')
    expect(run.code).toBe(0)
    const plan = run.json('plan').find((p: { name: string }) => p.name === 'site')
    expect(plan).toMatchObject({ action: 'replace', strategy: 'recreate' })
    expect(plan.reason).toContain(
      "volume 'assets' attaches to one instance at a time on this platform"
    )
    api.emu.journalLog.clear()
    const rox = await deployReadOnly('acme/site:2', ', access_mode: rox')
    expect(rox.code).toBe(1)
    expect(rox.stdout).toContain(
      "volume 'assets': access_mode 'rox' is a field of the new Unikraft Cloud platform"
    )
    expect(api.emu.journal().filter((e) => e.method !== 'GET')).toEqual([])
  })
})
