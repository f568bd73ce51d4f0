// StreamHandshake: runs a stream's own Noise handshake over framed messages on its raw stream (§8.3).

import { FRAME_PREFIX_BYTES, encode, secretStreamFrame } from '@keymesh/wire'
import b4a from 'b4a'
import { SecretStreamError } from './errors.js'
import { NoiseHandshake } from './noise-handshake.js'
import type { KeyPairLike, NoiseHandshakeResult, NoisePattern } from './noise-handshake.js'

/**
 * What the handshake needs from its stream, bound once per stream.
 * @internal
 */
export interface StreamHandshakeCallbacks {
  /** Writes one framed handshake message to the raw stream. */
  write(frame: Buffer): void
  /** The handshake failed; the stream destroys itself with `err`. */
  fail(err: Error): void
  /** The handshake completed with these keys. */
  complete(result: NoiseHandshakeResult): void
}

/**
 * One side of a stream's own handshake: XX or IK with an empty prologue, as
 * @hyperswarm/secret-stream runs it, each message framed `uint24 length || message`. Refuses a
 * peer whose static key differs from the expected one.
 * @internal
 */
export class StreamHandshake {
  /** This side's static public key. */
  readonly publicKey: Buffer
  private readonly noise: NoiseHandshake
  private readonly expectedRemoteKey: Buffer | null
  private readonly callbacks: StreamHandshakeCallbacks

  /**
   * @throws SecretStreamError `INVALID_ARGUMENT` for a malformed key pair, or an IK initiator
   *   without `expectedRemoteKey`
   */
  constructor(
    pattern: NoisePattern,
    isInitiator: boolean,
    keyPair: KeyPairLike,
    expectedRemoteKey: Buffer | null,
    callbacks: StreamHandshakeCallbacks
  ) {
    const knowsResponder = pattern === 'IK' && isInitiator
    if (knowsResponder && expectedRemoteKey === null) {
      throw SecretStreamError.INVALID_ARGUMENT('The IK initiator needs a 32-byte remotePublicKey')
    }
    this.noise = new NoiseHandshake(pattern, isInitiator, keyPair, {
      remotePublicKey: knowsResponder ? expectedRemoteKey : null
    })
    this.publicKey = this.noise.publicKey
    this.expectedRemoteKey = expectedRemoteKey
    this.callbacks = callbacks
  }

  /** Sends the first message if it is this side's to send (the initiator's). */
  start(): void {
    if (this.noise.sending) this.send()
  }

  /** Handles one framed message from the peer; false when the handshake failed. */
  onframe(frame: Buffer): boolean {
    const noise = this.noise
    try {
      noise.recv(frame.subarray(FRAME_PREFIX_BYTES))
    } catch (err) {
      // a message out of turn is the peer's fault too
      const code = (err as SecretStreamError).code
      this.callbacks.fail(
        code === 'INVALID_STATE'
          ? SecretStreamError.HANDSHAKE_FAILED('Noise handshake failed: unexpected message')
          : (err as SecretStreamError)
      )
      return false
    }
    const expected = this.expectedRemoteKey
    const actual = noise.remotePublicKey
    if (expected !== null && actual !== null && !b4a.equals(expected, actual)) {
      this.callbacks.fail(SecretStreamError.REMOTE_KEY_MISMATCH())
      return false
    }
    if (noise.complete) this.callbacks.complete(noise.final())
    else this.send()
    return true
  }

  /** Wipes the handshake's secrets. */
  destroy(): void {
    this.noise.destroy()
  }

  private send(): void {
    let message: Buffer
    try {
      message = this.noise.send()
    } catch (err) {
      this.callbacks.fail(err as SecretStreamError)
      return
    }
    this.callbacks.write(encode(secretStreamFrame, message))
    if (this.noise.complete) this.callbacks.complete(this.noise.final())
  }
}
