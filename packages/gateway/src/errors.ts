// GatewayError: every failure the gateway answers, with a stable code and its HTTP status.

/** Every gateway error code with its HTTP status and default message. */
export const GATEWAY_ERRORS = Object.freeze({
  GATEWAY_BAD_REQUEST: { status: 400, message: 'Malformed request' },
  GATEWAY_UNAUTHORIZED: { status: 401, message: 'Not authorized' },
  GATEWAY_NOT_FOUND: { status: 404, message: 'Nothing found' },
  GATEWAY_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this path' },
  GATEWAY_CONFLICT: { status: 409, message: 'A newer value is stored' },
  GATEWAY_BODY_TOO_LARGE: { status: 413, message: 'Body too large' },
  GATEWAY_RATE_LIMITED: { status: 429, message: 'Over a rate limit or cap' },
  GATEWAY_DHT_FAILED: { status: 502, message: 'The DHT operation failed' },
  GATEWAY_NOT_CONNECTED: { status: 503, message: 'The node is not connected to a DHT' }
})

/** A stable gateway error code; `err.code` narrows to this union. */
export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS

/** Every code, in table order. */
export const GATEWAY_ERROR_CODES = Object.freeze(Object.keys(GATEWAY_ERRORS) as GatewayErrorCode[])

/**
 * A request the gateway refuses or could not serve. Answered as JSON `{"err": message, "code"}`
 * with `status`.
 */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode
  /** HTTP status of the answer. */
  readonly status: number

  constructor(code: GatewayErrorCode, message?: string, opts?: { cause?: unknown }) {
    super(message ?? GATEWAY_ERRORS[code].message, opts)
    this.code = code
    this.status = GATEWAY_ERRORS[code].status
  }

  override get name(): string {
    return 'GatewayError'
  }
}

// how the facade's error codes map onto answers
const FROM_DHT: Readonly<Record<string, GatewayErrorCode>> = {
  INVALID_ARGUMENT: 'GATEWAY_BAD_REQUEST',
  INVALID_SIGNATURE: 'GATEWAY_BAD_REQUEST',
  VALUE_TOO_LARGE: 'GATEWAY_BODY_TOO_LARGE',
  SEQ_TOO_LOW: 'GATEWAY_CONFLICT',
  SEQ_REUSED: 'GATEWAY_CONFLICT',
  NAMED_NOT_OWNER: 'GATEWAY_UNAUTHORIZED',
  NAMED_EXPIRED: 'GATEWAY_UNAUTHORIZED',
  NODE_DESTROYED: 'GATEWAY_NOT_CONNECTED'
}

/** Any thrown value as a GatewayError: facade codes map to their status, the rest is a 502. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  const mapped = typeof code === 'string' ? FROM_DHT[code] : undefined
  if (mapped !== undefined) return new GatewayError(mapped, message, { cause: err })
  if ((err as { name?: unknown } | null)?.name === 'TimeoutError') {
    return new GatewayError('GATEWAY_DHT_FAILED', 'The DHT operation timed out', { cause: err })
  }
  return new GatewayError('GATEWAY_DHT_FAILED', message, { cause: err })
}
