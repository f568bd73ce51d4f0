// The exact 64-byte payloads hyperdht signs for announce, unannounce and mutable put (§4.6).

import sodium from 'sodium-universal'
import { allocBuffer, assertBytes, assertLength, scratch } from './bytes.js'
import { CryptoError } from './errors.js'
import { INTERNAL_NS } from './namespaces.js'
import { HASH_BYTES } from './sizes.js'

/** Length of every signable: a 32-byte namespace followed by a 32-byte hash. */
export const SIGNABLE_BYTES = 64

function signable(ns: Uint8Array, parts: readonly Uint8Array[]): Buffer {
  const inner = scratch(HASH_BYTES)
  sodium.crypto_generichash_batch(inner, parts)
  const out = allocBuffer(SIGNABLE_BYTES)
  out.set(ns, 0)
  out.set(inner, HASH_BYTES)
  inner.fill(0)
  return out
}

function announceParts(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh: Uint8Array | null | undefined
): Uint8Array[] {
  assertLength(target, HASH_BYTES, 'target')
  assertLength(nodeId, HASH_BYTES, 'nodeId')
  assertLength(token, HASH_BYTES, 'token')
  assertBytes(peerEncoding, 'peerEncoding')
  const parts = [target, nodeId, token, peerEncoding]
  if (refresh === null || refresh === undefined) return parts
  assertBytes(refresh, 'refresh')
  if (refresh.byteLength === 0) return parts
  if (refresh.byteLength !== HASH_BYTES) {
    throw CryptoError.INVALID_LENGTH(
      `refresh must be ${HASH_BYTES} bytes or absent, got ${refresh.byteLength}`
    )
  }
  parts.push(refresh)
  return parts
}

/**
 * The announce signable:
 * `NS.ANNOUNCE || H(target || nodeId || token || peerEncoding || refresh)`, where an absent
 * refresh contributes no bytes. The `bump` field is not signed.
 *
 * @param target - 32-byte topic or server target being announced
 * @param nodeId - 32-byte id of the storing node (from its reply)
 * @param token - 32-byte round-trip token that node issued
 * @param peerEncoding - the encoded `peer` record exactly as sent
 *   (`publicKey || ipv4Address[] relayAddresses`)
 * @param refresh - 32-byte refresh value, or `null`/`undefined`/empty when absent
 * @returns a new 64-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` for non-Uint8Array input, `INVALID_LENGTH` if
 *   `target`, `nodeId` or `token` is not 32 bytes or `refresh` is neither absent nor 32 bytes
 */
export function announceSignable(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh?: Uint8Array | null
): Buffer {
  return signable(INTERNAL_NS.ANNOUNCE, announceParts(target, nodeId, token, peerEncoding, refresh))
}

/**
 * The unannounce signable: the announce construction with `NS.UNANNOUNCE`. hyperdht sends an
 * empty relay list and no refresh in unannounces, but any values are hashed as given.
 *
 * @param target - 32-byte target being unannounced
 * @param nodeId - 32-byte id of the storing node
 * @param token - 32-byte round-trip token that node issued
 * @param peerEncoding - the encoded `peer` record exactly as sent
 * @param refresh - 32-byte refresh value, or `null`/`undefined`/empty when absent
 * @returns a new 64-byte Buffer
 * @throws CryptoError as {@link announceSignable}
 */
export function unannounceSignable(
  target: Uint8Array,
  nodeId: Uint8Array,
  token: Uint8Array,
  peerEncoding: Uint8Array,
  refresh?: Uint8Array | null
): Buffer {
  return signable(
    INTERNAL_NS.UNANNOUNCE,
    announceParts(target, nodeId, token, peerEncoding, refresh)
  )
}

/**
 * The mutable-put signable: `NS.MUTABLE_PUT || H(encodedSeqAndValue)`. There is no salt.
 *
 * @param encodedSeqAndValue - the compact-encoded `uint seq || buffer value`, as produced by the
 *   wire package (e.g. seq 1, value "hi" is `01 02 68 69`)
 * @returns a new 64-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` if the input is not a Uint8Array
 */
export function mutableSignable(encodedSeqAndValue: Uint8Array): Buffer {
  assertBytes(encodedSeqAndValue, 'encodedSeqAndValue')
  return signable(INTERNAL_NS.MUTABLE_PUT, [encodedSeqAndValue])
}
