// HyperDHTError: the error type of the facade, with hyperdht's codes plus keymesh's additions.

/**
 * Every `HyperDHTError` code with its default message. The first block is hyperdht's own
 * (`lib/errors.js`, docs/wire-protocol.md §10.2); the last block are keymesh additions for the
 * record operations, which hyperdht does not report at all.
 */
export const HYPERDHT_ERROR_MESSAGES = Object.freeze({
  BAD_HANDSHAKE_REPLY: 'Bad handshake reply',
  BAD_HOLEPUNCH_REPLY: 'Bad holepunch reply',
  HOLEPUNCH_ABORTED: 'Holepunch aborted',
  HOLEPUNCH_INVALID: 'Invalid holepunch payload',
  HOLEPUNCH_PROBE_TIMEOUT: 'Holepunching probe did not finish in time',
  HOLEPUNCH_DOUBLE_RANDOMIZED_NATS: 'Both remote and local NATs are randomized',
  CANNOT_HOLEPUNCH: 'Cannot holepunch to remote',
  REMOTE_NOT_HOLEPUNCHING: 'Remote is not holepunching',
  REMOTE_NOT_HOLEPUNCHABLE: 'Remote is not holepunchable',
  REMOTE_ABORTED: 'Remote aborted',
  HANDSHAKE_UNFINISHED: 'Handshake did not finish',
  HANDSHAKE_INVALID: 'Received invalid handshake',
  ALREADY_LISTENING: 'Already listening',
  KEYPAIR_ALREADY_USED: 'Keypair already used',
  NODE_DESTROYED: 'Node destroyed',
  PEER_CONNECTION_FAILED: 'Could not connect to peer',
  PEER_NOT_FOUND: 'Peer not found',
  STREAM_NOT_CONNECTED: 'Stream is not connected',
  SERVER_INCOMPATIBLE: 'Server is using an incompatible version',
  SERVER_ERROR: 'Server returned an error',
  DUPLICATE_CONNECTION: 'Duplicate connection',
  RELAY_ABORTED: 'Relay aborted',
  SUSPENDED: 'Suspended',
  // keymesh additions
  CONNECTION_REFUSED: 'The server refused the connection',
  SEQ_REUSED: 'Every node refused the record: its seq is already used for another value',
  SEQ_TOO_LOW: 'Every node refused the record: they hold a higher seq',
  VALUE_TOO_LARGE: 'Value does not fit in a datagram',
  INVALID_SIGNATURE: 'Signature does not verify',
  INVALID_ARGUMENT: 'Invalid argument',
  // keymesh extension records (named records, watches)
  NAMED_NOT_OWNER: 'The name is held by another public key',
  NAMED_EXPIRED: 'The named record has expired',
  NAMED_REFUSED: 'Every node refused the named record',
  // keymesh persistence and republishing
  STORAGE_FAILED: 'The storage directory could not be opened or written',
  STORAGE_LOCKED: 'The storage directory is in use by another node',
  REPUBLISH_LIMIT: 'Too many records are kept alive'
})

/**
 * keymesh's payload error for a firewall rejection (decision 0005): the server answers message 2
 * with this code instead of staying silent, so clients fail at once with `CONNECTION_REFUSED`
 * (hyperdht clients see a non-zero error and fail with `SERVER_ERROR`).
 */
export const CONNECTION_REFUSED_ERROR = 4

/** A stable `HyperDHTError` code; `err.code` narrows to this union. */
export type HyperDHTErrorCode = keyof typeof HYPERDHT_ERROR_MESSAGES

/** Every code, in table order. */
export const HYPERDHT_ERROR_CODES = Object.freeze(
  Object.keys(HYPERDHT_ERROR_MESSAGES) as HyperDHTErrorCode[]
)

/**
 * A failure of a facade operation. The message is `${code}: ${message}`, and `name` is
 * `'DHTError'`, both as hyperdht formats them, so code that matches on either keeps working.
 */
export class HyperDHTError extends Error {
  /** Stable machine-readable code. */
  readonly code: HyperDHTErrorCode

  /**
   * @param code - one of {@link HYPERDHT_ERROR_CODES}
   * @param message - human-readable text, without the code; defaults to the code's message
   * @param opts - `cause`, as for `Error`
   */
  constructor(code: HyperDHTErrorCode, message?: string, opts?: { cause?: unknown }) {
    super(`${code}: ${message ?? HYPERDHT_ERROR_MESSAGES[code]}`, opts)
    this.code = code
    Error.captureStackTrace(this, HyperDHTError)
  }

  /** Always `'DHTError'`, hyperdht's name for its errors. */
  override get name(): string {
    return 'DHTError'
  }
}

/** What a storing node answered to a put, when it did not store the record. */
export interface PutRefusal {
  /** The node that refused. */
  from: { host: string; port: number; id: Buffer | null }
  /** `'SEQ_REUSED'`, `'SEQ_TOO_LOW'`, or `'ERROR_<n>'` for any other wire error number. */
  code: string
}

/**
 * Thrown by `mutablePut` when every node that answered refused the record, so nothing was
 * stored. Carries the refusals.
 */
export class PutRefusedError extends HyperDHTError {
  /** One entry per refusing node. */
  readonly refused: PutRefusal[]

  /**
   * @param code - the code most nodes refused with
   * @param refused - every refusal
   */
  constructor(code: 'SEQ_REUSED' | 'SEQ_TOO_LOW', refused: PutRefusal[]) {
    super(code)
    this.refused = refused
  }
}
