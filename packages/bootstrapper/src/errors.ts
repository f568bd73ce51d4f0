// BootstrapperError: the one error type of @keymesh/bootstrapper, with stable codes.

/** Every `BootstrapperError` code with its default message. */
export const BOOTSTRAPPER_ERROR_MESSAGES = Object.freeze({
  INVALID_PORT: 'Port must be an integer from 0 to 65535',
  INVALID_HOST: 'Host must be a literal IPv4 address',
  INVALID_NODES: 'Node count must be a non-negative integer',
  PORT_IN_USE: 'Port is already in use',
  BIND_FAILED: 'Could not bind the UDP socket'
})

/** A stable `BootstrapperError` code; `err.code` narrows to this union. */
export type BootstrapperErrorCode = keyof typeof BOOTSTRAPPER_ERROR_MESSAGES

/** Every code, in table order. */
export const BOOTSTRAPPER_ERROR_CODES = Object.freeze(
  Object.keys(BOOTSTRAPPER_ERROR_MESSAGES) as BootstrapperErrorCode[]
)

/**
 * A failure to start a bootstrapper or local network. The message is `${code}: ${message}`, as
 * keymesh's other errors format it. Invalid arguments throw synchronously-checked codes
 * (`INVALID_*`); socket failures (`PORT_IN_USE`, `BIND_FAILED`) carry the system error as
 * `cause`.
 */
export class BootstrapperError extends Error {
  /** Stable machine-readable code. */
  readonly code: BootstrapperErrorCode

  /**
   * @param code - one of {@link BOOTSTRAPPER_ERROR_CODES}
   * @param message - human-readable text, without the code; defaults to the code's message
   * @param opts - `cause`, as for `Error`
   */
  constructor(code: BootstrapperErrorCode, message?: string, opts?: { cause?: unknown }) {
    super(`${code}: ${message ?? BOOTSTRAPPER_ERROR_MESSAGES[code]}`, opts)
    this.code = code
    Error.captureStackTrace(this, BootstrapperError)
  }

  /** Always `'BootstrapperError'`. */
  override get name(): string {
    return 'BootstrapperError'
  }

  /** `port` is not an integer in 0..65535. */
  static INVALID_PORT(port: unknown): BootstrapperError {
    return new BootstrapperError(
      'INVALID_PORT',
      `${BOOTSTRAPPER_ERROR_MESSAGES.INVALID_PORT}, got ${describe(port)}`
    )
  }

  /** `host` is not a literal IPv4 address (or is a wildcard where one is not allowed). */
  static INVALID_HOST(
    host: unknown,
    why: string = BOOTSTRAPPER_ERROR_MESSAGES.INVALID_HOST
  ): BootstrapperError {
    return new BootstrapperError('INVALID_HOST', `${why}, got ${describe(host)}`)
  }

  /** `nodes` is not an integer in 0..max. */
  static INVALID_NODES(nodes: unknown, max: number): BootstrapperError {
    return new BootstrapperError(
      'INVALID_NODES',
      `Node count must be an integer from 0 to ${max}, got ${describe(nodes)}`
    )
  }

  /** Another socket holds `host:port`. */
  static PORT_IN_USE(host: string, port: number, cause?: unknown): BootstrapperError {
    return new BootstrapperError('PORT_IN_USE', `UDP port ${host}:${port} is already in use`, {
      cause
    })
  }

  /** Binding `host:port` failed for another reason (address not local, permission, ...). */
  static BIND_FAILED(host: string, port: number, cause?: unknown): BootstrapperError {
    const reason = cause instanceof Error ? `: ${cause.message}` : ''
    return new BootstrapperError('BIND_FAILED', `Could not bind UDP ${host}:${port}${reason}`, {
      cause
    })
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}
