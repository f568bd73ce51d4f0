// Sealing and opening secret-stream's unordered (send/trySend) datagrams with secretbox (§8.2 item 5).

import { unorderedKeys } from '@keymesh/crypto'
import {
  SECRETBOX_MAC_BYTES,
  SECRETBOX_NONCE_BYTES,
  encode,
  tryDecode,
  unorderedMessage
} from '@keymesh/wire'
import b4a from 'b4a'
import sodium from 'sodium-universal'

/** Bytes of the little-endian counter that starts every datagram and its nonce. */
export const UNORDERED_COUNTER_BYTES = 8

/**
 * The per-connection state of unordered messages: both secretbox keys and the send counter,
 * which starts at a random value and is incremented before each message.
 * @internal
 */
export class UnorderedBox {
  private readonly sendKey: Buffer
  private readonly recvKey: Buffer
  private readonly counter: Buffer
  private readonly initial: Buffer
  private readonly nonce: Buffer

  /**
   * @param handshakeHash - the 64-byte handshake hash the keys derive from
   * @param isInitiator - this side's role
   * @param pinnedCounter - tests only: the initial counter instead of 8 random bytes
   */
  constructor(handshakeHash: Uint8Array, isInitiator: boolean, pinnedCounter: Uint8Array | null) {
    const { sendKey, recvKey } = unorderedKeys(handshakeHash, isInitiator)
    this.sendKey = sendKey
    this.recvKey = recvKey
    this.counter = b4a.allocUnsafeSlow(UNORDERED_COUNTER_BYTES) as Buffer
    this.initial = b4a.allocUnsafeSlow(UNORDERED_COUNTER_BYTES) as Buffer
    this.nonce = b4a.alloc(SECRETBOX_NONCE_BYTES) as Buffer
    if (pinnedCounter === null) sodium.randombytes_buf(this.initial)
    else this.initial.set(pinnedCounter)
    this.counter.set(this.initial)
  }

  /**
   * Seals `message` into `counter (8) || secretbox(message)`. Returns null when the counter has
   * wrapped around to its initial value (the caller must stop sending).
   */
  seal(message: Uint8Array): Buffer | null {
    sodium.sodium_increment(this.counter)
    if (b4a.equals(this.counter, this.initial)) return null
    const box = b4a.allocUnsafe(SECRETBOX_MAC_BYTES + message.byteLength) as Buffer
    this.nonce.set(this.counter)
    sodium.crypto_secretbox_easy(box, message, this.nonce, this.sendKey)
    return encode(unorderedMessage, { counter: this.counter, box })
  }

  /**
   * Opens a datagram from the peer into a new Buffer (never a view of `datagram`). Returns null
   * for anything shorter than 24 bytes or failing authentication.
   */
  open(datagram: Uint8Array): Buffer | null {
    const m = tryDecode(unorderedMessage, datagram)
    if (m === null) return null
    this.nonce.set(m.counter)
    const plain = b4a.allocUnsafe(m.box.byteLength - SECRETBOX_MAC_BYTES) as Buffer
    return sodium.crypto_secretbox_open_easy(plain, m.box, this.nonce, this.recvKey) ? plain : null
  }

  /** Wipes both keys. */
  destroy(): void {
    sodium.sodium_memzero(this.sendKey)
    sodium.sodium_memzero(this.recvKey)
  }
}
