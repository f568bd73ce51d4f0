// Ed25519 detached signatures: sign, and verify without ever throwing on bad input (§4.6).

import sodium from 'sodium-universal'
import { allocBuffer, assertBytes, assertKeyLength, isBytes } from './bytes.js'
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES } from './sizes.js'

/**
 * Signs `message` with an Ed25519 secret key (libsodium `crypto_sign_detached`). Signatures are
 * deterministic: the same message and key always give the same 64 bytes.
 *
 * @param message - bytes to sign
 * @param secretKey - 64-byte secret key from {@link keyPair}
 * @returns a new 64-byte signature Buffer
 * @throws CryptoError `INVALID_ARGUMENT` for non-Uint8Array input, `INVALID_KEY_LENGTH` if
 *   `secretKey` is not 64 bytes
 */
export function sign(message: Uint8Array, secretKey: Uint8Array): Buffer {
  assertBytes(message, 'message')
  assertKeyLength(secretKey, SECRET_KEY_BYTES, 'secretKey')
  const signature = allocBuffer(SIGNATURE_BYTES)
  sodium.crypto_sign_detached(signature, message, secretKey)
  return signature
}

/**
 * Checks an Ed25519 detached signature (libsodium `crypto_sign_verify_detached`). Safe on
 * untrusted input: anything malformed (not a Uint8Array, a signature that is not exactly 64
 * bytes, a public key that is not 32 bytes) returns `false` instead of throwing.
 *
 * @param message - the signed bytes
 * @param signature - 64-byte signature
 * @param publicKey - 32-byte public key
 * @returns `true` only for a valid signature
 */
export function verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isBytes(message) || !isBytes(signature, SIGNATURE_BYTES)) return false
  if (!isBytes(publicKey, PUBLIC_KEY_BYTES)) return false
  return sodium.crypto_sign_verify_detached(signature, message, publicKey)
}
