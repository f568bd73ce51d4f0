// HolepunchError: the one error type this package throws, with its stable codes.

/** Every `HolepunchError` code, in the order the README table lists them. */
export const HOLEPUNCH_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'POOL_DESTROYED',
  'SOCKET_NOT_BOUND',
  'INVALID_FRAME',
  'DUPLICATE_CHANNEL',
  'CHANNEL_CLOSED',
  'CHANNEL_DESTROYED',
  'ALREADY_PAIRING',
  'PAIRING_CANCELLED'
] as const

/** A stable `HolepunchError` code; `err.code` narrows to this union. */
export type HolepunchErrorCode = (typeof HOLEPUNCH_ERROR_CODES)[number]

/**
 * Thrown synchronously when this package is misused. Network input never produces one: bad
 * datagrams and payloads are dropped (decrypt returns `null`).
 * The Protomux and blind-relay codes also arrive asynchronously: a mux destroys its stream with
 * `INVALID_FRAME`, and pairing requests fail with the blind-relay codes (as blind-relay's own
 * errors, whose codes they keep).
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

  /**
   * A peer sent a Protomux frame that does not decode or breaks the protocol; the mux destroys
   * its stream with this error (`cause`: the decoding error, if any).
   */
  static INVALID_FRAME(message = 'Invalid protomux frame', cause?: unknown): HolepunchError {
    const err = new HolepunchError('INVALID_FRAME', message, HolepunchError.INVALID_FRAME)
    if (cause !== undefined) err.cause = cause
    return err
  }

  /** A blind-relay channel with the same id is already open on that stream. */
  static DUPLICATE_CHANNEL(message = 'Duplicate channel'): HolepunchError {
    return new HolepunchError('DUPLICATE_CHANNEL', message, HolepunchError.DUPLICATE_CHANNEL)
  }

  /** The blind-relay channel closed (locally or by the peer) before a pairing finished. */
  static CHANNEL_CLOSED(message = 'Channel closed'): HolepunchError {
    return new HolepunchError('CHANNEL_CLOSED', message, HolepunchError.CHANNEL_CLOSED)
  }

  /** The blind-relay client or session was destroyed. */
  static CHANNEL_DESTROYED(message = 'Channel destroyed'): HolepunchError {
    return new HolepunchError('CHANNEL_DESTROYED', message, HolepunchError.CHANNEL_DESTROYED)
  }

  /** `pair()` was called for a token that already has a request on that client. */
  static ALREADY_PAIRING(message = 'Already pairing'): HolepunchError {
    return new HolepunchError('ALREADY_PAIRING', message, HolepunchError.ALREADY_PAIRING)
  }

  /** The pairing was withdrawn with `unpair()`. */
  static PAIRING_CANCELLED(message = 'Pairing cancelled'): HolepunchError {
    return new HolepunchError('PAIRING_CANCELLED', message, HolepunchError.PAIRING_CANCELLED)
  }
}
