/** Where the API lives: a metro code or a full base URL (PRODUCT.md, input `metro`/`api-url`). */
import { aboutField, FieldError, type Field, type Worded } from '../fields.js'

/** Classic (kraft.cloud) metros and the new (unikraft.cloud) ones, ukc-api.md §1.1. */
export const CLASSIC_METROS = ['fra0', 'dal0', 'sin0', 'was1'] as const
export const NEW_METROS = ['fra', 'dal', 'sfo', 'sin', 'was'] as const
export const DEFAULT_METRO = 'fra0'

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i

export function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname)
}

/** An endpoint that cannot be used, before any request: the field is named by the front end. */
function configError(field: Field, text: string | Worded): FieldError {
  return new FieldError('bad-endpoint', field, aboutField(field, text))
}

/**
 * The base URL every path is appended to, always ending in `/v1`. `apiUrl` wins over `metro`;
 * it must be https unless it points at this machine (an emulator).
 */
export function resolveBaseUrl(opts: { metro?: string; apiUrl?: string }): string {
  if (opts.apiUrl) {
    let url: URL
    try {
      url = new URL(opts.apiUrl)
    } catch {
      throw configError(
        'api-url',
        `'${opts.apiUrl}' is not a URL; give a full URL such as https://api.fra0.kraft.cloud/v1`
      )
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
      throw configError(
        'api-url',
        `'${url.origin}' must use https:// (plain http:// is only allowed for loopback hosts such as 127.0.0.1)`
      )
    if (url.username || url.password)
      throw configError(
        'api-url',
        (w) => `must not carry credentials; pass the token through ${w.name('token')}`
      )
    const path = url.pathname.replace(/\/+$/, '')
    return `${url.origin}${path.endsWith('/v1') ? path : `${path}/v1`}`
  }
  const metro = (opts.metro || DEFAULT_METRO).trim().toLowerCase()
  if ((CLASSIC_METROS as readonly string[]).includes(metro))
    return `https://api.${metro}.kraft.cloud/v1`
  if ((NEW_METROS as readonly string[]).includes(metro))
    return `https://api.${metro}.unikraft.cloud/v1`
  throw configError(
    'metro',
    (w) =>
      `'${opts.metro}' is not a known metro; valid: ${[...CLASSIC_METROS, ...NEW_METROS].join(', ')} (or set ${w.name('api-url')} for another endpoint)`
  )
}
