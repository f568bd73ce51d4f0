// BLAKE2b hashing: H (32-byte), H512 (64-byte) and keyed H_k, per wire-protocol.md "Notation".

import sodium from 'sodium-universal'
import { assertBytes, scratch, takeScratch } from './bytes.js'
import { CryptoError } from './errors.js'
import {
  HASH512_BYTES,
  HASH_BYTES,
  KEYED_HASH_KEY_MAX_BYTES,
  KEYED_HASH_KEY_MIN_BYTES
} from './sizes.js'

/**
 * `H(data)`: unkeyed BLAKE2b with a 32-byte output (libsodium `crypto_generichash`).
 * Used for targets (`H(publicKey)`, `H(value)`), node ids and namespaces.
 *
 * @param data - bytes to hash
 * @returns a new 32-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` if `data` is not a Uint8Array
 */
export function hash(data: Uint8Array): Buffer {
  assertBytes(data, 'data')
  return generichash(HASH_BYTES, data)
}

/**
 * `H512(data)`: unkeyed BLAKE2b with a 64-byte output.
 *
 * @param data - bytes to hash
 * @returns a new 64-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` if `data` is not a Uint8Array
 */
export function hash512(data: Uint8Array): Buffer {
  assertBytes(data, 'data')
  return generichash(HASH512_BYTES, data)
}

/**
 * `H_k(data)`: BLAKE2b-256 keyed with `key`. libsodium accepts keys of 16 to 64 bytes.
 *
 * @param data - bytes to hash
 * @param key - 16..64 byte key
 * @returns a new 32-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` for non-Uint8Array input, `INVALID_KEY_LENGTH` for a
 *   key outside 16..64 bytes
 */
export function keyedHash(data: Uint8Array, key: Uint8Array): Buffer {
  assertBytes(data, 'data')
  assertBytes(key, 'key')
  if (key.byteLength < KEYED_HASH_KEY_MIN_BYTES || key.byteLength > KEYED_HASH_KEY_MAX_BYTES) {
    throw CryptoError.INVALID_KEY_LENGTH(
      `key must be ${KEYED_HASH_KEY_MIN_BYTES}..${KEYED_HASH_KEY_MAX_BYTES} bytes, got ${key.byteLength}`
    )
  }
  return generichash(HASH_BYTES, data, key)
}

/**
 * BLAKE2b of `input` with an `outputLength`-byte (16..64) result, keyed when `key` is given.
 * Callers validate their arguments first.
 * @internal
 */
export function generichash(outputLength: number, input: Uint8Array, key?: Uint8Array): Buffer {
  const out = scratch(outputLength)
  if (key === undefined) sodium.crypto_generichash(out, input)
  else sodium.crypto_generichash(out, input, key)
  return takeScratch(out)
}
