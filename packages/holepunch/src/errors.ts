// HolepunchError: the one error type this package throws, with its stable codes.

/** Every `HolepunchError` code, in the order the README table lists them. */
export const HOLEPUNCH_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'POOL_DESTROYED',
  'SOCKET_NOT_BOUND'
] as const

/** A stable `HolepunchError` code; `err.code` narrows to this union. */
export type HolepunchErrorCode = (typeof HOLEPUNCH_ERROR_CODES)[number]

/**
 * Thrown synchronously when this package is misused. Network input never produces one: bad
 * datagrams and payloads are dropped (decrypt returns `null`).
 * Message format: `${code}: ${message}`.
 */
export class HolepunchError extends Error {
  /** Stable machine-readable code. */
  readonly code: HolepunchErrorCode

  /**
   * @param code - one of {@link HOLEPUNCH_ERROR_CODES}
   * @param message - human-readable detail, without the code
   * @param from - frame to hide from the stack trace (the static factory)
   */
  constructor(code: HolepunchErrorCode, message: string, from?: Function) {
    super(`${code}: ${message}`)
    this.code = code
    Error.captureStackTrace(this, from ?? HolepunchError)
  }

  /** Always `'HolepunchError'`. */
  override get name(): string {
    return 'HolepunchError'
  }

  /** A value has the wrong type, length or range (e.g. a holepunch secret that is not 32 bytes). */
  static INVALID_ARGUMENT(message = 'Invalid argument'): HolepunchError {
    return new HolepunchError('INVALID_ARGUMENT', message, HolepunchError.INVALID_ARGUMENT)
  }

  /** `acquire()` was called on a socket pool that is destroyed. */
  static POOL_DESTROYED(message = 'Socket pool is destroyed'): HolepunchError {
    return new HolepunchError('POOL_DESTROYED', message, HolepunchError.POOL_DESTROYED)
  }

  /** A socket's local address was needed but the socket is not bound. */
  static SOCKET_NOT_BOUND(message = 'Socket is not bound'): HolepunchError {
    return new HolepunchError('SOCKET_NOT_BOUND', message, HolepunchError.SOCKET_NOT_BOUND)
  }
}
