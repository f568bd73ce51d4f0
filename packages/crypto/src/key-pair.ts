// Ed25519 key pair generation, random or from a 32-byte seed (wire-protocol.md §4.2).

import sodium from 'sodium-universal'
import { allocBuffer, assertBytes } from './bytes.js'
import { CryptoError } from './errors.js'
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SEED_BYTES } from './sizes.js'

/** An Ed25519 key pair as hyperdht represents it. */
export interface KeyPair {
  /** 32-byte Ed25519 public key. */
  publicKey: Buffer
  /** 64-byte libsodium secret key: `seed (32) || publicKey (32)`. */
  secretKey: Buffer
}

/**
 * Creates an Ed25519 key pair, random or deterministic from `seed`
 * (libsodium `crypto_sign_seed_keypair`; same result as `HyperDHT.keyPair(seed)`).
 *
 * @param seed - optional 32-byte seed; omitted (or `undefined`/`null`) means random
 * @returns `{ publicKey, secretKey }` as new Buffers
 * @throws CryptoError `INVALID_SEED` if `seed` is given but is not 32 bytes
 */
export function keyPair(seed?: Uint8Array | null): KeyPair {
  const publicKey = allocBuffer(PUBLIC_KEY_BYTES)
  const secretKey = allocBuffer(SECRET_KEY_BYTES)
  if (seed === undefined || seed === null) {
    sodium.crypto_sign_keypair(publicKey, secretKey)
  } else {
    assertBytes(seed, 'seed')
    if (seed.byteLength !== SEED_BYTES) {
      throw CryptoError.INVALID_SEED(`seed must be ${SEED_BYTES} bytes, got ${seed.byteLength}`)
    }
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
  }
  return { publicKey, secretKey }
}
