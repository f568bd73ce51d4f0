// SecurePayload: seals and opens PEER_HOLEPUNCH payloads and makes address tokens (§7.3).

import { HOLEPUNCH_SECRET_BYTES, holepunchToken, randomBytes } from '@keymesh/crypto'
import {
  SECRETBOX_MAC_BYTES,
  SECRETBOX_NONCE_BYTES,
  encode,
  holepunchPayload,
  sealedPayload,
  type HolepunchPayload
} from '@keymesh/wire'
import sodium from 'sodium-universal'
import { HolepunchError } from './errors.js'
import type { HostPort } from './host-port.js'

/** Bytes of the XSalsa20-Poly1305 key (the holepunch secret from the Noise handshake). */
const SECRETBOX_KEY_BYTES = 32

/**
 * Encrypts/decrypts PEER_HOLEPUNCH payloads (wire §7.3) with the holepunch secret, and makes
 * address tokens.
 */
export class SecurePayload {
  private readonly sharedSecret: Uint8Array
  private readonly localSecret: Uint8Array

  /**
   * @param holepunchSecret - the 32-byte secret both sides derived from the Noise handshake
   * @param localSecret - this side's 32-byte token secret; random by default (pinned only by tests)
   * @throws HolepunchError `INVALID_ARGUMENT` when a secret is not 32 bytes
   */
  constructor(holepunchSecret: Uint8Array, localSecret?: Uint8Array) {
    this.sharedSecret = copySecret(holepunchSecret, SECRETBOX_KEY_BYTES, 'holepunchSecret')
    this.localSecret =
      localSecret === undefined
        ? randomBytes(HOLEPUNCH_SECRET_BYTES)
        : copySecret(localSecret, HOLEPUNCH_SECRET_BYTES, 'localSecret')
  }

  /**
   * `nonce (24 random bytes) || crypto_secretbox_easy(holepunchPayload)`.
   * @throws WireError `ENCODE_FAILED` for a payload the codec cannot encode
   */
  encrypt(payload: HolepunchPayload<Uint8Array>): Buffer {
    const plain = encode(holepunchPayload, payload)
    const nonce = randomBytes(SECRETBOX_NONCE_BYTES)
    const box = Buffer.allocUnsafe(plain.byteLength + SECRETBOX_MAC_BYTES)
    sodium.crypto_secretbox_easy(box, plain, nonce, this.sharedSecret)
    return encode(sealedPayload, { nonce, box })
  }

  /**
   * The payload inside `buf`, or null when it is too short, fails authentication or does not
   * decode. Never throws. Trailing bytes after the payload are ignored, as hyperdht does. The
   * result owns its memory (tokens are not views into `buf`).
   */
  decrypt(buf: Uint8Array): HolepunchPayload | null {
    try {
      // hyperdht rejects an empty plaintext too, hence the strict comparison.
      if (!(buf instanceof Uint8Array)) return null
      if (buf.byteLength <= SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES) return null

      const nonce = buf.subarray(0, SECRETBOX_NONCE_BYTES)
      const box = buf.subarray(SECRETBOX_NONCE_BYTES)
      const plain = Buffer.alloc(box.byteLength - SECRETBOX_MAC_BYTES)
      if (!sodium.crypto_secretbox_open_easy(plain, box, nonce, this.sharedSecret)) return null

      return holepunchPayload.decode({ start: 0, end: plain.byteLength, buffer: plain })
    } catch {
      return null
    }
  }

  /** `H_{localSecret}(utf8(addr.host))`: proves to the peer which host we saw it at. */
  token(addr: HostPort): Buffer {
    return holepunchToken(this.localSecret, addr.host)
  }
}

function copySecret(secret: Uint8Array, bytes: number, name: string): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.byteLength !== bytes) {
    throw HolepunchError.INVALID_ARGUMENT(`${name} must be ${bytes} bytes`)
  }
  return Buffer.from(secret)
}
