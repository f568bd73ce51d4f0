// Diffie-Hellman on Ed25519 keys without X25519 conversion, as noise-curve-ed does (wire-protocol.md §5.2).

import b4a from 'b4a'
import sodium from 'sodium-universal'
import { KEY_BYTES } from './constants.js'

const SHA512_BYTES = 64
const DIGEST = b4a.allocUnsafeSlow(SHA512_BYTES)

/**
 * The DH scalar of an Ed25519 key pair: `clamp(SHA-512(seed)[0..32])` where `seed` is the first
 * 32 bytes of the libsodium secret key. Returns a new 32-byte Buffer the caller should wipe.
 * @internal
 */
export function dhScalar(secretKey: Uint8Array): Buffer {
  sodium.crypto_hash_sha512(DIGEST, secretKey.subarray(0, KEY_BYTES))
  const scalar = b4a.allocUnsafeSlow(KEY_BYTES) as Buffer
  scalar.set(DIGEST.subarray(0, KEY_BYTES))
  sodium.sodium_memzero(DIGEST)
  scalar[0] = (scalar[0] as number) & 248
  scalar[31] = ((scalar[31] as number) & 127) | 64
  return scalar
}

/**
 * `out = scalar * publicKey` (`crypto_scalarmult_ed25519_noclamp`). Returns false, leaving `out`
 * zeroed, when libsodium rejects the point (non-canonical, small order, not in the main
 * subgroup) or the result is the identity.
 * @internal
 */
export function dh(out: Uint8Array, publicKey: Uint8Array, scalar: Uint8Array): boolean {
  if (publicKey.byteLength !== KEY_BYTES) return false
  try {
    sodium.crypto_scalarmult_ed25519_noclamp(out, scalar, publicKey)
    return true
  } catch {
    out.fill(0)
    return false
  }
}
