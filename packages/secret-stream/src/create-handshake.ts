// createHandshake: the IK handshake exactly as hyperdht sets it up, prologue NS_PEER_HANDSHAKE (§5.1).

import { NS } from '@keymesh/crypto'
import { NoiseHandshake } from './noise-handshake.js'
import type { KeyPairLike, NoiseHandshakeOptions } from './noise-handshake.js'

/** Options of {@link createHandshake}: the test and tracing hooks of `NoiseHandshake`. */
export type CreateHandshakeOptions = Pick<NoiseHandshakeOptions, 'ephemeralKeyPair' | 'onstep'>

/**
 * The Noise IK handshake hyperdht runs inside PEER_HANDSHAKE messages: pattern IK, prologue
 * `NS.PEER_HANDSHAKE`, Ed25519 keys. The side that knows `remotePublicKey` is the initiator
 * (client); the server passes no remote key. Message 1 is `send(noisePayload)` on the client,
 * message 2 the server's reply; `final()` is then the `handshake` option of `NoiseSecretStream`.
 *
 * @param keyPair - this side's static Ed25519 key pair
 * @param remotePublicKey - the server's public key on the client; omitted/null on the server
 * @param opts - pinned ephemeral key pair (vectors) or a trace observer
 * @throws SecretStreamError `INVALID_ARGUMENT` for a malformed key pair or remote key
 */
export function createHandshake(
  keyPair: KeyPairLike,
  remotePublicKey?: Uint8Array | null,
  opts: CreateHandshakeOptions = {}
): NoiseHandshake {
  const isInitiator = remotePublicKey !== undefined && remotePublicKey !== null
  return new NoiseHandshake('IK', isInitiator, keyPair, {
    ...opts,
    prologue: NS.PEER_HANDSHAKE,
    remotePublicKey: remotePublicKey ?? null
  })
}
