// Cryptographically secure random bytes.

import sodium from 'sodium-universal'
import { allocBuffer } from './bytes.js'
import { CryptoError } from './errors.js'

/**
 * `n` random bytes from libsodium's CSPRNG (`randombytes_buf`).
 *
 * @param n - byte count, a non-negative safe integer
 * @returns a new Buffer of `n` bytes
 * @throws CryptoError `INVALID_ARGUMENT` if `n` is not a non-negative safe integer
 */
export function randomBytes(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw CryptoError.INVALID_ARGUMENT(`n must be a non-negative integer, got ${String(n)}`)
  }
  const out = allocBuffer(n)
  sodium.randombytes_buf(out)
  return out
}
