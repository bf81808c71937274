/**
 * The baseline: how a shell loop around a CLI works — one local-scope request per object,
 * in sequence, and readiness by polling each object's status every second.
 */
import { Transport } from '../src/ukc/transport.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function naive(
  baseUrl: string,
  op: 'deploy' | 'status' | 'stop' | 'start' | 'delete',
  n: number
): Promise<void> {
  const t = new Transport({ baseUrl, token: 't' })
  const names = Array.from({ length: n }, (_, i) => `app-${i + 1}`)
  const uuids: string[] = []
  const list = await t.call<{ uuid: string; name: string }>({
    method: 'GET',
    path: '/instances',
    plural: 'instances'
  })
  const byName = new Map(list.items.map((i) => [i.value.name, i.value.uuid]))
  const pollUntil = async (state: string): Promise<void> => {
    for (;;) {
      let all = true
      for (const u of uuids) {
        const r = await t.call<{ state: string }>({
          method: 'GET',
          path: `/instances/${u}`,
          plural: 'instances'
        })
        if (r.items[0]?.value.state !== state) all = false
      }
      if (all) return
      await sleep(1000)
    }
  }
  try {
    if (op === 'deploy') {
      const groups = await t.call<{ name: string }>({
        method: 'GET',
        path: '/services',
        plural: 'service_groups'
      })
      if (!groups.items.some((g) => g.value.name === 'web'))
        await t.call({
          method: 'POST',
          path: '/services',
          body: {
            name: 'web',
            services: [{ port: 443, destination_port: 8080, handlers: ['http', 'tls'] }]
          },
          plural: 'service_groups'
        })
      for (const name of names) {
        const r = await t.call<{ uuid: string }>({
          method: 'POST',
          path: '/instances',
          body: { name, image: 'acme/app:1', autostart: true, service_group: { name: 'web' } },
          plural: 'instances'
        })
        uuids.push(r.items[0].value.uuid)
      }
      return await pollUntil('running')
    }
    for (const name of names) uuids.push(byName.get(name)!)
    for (const u of uuids) {
      if (op === 'status')
        await t.call({ method: 'GET', path: `/instances/${u}`, plural: 'instances' })
      if (op === 'stop')
        await t.call({ method: 'PUT', path: `/instances/${u}/stop`, body: {}, plural: 'instances' })
      if (op === 'start')
        await t.call({
          method: 'PUT',
          path: `/instances/${u}/start`,
          body: {},
          plural: 'instances'
        })
      if (op === 'delete')
        await t.call({ method: 'DELETE', path: `/instances/${u}`, plural: 'instances' })
    }
    if (op === 'stop') await pollUntil('stopped')
    if (op === 'start') await pollUntil('running')
  } finally {
    t.close()
  }
}
