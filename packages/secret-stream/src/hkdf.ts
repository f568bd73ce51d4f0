// HMAC-BLAKE2b-512 and the two-output HKDF that Noise's MixKey and Split use (wire-protocol.md §5.1).

import b4a from 'b4a'
import sodium from 'sodium-universal'
import { HASH_BYTES } from './constants.js'

/** BLAKE2b's block size: HMAC pads (or hashes) keys to this many bytes. */
const BLOCK_BYTES = 128
const INNER_PAD = 0x36
const OUTER_PAD = 0x5c

// Off-heap scratch reused by every call; wiped before returning so no key material lingers.
const KEY_BLOCK = b4a.allocUnsafeSlow(BLOCK_BYTES)
const INNER = b4a.allocUnsafeSlow(BLOCK_BYTES)
const OUTER = b4a.allocUnsafeSlow(BLOCK_BYTES)
const PRK = b4a.allocUnsafeSlow(HASH_BYTES)
const ONE = b4a.from([0x01])
const TWO = b4a.from([0x02])

/**
 * RFC 2104 HMAC with BLAKE2b-512: `out = H512(K^opad || H512(K^ipad || inputs...))`.
 * @internal
 */
export function hmacBlake2b(out: Uint8Array, key: Uint8Array, inputs: readonly Uint8Array[]): void {
  KEY_BLOCK.fill(0)
  if (key.byteLength > BLOCK_BYTES) {
    sodium.crypto_generichash_batch(KEY_BLOCK.subarray(0, HASH_BYTES), [key])
  } else {
    KEY_BLOCK.set(key)
  }
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const b = KEY_BLOCK[i] as number
    INNER[i] = b ^ INNER_PAD
    OUTER[i] = b ^ OUTER_PAD
  }
  sodium.crypto_generichash_batch(out, [INNER, ...inputs])
  sodium.crypto_generichash_batch(out, [OUTER, out])
  sodium.sodium_memzero(KEY_BLOCK)
  sodium.sodium_memzero(INNER)
  sodium.sodium_memzero(OUTER)
}

/**
 * Noise's two-output HKDF: `PRK = HMAC(ck, ikm)`, `out1 = HMAC(PRK, 0x01)`,
 * `out2 = HMAC(PRK, out1 || 0x02)`. `out1` and `out2` are 64 bytes each and may alias `ck`.
 * @internal
 */
export function hkdf2(ck: Uint8Array, ikm: Uint8Array, out1: Uint8Array, out2: Uint8Array): void {
  hmacBlake2b(PRK, ck, [ikm])
  hmacBlake2b(out1, PRK, [ONE])
  hmacBlake2b(out2, PRK, [out1, TWO])
  sodium.sodium_memzero(PRK)
}
