// SecretSession: an open connection's keys: header exchange, data frames and datagrams (§8.2).

import { streamId } from '@keymesh/crypto'
import {
  FRAME_PREFIX_BYTES,
  SECRETSTREAM_ABYTES,
  asBuffer,
  encode,
  secretStreamHeader,
  tryDecode,
  uint24
} from '@keymesh/wire'
import type { State } from '@keymesh/wire'
import sodium from 'sodium-universal'
import { SecretStreamError } from './errors.js'
import type { SecretStreamHandshake } from './options.js'
import { SecretstreamDecryptor, SecretstreamEncryptor } from './secretstream-cipher.js'
import { UnorderedBox } from './unordered-box.js'

/** Where the plaintext starts in a data frame: after the length prefix and the tag byte. */
export const PLAIN_OFFSET = FRAME_PREFIX_BYTES + 1

/** Bytes a data frame adds to its message: length prefix + secretstream tag and MAC. */
export const FRAME_OVERHEAD = FRAME_PREFIX_BYTES + SECRETSTREAM_ABYTES

/**
 * Everything derived from a completed handshake: the secretstream push and pull states, the
 * stream ids, and the datagram keys. Owns its key material and wipes it in `destroy()`.
 * @internal
 */
export class SecretSession {
  /** This side's static public key. */
  readonly publicKey: Buffer
  /** The peer's static public key. */
  readonly remotePublicKey: Buffer
  /** The 64-byte handshake hash. */
  readonly handshakeHash: Buffer
  private readonly isInitiator: boolean
  private readonly encryptor: SecretstreamEncryptor
  private readonly decryptor: SecretstreamDecryptor
  private readonly unordered: UnorderedBox
  private readonly expectedRemoteId: Buffer
  private readonly prefix: State = { start: 0, end: FRAME_PREFIX_BYTES, buffer: null }

  /**
   * @param handshake - keys and hash of the completed handshake (validated by the caller)
   * @param isInitiator - this side's role
   * @param pinnedHeader - tests only: this side's secretstream header
   * @param pinnedSendCounter - tests only: the initial datagram counter
   */
  constructor(
    handshake: SecretStreamHandshake,
    isInitiator: boolean,
    pinnedHeader: Uint8Array | null,
    pinnedSendCounter: Uint8Array | null
  ) {
    this.isInitiator = isInitiator
    this.publicKey = asBuffer(handshake.publicKey)
    this.remotePublicKey = asBuffer(handshake.remotePublicKey)
    this.handshakeHash = asBuffer(handshake.hash)
    this.encryptor = new SecretstreamEncryptor(handshake.tx, pinnedHeader)
    this.decryptor = new SecretstreamDecryptor(handshake.rx)
    this.unordered = new UnorderedBox(handshake.hash, isInitiator, pinnedSendCounter)
    this.expectedRemoteId = streamId(handshake.hash, !isInitiator)
  }

  /** The framed 56-byte header this side sends first: its role's stream id and push header. */
  headerFrame(): Buffer {
    return encode(secretStreamHeader, {
      streamId: streamId(this.handshakeHash, this.isInitiator),
      header: this.encryptor.header
    })
  }

  /**
   * Checks the peer's framed header and initialises the pull state from it.
   * @returns null when accepted, otherwise the `INVALID_HEADER` error to destroy with
   */
  acceptHeader(frame: Uint8Array): SecretStreamError | null {
    const message = tryDecode(secretStreamHeader, frame)
    if (message === null) {
      return SecretStreamError.INVALID_HEADER('Invalid header message received')
    }
    if (!sodium.sodium_memcmp(message.streamId, this.expectedRemoteId)) {
      return SecretStreamError.INVALID_HEADER('Invalid header received')
    }
    this.decryptor.init(message.header)
    return null
  }

  /**
   * Fills `frame` (`plain.byteLength + FRAME_OVERHEAD` bytes) with the length prefix and the
   * encrypted message. `plain` is either the caller's buffer (encrypted straight into the frame,
   * no copy) or the view of `frame` at `PLAIN_OFFSET` (encrypted in place).
   */
  sealFrame(frame: Buffer, plain: Uint8Array): void {
    const prefix = this.prefix
    prefix.start = 0
    prefix.buffer = frame
    uint24.encode(prefix, frame.byteLength - FRAME_PREFIX_BYTES)
    prefix.buffer = null
    this.encryptor.encrypt(frame.subarray(FRAME_PREFIX_BYTES), plain)
  }

  /**
   * Decrypts a complete data frame (prefix included, body at least 17 bytes) in place.
   * @returns the plaintext, a view of `frame`, or null when authentication fails
   */
  openFrame(frame: Buffer): Buffer | null {
    const plain = frame.subarray(PLAIN_OFFSET, frame.byteLength - SECRETSTREAM_ABYTES + 1)
    return this.decryptor.decrypt(plain, frame.subarray(FRAME_PREFIX_BYTES)) ? plain : null
  }

  /** Seals an unordered datagram; null once the counter is exhausted. */
  sealDatagram(message: Uint8Array): Buffer | null {
    return this.unordered.seal(message)
  }

  /** Opens a peer's datagram into a new Buffer; null when malformed or unauthentic. */
  openDatagram(datagram: Uint8Array): Buffer | null {
    return this.unordered.open(datagram)
  }

  /** Wipes every key and state. */
  destroy(): void {
    this.encryptor.destroy()
    this.decryptor.destroy()
    this.unordered.destroy()
  }
}
