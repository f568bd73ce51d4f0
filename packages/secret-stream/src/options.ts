// Options, start options, the handshake shape and the frozen DEFAULTS of NoiseSecretStream.

import { MAX_MESSAGE_BYTES } from './constants.js'
import type { KeyPairLike, NoisePattern } from './noise-handshake.js'

/**
 * A handshake completed elsewhere (hyperdht's IK inside PEER_HANDSHAKE): the stream skips its
 * own handshake and sends its header at once. `NoiseHandshake.final()` has this shape.
 */
export interface SecretStreamHandshake {
  /** This side's sending key (first 32 bytes used). */
  tx: Uint8Array
  /** This side's receiving key (first 32 bytes used). */
  rx: Uint8Array
  /** The 64-byte handshake hash. */
  hash: Uint8Array
  /** This side's static public key. */
  publicKey: Uint8Array
  /** The peer's static public key. */
  remotePublicKey: Uint8Array
}

/** Options of `start()` (and the same fields of the constructor options). */
export interface NoiseSecretStreamStartOptions {
  /** Keys from a handshake done elsewhere; no handshake then runs on the raw stream. @default null */
  handshake?: SecretStreamHandshake | null
  /**
   * Static key pair for the stream's own handshake, or a promise of one (the stream opens once it
   * resolves and is destroyed if it rejects).
   * @default a new random key pair
   */
  keyPair?: KeyPairLike | Promise<KeyPairLike> | null
  /** Bytes already read from the raw stream, processed before anything else. @default null */
  data?: Uint8Array | null
  /** The raw stream has already ended. @default false */
  ended?: boolean
}

/** Options of `new NoiseSecretStream(isInitiator, rawStream, opts)`. */
export interface NoiseSecretStreamOptions extends NoiseSecretStreamStartOptions {
  /** Handshake pattern when no `handshake` is given: `'XX'` or `'IK'`. @default 'XX' */
  pattern?: NoisePattern
  /**
   * The peer's expected static key. Required for the IK initiator. When set, a peer that
   * authenticates with any other key is refused with `REMOTE_KEY_MISMATCH` (keymesh checks this
   * in XX too; @hyperswarm/secret-stream only uses it for IK).
   * @default null
   */
  remotePublicKey?: Uint8Array | null
  /** Reported as `publicKey` until a handshake sets it (hyperdht passes it). @default null */
  publicKey?: Uint8Array | null
  /** Send an empty message after this many ms without a write; 0 disables. @default 0 */
  keepAlive?: number
  /** Destroy the stream after this many ms without input; 0 disables. @default 0 */
  timeout?: number
  /** Start at once with `rawStream`; false defers to `start()`. @default true */
  autoStart?: boolean
  /** Enable the unordered `send`/`trySend` channel (udx raw streams only). @default true */
  enableSend?: boolean
  /** Drop empty messages instead of emitting them (always on while keep-alive is). @default false */
  filterZeroByteMessages?: boolean
  /**
   * Largest plaintext accepted in one incoming message. A frame announcing more is refused with
   * `FRAME_TOO_LARGE` before any of it is buffered. The default, 2^24 − 18, is everything a uint24
   * frame can carry, as in @hyperswarm/secret-stream; lower it to bound memory per connection.
   * @default 16777198
   */
  maxMessageSize?: number
  /**
   * Destroys the stream with `signal.reason` when aborted (at once if already aborted).
   * @default undefined
   */
  signal?: AbortSignal
  /**
   * Tests only: use these 24 bytes as this side's secretstream header instead of random ones.
   * @internal
   */
  _pinnedHeader?: Uint8Array | null
  /**
   * Tests only: initial value of the unordered-message counter instead of 8 random bytes.
   * @internal
   */
  _pinnedSendCounter?: Uint8Array | null
}

/** Defaults of {@link NoiseSecretStreamOptions}, frozen. */
export const DEFAULTS = Object.freeze({
  pattern: 'XX' as NoisePattern,
  keepAlive: 0,
  timeout: 0,
  autoStart: true,
  enableSend: true,
  filterZeroByteMessages: false,
  maxMessageSize: MAX_MESSAGE_BYTES
})
