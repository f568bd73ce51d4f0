// Noise SymmetricState over BLAKE2b-512 and ChaCha20-Poly1305 (wire-protocol.md §5.1).

import b4a from 'b4a'
import sodium from 'sodium-universal'
import { AEAD_TAG_BYTES, HASH_BYTES, KEY_BYTES } from './constants.js'
import { hkdf2 } from './hkdf.js'

/** Bytes of the IETF ChaCha20-Poly1305 nonce: 4 zero bytes then a uint64-LE counter. */
const NONCE_BYTES = 12
const EMPTY = b4a.alloc(0)

/**
 * One operation of the symmetric state and the values after it, reported to a trace observer
 * (tests compare them with vectors/noise-ik-trace.json). Every field is a copy.
 */
export type HandshakeTraceStep =
  | { op: 'Initialize'; h: Buffer; ck: Buffer }
  | { op: 'MixHash'; input: Buffer; h: Buffer }
  | { op: 'MixKey'; dh: Buffer; ck: Buffer; k: Buffer }
  | { op: 'EncryptAndHash'; nonce: number; plaintext: Buffer; ciphertext: Buffer; h: Buffer }
  | { op: 'DecryptAndHash'; nonce: number; ciphertext: Buffer; plaintext: Buffer; h: Buffer }

/** A callback that observes every symmetric-state step. */
export type HandshakeTraceObserver = (step: HandshakeTraceStep) => void

function copy(bytes: Uint8Array): Buffer {
  return b4a.from(bytes) as Buffer
}

/**
 * The handshake hash `h`, chaining key `ck` and cipher state `(k, n)` of a Noise handshake.
 * All secrets live in off-heap buffers owned by this object and wiped by `destroy()`.
 * @internal
 */
export class SymmetricState {
  private readonly h: Buffer
  private readonly ck: Buffer
  private readonly temp: Buffer
  private readonly k: Buffer
  private readonly nonceBytes: Buffer
  private hasKey = false
  private n = 0
  private readonly onstep: HandshakeTraceObserver | null

  /**
   * InitializeSymmetric: `h` = protocol name zero-padded to 64 bytes (or hashed if longer),
   * `ck = h`, no cipher key.
   */
  constructor(protocolName: Uint8Array, onstep: HandshakeTraceObserver | null) {
    this.h = b4a.allocUnsafeSlow(HASH_BYTES) as Buffer
    this.ck = b4a.allocUnsafeSlow(HASH_BYTES) as Buffer
    this.temp = b4a.allocUnsafeSlow(HASH_BYTES) as Buffer
    this.k = this.temp.subarray(0, KEY_BYTES)
    this.nonceBytes = b4a.alloc(NONCE_BYTES) as Buffer
    this.onstep = onstep
    this.h.fill(0)
    if (protocolName.byteLength <= HASH_BYTES) this.h.set(protocolName)
    else sodium.crypto_generichash_batch(this.h, [protocolName])
    this.ck.set(this.h)
    if (onstep !== null) onstep({ op: 'Initialize', h: copy(this.h), ck: copy(this.ck) })
  }

  /** True once a cipher key has been mixed in (payloads and static keys are then encrypted). */
  get keyed(): boolean {
    return this.hasKey
  }

  /** `h = H512(h || data)`. */
  mixHash(data: Uint8Array): void {
    sodium.crypto_generichash_batch(this.h, [this.h, data])
    if (this.onstep !== null) this.onstep({ op: 'MixHash', input: copy(data), h: copy(this.h) })
  }

  /** `(ck, temp) = HKDF(ck, dhOutput)`; the cipher key becomes `temp[0..32]` with nonce 0. */
  mixKey(dhOutput: Uint8Array): void {
    hkdf2(this.ck, dhOutput, this.ck, this.temp)
    this.hasKey = true
    this.n = 0
    if (this.onstep !== null) {
      this.onstep({ op: 'MixKey', dh: copy(dhOutput), ck: copy(this.ck), k: copy(this.k) })
    }
  }

  /** Encrypts `plaintext` with `ad = h` (or passes it through before the first key), then mixes it. */
  encryptAndHash(plaintext: Uint8Array): Buffer {
    const nonce = this.n
    let out: Buffer
    if (this.hasKey) {
      out = b4a.allocUnsafe(plaintext.byteLength + AEAD_TAG_BYTES) as Buffer
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        out,
        plaintext,
        this.h,
        null,
        this.nextNonce(),
        this.k
      )
    } else {
      out = copy(plaintext)
    }
    this.mixHashQuiet(out)
    if (this.onstep !== null) {
      this.onstep({
        op: 'EncryptAndHash',
        nonce,
        plaintext: copy(plaintext),
        ciphertext: copy(out),
        h: copy(this.h)
      })
    }
    return out
  }

  /**
   * Decrypts `ciphertext` with `ad = h` (or passes it through before the first key), then mixes
   * the ciphertext. Returns null when authentication fails; the state is then unusable.
   */
  decryptAndHash(ciphertext: Uint8Array): Buffer | null {
    const nonce = this.n
    let out: Buffer
    if (this.hasKey) {
      if (ciphertext.byteLength < AEAD_TAG_BYTES) return null
      out = b4a.allocUnsafe(ciphertext.byteLength - AEAD_TAG_BYTES) as Buffer
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          out,
          null,
          ciphertext,
          this.h,
          this.nextNonce(),
          this.k
        )
      } catch {
        return null
      }
    } else {
      out = copy(ciphertext)
    }
    this.mixHashQuiet(ciphertext)
    if (this.onstep !== null) {
      this.onstep({
        op: 'DecryptAndHash',
        nonce,
        ciphertext: copy(ciphertext),
        plaintext: copy(out),
        h: copy(this.h)
      })
    }
    return out
  }

  /** Split: `(k1, k2) = HKDF(ck, empty)`, each truncated to 32 bytes, as new Buffers. */
  split(): [Buffer, Buffer] {
    const t1 = b4a.allocUnsafeSlow(HASH_BYTES) as Buffer
    const t2 = b4a.allocUnsafeSlow(HASH_BYTES) as Buffer
    hkdf2(this.ck, EMPTY, t1, t2)
    const k1 = copy(t1.subarray(0, KEY_BYTES))
    const k2 = copy(t2.subarray(0, KEY_BYTES))
    sodium.sodium_memzero(t1)
    sodium.sodium_memzero(t2)
    return [k1, k2]
  }

  /** A copy of the current handshake hash `h`. */
  handshakeHash(): Buffer {
    return copy(this.h)
  }

  /** Wipes `h`, `ck` and the cipher key. */
  destroy(): void {
    sodium.sodium_memzero(this.h)
    sodium.sodium_memzero(this.ck)
    sodium.sodium_memzero(this.temp)
    this.hasKey = false
  }

  private mixHashQuiet(data: Uint8Array): void {
    sodium.crypto_generichash_batch(this.h, [this.h, data])
  }

  private nextNonce(): Buffer {
    const n = this.n++
    this.nonceBytes.writeUInt32LE(n >>> 0, 4)
    this.nonceBytes.writeUInt32LE(Math.floor(n / 0x100000000), 8)
    return this.nonceBytes
  }
}
