/** Self-hosted runners behind a proxy: the client honours http(s)_proxy like @actions/http-client. */
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { Transport } from '../../src/ukc/transport.js'

/** An address of this machine that is not loopback: http-client never proxies loopback. */
const hostIp = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address

let emu: Emulator
let proxy: Server
const tunnels: string[] = []

beforeAll(async () => {
  emu = await startEmulator({ host: '0.0.0.0' })
  proxy = createServer()
  proxy.on('connect', (req, client) => {
    tunnels.push(req.url ?? '')
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
})

afterAll(async () => {
  await emu.close()
  proxy.closeAllConnections()
  await new Promise<void>((r) => proxy.close(() => r()))
})

it('tunnels API requests through http_proxy', async () => {
  expect(hostIp).toBeDefined() // a machine without a network interface cannot run this test
  const port = new URL(emu.url).port
  const saved = process.env.http_proxy
  process.env.http_proxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  try {
    const t = new Transport({ baseUrl: `http://${hostIp}:${port}/v1`, token: 'x' })
    const r = await t.call({ method: 'GET', path: '/users/quotas', plural: 'quotas' })
    t.close()
    expect(r.status).toBe('success')
    expect(tunnels).toEqual([`${hostIp}:${port}`])
  } finally {
    if (saved === undefined) delete process.env.http_proxy
    else process.env.http_proxy = saved
  }
})
