// NoiseWrap: the IK handshake carried in PEER_HANDSHAKE, with noisePayload in and out (§4.3.3, §5).

import { holepunchSecret, streamId } from '@keymesh/crypto'
import { createHandshake } from '@keymesh/secret-stream'
import type { KeyPairLike, NoiseHandshake } from '@keymesh/secret-stream'
import { decode, encode, noisePayload } from '@keymesh/wire'
import type { NoisePayload } from '@keymesh/wire'
import b4a from 'b4a'
import { HyperDHTError } from './errors.js'

/** What both sides need once message 2 is through: the secret-stream keys and the punch secret. */
export interface HandshakeResult {
  isInitiator: boolean
  publicKey: Buffer
  remotePublicKey: Buffer
  /** Secret-stream id the peer will send (the other role's id). */
  remoteId: Buffer
  /** Key of the PEER_HOLEPUNCH payloads. */
  holepunchSecret: Buffer
  hash: Buffer
  tx: Buffer
  rx: Buffer
}

/** The handshake object `connect()` and servers drive; `createHandshake` options may supply another. */
export interface PeerHandshake {
  readonly remotePublicKey: Uint8Array | null
  send(payload: NoisePayload<Uint8Array>): Uint8Array | Promise<Uint8Array>
  recv(message: Uint8Array): NoisePayload | Promise<NoisePayload>
  final(): HandshakeResult
}

/**
 * One side of hyperdht's IK handshake. The client knows the server key (initiator); the server
 * passes `null` and learns the client key from message 1. `recv` throws on any malformed or
 * unauthenticated message, so callers drop it.
 */
export class NoiseWrap implements PeerHandshake {
  readonly isInitiator: boolean
  remotePublicKey: Buffer | null
  private readonly keyPair: KeyPairLike
  private readonly handshake: NoiseHandshake

  constructor(keyPair: KeyPairLike, remotePublicKey: Uint8Array | null) {
    this.isInitiator = remotePublicKey !== null
    this.keyPair = keyPair
    this.remotePublicKey = remotePublicKey === null ? null : (b4a.from(remotePublicKey) as Buffer)
    this.handshake = createHandshake(keyPair, remotePublicKey)
  }

  send(payload: NoisePayload<Uint8Array>): Buffer {
    return this.handshake.send(encode(noisePayload, payload))
  }

  recv(message: Uint8Array): NoisePayload {
    // copy: the handshake must never alias a datagram slab another reader may reuse
    const plain = this.handshake.recv(b4a.from(message))
    this.remotePublicKey = this.handshake.remotePublicKey
    return decode(noisePayload, plain)
  }

  final(): HandshakeResult {
    if (!this.handshake.complete) throw new HyperDHTError('HANDSHAKE_UNFINISHED')
    const hs = this.handshake.final()
    return {
      isInitiator: this.isInitiator,
      publicKey: b4a.from(this.keyPair.publicKey) as Buffer,
      remotePublicKey: hs.remotePublicKey,
      remoteId: streamId(hs.hash, !this.isInitiator),
      holepunchSecret: holepunchSecret(hs.hash),
      hash: hs.hash,
      tx: hs.tx,
      rx: hs.rx
    }
  }
}

/** hyperdht's default `createHandshake(keyPair, remotePublicKey)`. */
export function defaultCreateHandshake(
  keyPair: KeyPairLike,
  remotePublicKey: Uint8Array | null
): PeerHandshake {
  return new NoiseWrap(keyPair, remotePublicKey)
}
