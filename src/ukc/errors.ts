/** Error codes and error types of the UKC API client. */

/**
 * Per-item `error` codes. The API publishes no list; these follow the classic Go SDK's
 * enumeration (ukc-api.md §3.4), confirmed for 8, 14 and 23 by newer code.
 */
export const ErrorCode = {
  UnknownError: 0,
  NotSupported: 1,
  WrongMethod: 2,
  NoApiEndpoint: 3,
  FailNotAll: 4,
  TooMany: 5,
  Unknown: 6,
  Invalid: 7,
  NotFound: 8,
  NoFree: 9,
  FailedOperation: 10,
  FailedWrongVmState: 11,
  TimedOut: 12,
  MissingId: 13,
  NotAllowed: 14,
  Attached: 15,
  MalformedRequest: 16,
  NotBoth: 17,
  AddService: 18,
  Quota: 19,
  GuestMemoryTooSmall: 20,
  NotAttached: 21,
  TooLong: 22,
  AlreadyExists: 23,
  CannotBeUsed: 24,
  AutoscaleInstance: 25,
  AutoscaleConfigured: 26,
  AutoscaleNotConfigured: 27,
  AutoscaleDisabled: 28,
  AutoscaleSizeOutOfRange: 29,
  CertCnMismatch: 30
} as const

export type ErrorCodeName = keyof typeof ErrorCode

const NAMES = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName])
)

export function errorCodeName(code: number | undefined): ErrorCodeName | undefined {
  return code === undefined ? undefined : NAMES.get(code)
}

export type UkcErrorKind = 'http' | 'network' | 'timeout' | 'parse' | 'config'

export interface UkcErrorDetails {
  kind: UkcErrorKind
  method?: string
  path?: string
  /** Host of the API endpoint, so an error says which metro it came from. */
  host?: string
  status?: number
  serverMessage?: string
  attempts?: number
  /** A write that may have taken effect although it failed (timeout, reset, 5xx after sending). */
  ambiguous?: boolean
  cause?: unknown
}

/**
 * A whole request failed: it carries the method, path, host, HTTP status and the server's
 * message. The token is never part of it (the transport never puts headers in errors).
 */
export class UkcError extends Error {
  readonly kind: UkcErrorKind
  readonly method?: string
  readonly path?: string
  readonly host?: string
  readonly status?: number
  readonly serverMessage?: string
  readonly attempts?: number
  readonly ambiguous: boolean

  constructor(summary: string, details: UkcErrorDetails) {
    const where = details.method
      ? `${details.method} ${details.path ?? ''}${details.host ? ` on ${details.host}` : ''}`
      : ''
    const tries =
      details.attempts && details.attempts > 1 ? ` (after ${details.attempts} attempts)` : ''
    super(
      where ? `${where}: ${summary}${tries}` : summary,
      details.cause ? { cause: details.cause } : undefined
    )
    this.name = 'UkcError'
    this.kind = details.kind
    this.method = details.method
    this.path = details.path
    this.host = details.host
    this.status = details.status
    this.serverMessage = details.serverMessage
    this.attempts = details.attempts
    this.ambiguous = details.ambiguous ?? false
  }
}

/** A name that breaks the API's naming rules, caught before any request is sent. */
export class InvalidNameError extends Error {
  constructor(
    readonly value: string,
    readonly rule: string
  ) {
    super(`'${value.length > 60 ? `${value.slice(0, 60)}…` : value}' is not a valid name: ${rule}`)
    this.name = 'InvalidNameError'
  }
}
