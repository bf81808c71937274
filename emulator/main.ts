/**
 * `npm run emulator -- --port 8080 [--generation classic|new] [--boot-delay-ms 30]
 * [--latency-ms 0] [--metro fra0] [--token T] [--strict-images]`: runs the emulator until
 * interrupted.
 */
import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    metro: { type: 'string' },
    generation: { type: 'string' },
    'boot-delay-ms': { type: 'string', default: '30' },
    'latency-ms': { type: 'string', default: '0' },
    token: { type: 'string' },
    'strict-images': { type: 'boolean', default: false },
    'legacy-timeouts': { type: 'boolean', default: false },
    'delete-delay-ms': { type: 'string', default: '0' },
    'page-size': { type: 'string', default: '0' },
    'no-image-store': { type: 'boolean', default: false },
    'max-in-flight': { type: 'string', default: '0' },
    'retry-after': { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})

if (values.help) {
  console.log(
    'Usage: npm run emulator -- [--port 8080] [--host 127.0.0.1] [--generation classic|new] [--metro fra0|fra] [--boot-delay-ms 30] [--latency-ms 0] [--token T] [--strict-images] [--legacy-timeouts] [--delete-delay-ms N] [--page-size N] [--no-image-store] [--max-in-flight N [--retry-after S]]'
  )
  process.exit(0)
}
if (values.generation !== undefined && !['classic', 'new'].includes(values.generation)) {
  console.error(`--generation: '${values.generation}' is not valid; use classic or new`)
  process.exit(2)
}

const emulator = await startEmulator({
  port: Number(values.port),
  host: values.host,
  metro: values.metro,
  generation: values.generation as 'classic' | 'new' | undefined,
  bootDelayMs: Number(values['boot-delay-ms']),
  latencyMs: Number(values['latency-ms']),
  token: values.token,
  strictImages: values['strict-images'],
  legacyTimeouts: values['legacy-timeouts'],
  deleteDelayMs: Number(values['delete-delay-ms']),
  pageSize: Number(values['page-size']),
  imageStore: !values['no-image-store'],
  maxInFlight: Number(values['max-in-flight']),
  retryAfterS: values['retry-after'] === undefined ? undefined : Number(values['retry-after'])
})
console.log(`UKC emulator (${emulator.settings.generation} API) listening on ${emulator.baseUrl}`)
console.log(`Test controls: ${emulator.url}/_emulator (reset, config, images, faults, journal)`)
const stop = (): void => void emulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
