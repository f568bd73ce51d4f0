// Values derived from a completed Noise handshake hash: holepunch secret, stream ids, datagram keys.

import b4a from 'b4a'
import { assertLength } from './bytes.js'
import { CryptoError } from './errors.js'
import { generichash } from './hash.js'
import { INTERNAL_NS, INTERNAL_NS_SECRET_STREAM } from './namespaces.js'
import { HASH512_BYTES, HASH_BYTES } from './sizes.js'

/** The two secretbox keys for secret-stream's unordered (datagram) messages. */
export interface UnorderedKeys {
  /** 32-byte key this side encrypts `send`/`trySend` datagrams with. */
  sendKey: Buffer
  /** 32-byte key this side decrypts the other side's datagrams with. */
  recvKey: Buffer
}

const INITIATOR_SEND = b4a.concat([
  INTERNAL_NS_SECRET_STREAM.INITIATOR,
  INTERNAL_NS_SECRET_STREAM.SEND
])
const RESPONDER_SEND = b4a.concat([
  INTERNAL_NS_SECRET_STREAM.RESPONDER,
  INTERNAL_NS_SECRET_STREAM.SEND
])

function keyedByHandshake(input: Uint8Array, handshakeHash: Uint8Array): Buffer {
  return generichash(HASH_BYTES, input, handshakeHash)
}

function assertHandshakeHash(handshakeHash: unknown): asserts handshakeHash is Uint8Array {
  assertLength(handshakeHash, HASH512_BYTES, 'handshakeHash')
}

function assertRole(isInitiator: unknown): asserts isInitiator is boolean {
  if (typeof isInitiator !== 'boolean') {
    throw CryptoError.INVALID_ARGUMENT('isInitiator must be a boolean')
  }
}

/**
 * The PEER_HOLEPUNCH payload key: `H_{handshakeHash}(NS.PEER_HOLEPUNCH)` (§5.4). Both sides get
 * the same value.
 *
 * @param handshakeHash - the 64-byte Noise handshake hash `h` after message 2
 * @returns a new 32-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` if not a Uint8Array, `INVALID_LENGTH` if not 64 bytes
 */
export function holepunchSecret(handshakeHash: Uint8Array): Buffer {
  assertHandshakeHash(handshakeHash)
  return keyedByHandshake(INTERNAL_NS.PEER_HOLEPUNCH, handshakeHash)
}

/**
 * A secret-stream id (§5.4, §8.2): `H_{handshakeHash}(NS_SECRET_STREAM.INITIATOR)` for the
 * initiator, `H_{handshakeHash}(NS_SECRET_STREAM.RESPONDER)` for the responder. A side sends its
 * own id in the header and expects the other role's id from the peer.
 *
 * @param handshakeHash - the 64-byte Noise handshake hash
 * @param isInitiator - whose id: `true` for the initiator's, `false` for the responder's
 * @returns a new 32-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` for a wrong type, `INVALID_LENGTH` if the hash is not
 *   64 bytes
 */
export function streamId(handshakeHash: Uint8Array, isInitiator: boolean): Buffer {
  assertHandshakeHash(handshakeHash)
  assertRole(isInitiator)
  const ns = isInitiator ? INTERNAL_NS_SECRET_STREAM.INITIATOR : INTERNAL_NS_SECRET_STREAM.RESPONDER
  return keyedByHandshake(ns, handshakeHash)
}

/**
 * The keys for unordered secret-stream messages (§8.2 item 5). The initiator sends with
 * `H_{hash}(NS_INITIATOR || NS_SEND)` and receives with `H_{hash}(NS_RESPONDER || NS_SEND)`; the
 * responder uses the mirror image, so one side's `sendKey` is the other's `recvKey`.
 *
 * @param handshakeHash - the 64-byte Noise handshake hash
 * @param isInitiator - `true` on the initiator (client) side
 * @returns new `{ sendKey, recvKey }` Buffers, 32 bytes each
 * @throws CryptoError `INVALID_ARGUMENT` for a wrong type, `INVALID_LENGTH` if the hash is not
 *   64 bytes
 */
export function unorderedKeys(handshakeHash: Uint8Array, isInitiator: boolean): UnorderedKeys {
  assertHandshakeHash(handshakeHash)
  assertRole(isInitiator)
  const initiatorKey = keyedByHandshake(INITIATOR_SEND, handshakeHash)
  const responderKey = keyedByHandshake(RESPONDER_SEND, handshakeHash)
  return isInitiator
    ? { sendKey: initiatorKey, recvKey: responderKey }
    : { sendKey: responderKey, recvKey: initiatorKey }
}
