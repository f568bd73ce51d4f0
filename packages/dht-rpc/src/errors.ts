// DHTError: the error type of local failures, with dht-rpc's codes plus keymesh's additions.

/**
 * Every `DHTError` code, in the order the README table lists them. The first three are
 * dht-rpc's; the rest are keymesh additions for failures dht-rpc reports as plain `Error`s.
 */
export const DHT_ERROR_CODES = [
  'REQUEST_TIMEOUT',
  'REQUEST_DESTROYED',
  'IO_SUSPENDED',
  'NODE_DESTROYED',
  'TOO_FEW_NODES',
  'NO_TOKEN'
] as const

/** A stable `DHTError` code; `err.code` narrows to this union. */
export type DHTErrorCode = (typeof DHT_ERROR_CODES)[number]

/**
 * A local failure of a request or query. The message is formatted `${code}: ${message}`, like
 * dht-rpc's. Wire error numbers (UNKNOWN_COMMAND = 1, INVALID_TOKEN = 2) are not errors of
 * this type: they arrive as `reply.error` (see `WIRE_ERRORS` in `@keymesh/wire`).
 */
export class DHTError extends Error {
  /** Stable machine-readable code. */
  readonly code: DHTErrorCode

  /**
   * @param code - one of {@link DHT_ERROR_CODES}
   * @param message - human-readable text, without the code
   * @param from - frame to hide from the stack trace (the static factory)
   */
  constructor(code: DHTErrorCode, message: string, from?: Function) {
    super(`${code}: ${message}`)
    this.code = code
    Error.captureStackTrace(this, from ?? DHTError)
  }

  /** Always `'DHTError'`. */
  override get name(): string {
    return 'DHTError'
  }

  /** Wire error number for an unknown command (dht-rpc's `DHTError.UNKNOWN_COMMAND`). */
  static readonly UNKNOWN_COMMAND = 1
  /** Wire error number for a bad round-trip token (dht-rpc's `DHTError.INVALID_TOKEN`). */
  static readonly INVALID_TOKEN = 2

  /** Every attempt of a request timed out. */
  static REQUEST_TIMEOUT(message = 'Request timed out'): DHTError {
    return new DHTError('REQUEST_TIMEOUT', message, DHTError.REQUEST_TIMEOUT)
  }

  /** The request was cancelled: by its session, its query or the node's `destroy()`. */
  static REQUEST_DESTROYED(message = 'Request destroyed'): DHTError {
    return new DHTError('REQUEST_DESTROYED', message, DHTError.REQUEST_DESTROYED)
  }

  /** The node was suspended while the request was in flight. */
  static IO_SUSPENDED(message = 'I/O suspended'): DHTError {
    return new DHTError('IO_SUSPENDED', message, DHTError.IO_SUSPENDED)
  }

  /** A request or query was started on a destroyed node (dht-rpc: plain `Error`). */
  static NODE_DESTROYED(message = 'Node destroyed'): DHTError {
    return new DHTError('NODE_DESTROYED', message, DHTError.NODE_DESTROYED)
  }

  /** A committing query found no closest replies to commit to (dht-rpc: plain `Error`). */
  static TOO_FEW_NODES(message = 'Too few nodes responded'): DHTError {
    return new DHTError('TOO_FEW_NODES', message, DHTError.TOO_FEW_NODES)
  }

  /** `commit: true` met a closest reply without a token (dht-rpc: plain `Error`). */
  static NO_TOKEN(message = 'No token received for closest node'): DHTError {
    return new DHTError('NO_TOKEN', message, DHTError.NO_TOKEN)
  }
}
