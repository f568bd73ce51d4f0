// NoiseSecretStreamEvents: the typed event map of NoiseSecretStream.

import type { DuplexEvents } from 'streamx'

/** Events a `NoiseSecretStream` emits, on top of streamx's duplex events. */
export interface NoiseSecretStreamEvents extends DuplexEvents {
  /** Decrypted data from the peer. */
  data: [data: Buffer]
  /** Keys are set up (`publicKey`, `remotePublicKey`, `handshakeHash` are final). */
  handshake: []
  /** The stream is open and authenticated; `connected` is now true. */
  connect: []
  /** streamx: the open phase finished (right after `'connect'`). */
  open: []
  /** An unordered message (`send`/`trySend` from the peer) arrived and authenticated. */
  message: [message: Buffer]
}
