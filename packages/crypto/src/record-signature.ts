// Signing and verifying announce, unannounce and mutable records over their signables (§4.6).

import { CryptoError } from './errors.js'
import { sign, verify } from './signature.js'
import { announceSignable, mutableSignable, unannounceSignable } from './signable.js'

// verification runs on network input: a malformed field means "not valid", never a throw
function verifySafely(build: () => Buffer, signature: Uint8Array, publicKey: Uint8Array): boolean {
  let message: Buffer
  try {
    message = build()
  } catch (err) {
    if (err instanceof CryptoError) return false
    throw err
  }
  return verify(message, signature, publicKey)
}

/**
 * Signs an announce: `sign(announceSignable(...), secretKey)`.
 *
 * @param target - 32-byte target
 * @param nodeId - 32-byte id of the storing node
 * @param token - 32-byte token that node issued
 * @param peerEncoding - encoded `peer` record exactly as sent
 * @param refresh - 32-byte refresh value, or `null` when absent
 * @param secretKey - 64-byte Ed25519 secret key of the announcing peer
 * @returns a new 64-byte signature
 * @throws CryptoError as {@link announceSignable} and {@link sign}
 */
export function signAnnounce(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh: Uint8Array | null,
  secretKey: Uint8Array
): Buffer {
  return sign(announceSignable(target, nodeId, token, peerEncoding, refresh), secretKey)
}

/**
 * Signs an unannounce: `sign(unannounceSignable(...), secretKey)`.
 *
 * @param target - 32-byte target
 * @param nodeId - 32-byte id of the storing node
 * @param token - 32-byte token that node issued
 * @param peerEncoding - encoded `peer` record exactly as sent
 * @param refresh - 32-byte refresh value, or `null` when absent (hyperdht sends none)
 * @param secretKey - 64-byte Ed25519 secret key of the peer
 * @returns a new 64-byte signature
 * @throws CryptoError as {@link unannounceSignable} and {@link sign}
 */
export function signUnannounce(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh: Uint8Array | null,
  secretKey: Uint8Array
): Buffer {
  return sign(unannounceSignable(target, nodeId, token, peerEncoding, refresh), secretKey)
}

/**
 * Signs a mutable record: `sign(mutableSignable(encodedSeqAndValue), secretKey)`.
 *
 * @param encodedSeqAndValue - compact-encoded `uint seq || buffer value`
 * @param secretKey - 64-byte Ed25519 secret key of the record owner
 * @returns a new 64-byte signature
 * @throws CryptoError as {@link mutableSignable} and {@link sign}
 */
export function signMutable(encodedSeqAndValue: Uint8Array, secretKey: Uint8Array): Buffer {
  return sign(mutableSignable(encodedSeqAndValue), secretKey)
}

/**
 * Checks an announce signature, as the storing node does with its own id and the request's
 * token. Never throws: any malformed input returns `false`.
 *
 * @param target - 32-byte target
 * @param nodeId - 32-byte id of the storing node
 * @param token - 32-byte token carried in the request
 * @param peerEncoding - encoded `peer` record exactly as received
 * @param refresh - 32-byte refresh value, or `null` when absent
 * @param signature - 64-byte signature from the request
 * @param publicKey - 32-byte public key of the announcing peer
 * @returns `true` only for a valid signature
 */
export function verifyAnnounce(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh: Uint8Array | null,
  signature: Uint8Array,
  publicKey: Uint8Array
): boolean {
  return verifySafely(
    () => announceSignable(target, nodeId, token, peerEncoding, refresh),
    signature,
    publicKey
  )
}

/**
 * Checks an unannounce signature. Never throws: any malformed input returns `false`.
 *
 * @param target - 32-byte target
 * @param nodeId - 32-byte id of the storing node
 * @param token - 32-byte token carried in the request
 * @param peerEncoding - encoded `peer` record exactly as received
 * @param refresh - 32-byte refresh value, or `null` when absent
 * @param signature - 64-byte signature from the request
 * @param publicKey - 32-byte public key of the peer
 * @returns `true` only for a valid signature
 */
export function verifyUnannounce(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh: Uint8Array | null,
  signature: Uint8Array,
  publicKey: Uint8Array
): boolean {
  return verifySafely(
    () => unannounceSignable(target, nodeId, token, peerEncoding, refresh),
    signature,
    publicKey
  )
}

/**
 * Checks a mutable record signature. Never throws: any malformed input returns `false`.
 *
 * @param encodedSeqAndValue - compact-encoded `uint seq || buffer value` as stored
 * @param signature - 64-byte signature
 * @param publicKey - 32-byte public key of the record owner
 * @returns `true` only for a valid signature
 */
export function verifyMutable(
  encodedSeqAndValue: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array
): boolean {
  return verifySafely(() => mutableSignable(encodedSeqAndValue), signature, publicKey)
}
