// Argument checks for NoiseSecretStream's constructor and methods: misuse throws INVALID_ARGUMENT.

import { SECRETSTREAM_HEADER_BYTES } from '@keymesh/wire'
import { HASH_BYTES, KEY_BYTES, MAX_MESSAGE_BYTES } from './constants.js'
import { SecretStreamError } from './errors.js'
import { NOISE_PATTERNS } from './noise-handshake.js'
import type { NoiseSecretStreamOptions, SecretStreamHandshake } from './options.js'
import { UNORDERED_COUNTER_BYTES } from './unordered-box.js'

function isBytes(value: unknown, min: number, max = min): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength >= min && value.byteLength <= max
}

function optionalBytes(value: unknown, length: number, name: string): void {
  if (value === undefined || value === null || isBytes(value, length)) return
  throw SecretStreamError.INVALID_ARGUMENT(`${name} must be ${length} bytes`)
}

/**
 * A keep-alive or timeout in ms: falsy means 0 (disabled, as in @hyperswarm/secret-stream),
 * anything else must be a non-negative finite number.
 * @internal
 */
export function checkMs(ms: unknown, name: string): number {
  if (!ms) return 0
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw SecretStreamError.INVALID_ARGUMENT(`${name} must be a non-negative number of ms`)
  }
  return ms
}

/**
 * Validates the constructor arguments before the stream exists.
 * @internal
 */
export function checkStreamArguments(isInitiator: unknown, opts: NoiseSecretStreamOptions): void {
  if (typeof isInitiator !== 'boolean') {
    throw SecretStreamError.INVALID_ARGUMENT('isInitiator should be a boolean')
  }
  if (opts === null || typeof opts !== 'object') {
    throw SecretStreamError.INVALID_ARGUMENT('options must be an object')
  }
  const pattern = opts.pattern ?? 'XX'
  if (!NOISE_PATTERNS.includes(pattern)) {
    throw SecretStreamError.INVALID_ARGUMENT(`Unsupported Noise pattern: ${String(pattern)}`)
  }
  optionalBytes(opts.remotePublicKey, KEY_BYTES, 'remotePublicKey')
  optionalBytes(opts.publicKey, KEY_BYTES, 'publicKey')
  optionalBytes(opts._pinnedHeader, SECRETSTREAM_HEADER_BYTES, '_pinnedHeader')
  optionalBytes(opts._pinnedSendCounter, UNORDERED_COUNTER_BYTES, '_pinnedSendCounter')
  const hasHandshake = opts.handshake !== undefined && opts.handshake !== null
  if (
    pattern === 'IK' &&
    isInitiator &&
    !hasHandshake &&
    !isBytes(opts.remotePublicKey, KEY_BYTES)
  ) {
    // with autoStart false the handshake may still come through start(); check it there
    if (opts.autoStart !== false) {
      throw SecretStreamError.INVALID_ARGUMENT('The IK initiator needs a 32-byte remotePublicKey')
    }
  }
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
    throw SecretStreamError.INVALID_ARGUMENT('signal must be an AbortSignal')
  }
  checkMs(opts.keepAlive, 'keepAlive')
  checkMs(opts.timeout, 'timeout')
  const max = opts.maxMessageSize
  if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > MAX_MESSAGE_BYTES)) {
    throw SecretStreamError.INVALID_ARGUMENT(
      `maxMessageSize must be an integer in 0..${MAX_MESSAGE_BYTES}`
    )
  }
}

/**
 * Validates a `handshake` option (a handshake completed elsewhere).
 * @internal
 */
export function checkHandshake(handshake: unknown): asserts handshake is SecretStreamHandshake {
  const h = handshake as Partial<SecretStreamHandshake> | null
  if (
    h === null ||
    typeof h !== 'object' ||
    !isBytes(h.tx, KEY_BYTES, HASH_BYTES) ||
    !isBytes(h.rx, KEY_BYTES, HASH_BYTES) ||
    !isBytes(h.hash, HASH_BYTES) ||
    !isBytes(h.publicKey, KEY_BYTES) ||
    !isBytes(h.remotePublicKey, KEY_BYTES)
  ) {
    throw SecretStreamError.INVALID_ARGUMENT(
      'handshake must be { tx, rx (32 bytes), hash (64), publicKey, remotePublicKey (32) }'
    )
  }
}
