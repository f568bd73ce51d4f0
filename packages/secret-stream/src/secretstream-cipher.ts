// libsodium crypto_secretstream_xchacha20poly1305 push and pull states for data frames (§8.2).

import { SECRETSTREAM_HEADER_BYTES } from '@keymesh/wire'
import b4a from 'b4a'
import sodium from 'sodium-universal'
import { KEY_BYTES } from './constants.js'

const STATE_BYTES = sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES
const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE

function ownKey(key: Uint8Array): Buffer {
  const out = b4a.allocUnsafeSlow(KEY_BYTES) as Buffer
  out.set(key.subarray(0, KEY_BYTES))
  return out
}

/**
 * The sending half: `init_push` with this side's `tx` key, then one `push(TAG_MESSAGE)` per
 * message.
 * @internal
 */
export class SecretstreamEncryptor {
  /** The 24-byte header the peer needs to initialise its pull state. */
  readonly header: Buffer
  private readonly state: Buffer

  /**
   * @param key - this side's `tx` (first 32 bytes are used)
   * @param pinnedHeader - tests only: use these 24 bytes instead of a random header; libsodium's
   *   `init_pull` derives exactly the state `init_push` would have produced from them
   */
  constructor(key: Uint8Array, pinnedHeader: Uint8Array | null = null) {
    this.state = b4a.allocUnsafeSlow(STATE_BYTES) as Buffer
    this.header = b4a.allocUnsafeSlow(SECRETSTREAM_HEADER_BYTES) as Buffer
    const k = ownKey(key)
    if (pinnedHeader === null) {
      sodium.crypto_secretstream_xchacha20poly1305_init_push(this.state, this.header, k)
    } else {
      this.header.set(pinnedHeader)
      sodium.crypto_secretstream_xchacha20poly1305_init_pull(this.state, this.header, k)
    }
    sodium.sodium_memzero(k)
  }

  /**
   * Encrypts `plain` into `out` (`plain.byteLength + 17` bytes). `plain` may be the view of
   * `out` starting one byte in, which encrypts in place.
   */
  encrypt(out: Uint8Array, plain: Uint8Array): void {
    sodium.crypto_secretstream_xchacha20poly1305_push(this.state, out, plain, null, TAG_MESSAGE)
  }

  /** Wipes the state. */
  destroy(): void {
    sodium.sodium_memzero(this.state)
  }
}

/**
 * The receiving half: keeps the `rx` key until the peer's header arrives, then pulls messages.
 * @internal
 */
export class SecretstreamDecryptor {
  private readonly key: Buffer
  private readonly state: Buffer
  private readonly tag: Buffer

  /** @param key - this side's `rx` (first 32 bytes are used) */
  constructor(key: Uint8Array) {
    this.key = ownKey(key)
    this.state = b4a.allocUnsafeSlow(STATE_BYTES) as Buffer
    this.tag = b4a.allocUnsafeSlow(1) as Buffer
  }

  /** Initialises the pull state from the peer's 24-byte header and wipes the key copy. */
  init(header: Uint8Array): void {
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(this.state, header, this.key)
    sodium.sodium_memzero(this.key)
  }

  /**
   * Decrypts `ciphertext` into `out` (`ciphertext.byteLength - 17` bytes; may be the view of
   * `ciphertext` one byte in). Returns false when authentication fails. The tag is not acted
   * on, like @hyperswarm/secret-stream (peers only send TAG_MESSAGE).
   */
  decrypt(out: Uint8Array, ciphertext: Uint8Array): boolean {
    try {
      sodium.crypto_secretstream_xchacha20poly1305_pull(this.state, out, this.tag, ciphertext, null)
      return true
    } catch {
      return false
    }
  }

  /** Wipes the key and the state. */
  destroy(): void {
    sodium.sodium_memzero(this.key)
    sodium.sodium_memzero(this.state)
  }
}
