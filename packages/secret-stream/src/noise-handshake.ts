// NoiseHandshake: the Noise IK and XX handshake state machine on Ed25519 / ChaChaPoly / BLAKE2b (§5, §8.3).

import { keyPair as createKeyPair } from '@keymesh/crypto'
import type { KeyPair } from '@keymesh/crypto'
import b4a from 'b4a'
import sodium from 'sodium-universal'
import {
  AEAD_TAG_BYTES,
  KEY_BYTES,
  MAX_HANDSHAKE_MESSAGE_BYTES,
  SECRET_KEY_BYTES
} from './constants.js'
import { dh, dhScalar } from './ed25519-dh.js'
import { SecretStreamError } from './errors.js'
import { SymmetricState } from './symmetric-state.js'
import type { HandshakeTraceObserver } from './symmetric-state.js'

/** The Noise patterns this package speaks: IK (hyperdht) and XX (standalone secret streams). */
export type NoisePattern = 'IK' | 'XX'

/** The handshake patterns this package supports, for validation. */
export const NOISE_PATTERNS: readonly NoisePattern[] = Object.freeze(['IK', 'XX'])

/** An Ed25519 key pair as libsodium lays it out; Buffers and plain Uint8Arrays both work. */
export interface KeyPairLike {
  /** 32-byte public key. */
  publicKey: Uint8Array
  /** 64-byte secret key: seed (32) || public key (32). */
  secretKey: Uint8Array
}

/** What a completed handshake yields: exactly the `handshake` option of `NoiseSecretStream`. */
export interface NoiseHandshakeResult {
  /** True on the side that sent the first message. */
  isInitiator: boolean
  /** This side's static public key. */
  publicKey: Buffer
  /** The peer's authenticated static public key. */
  remotePublicKey: Buffer
  /** The 64-byte handshake hash `h` after the last message. */
  hash: Buffer
  /** 32-byte key this side encrypts with. */
  tx: Buffer
  /** 32-byte key this side decrypts with. */
  rx: Buffer
}

/** Options of {@link NoiseHandshake}. */
export interface NoiseHandshakeOptions {
  /**
   * Bytes mixed into the handshake hash before the first message; both sides must use the same.
   * hyperdht uses `NS.PEER_HANDSHAKE` (see `createHandshake`), secret streams use none.
   * @default empty
   */
  prologue?: Uint8Array
  /** The responder's static public key. Required by the IK initiator, ignored otherwise. */
  remotePublicKey?: Uint8Array | null
  /**
   * The ephemeral key pair to use instead of a fresh random one. Only for reproducing vectors:
   * reusing an ephemeral key breaks forward secrecy.
   * @default a new random key pair
   */
  ephemeralKeyPair?: KeyPairLike | null
  /** Observer called after every symmetric-state step (tests and debugging). @default null */
  onstep?: HandshakeTraceObserver | null
}

type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss'

interface PatternSpec {
  /** IK: the responder's static key is a pre-message known to the initiator. */
  readonly responderStaticKnown: boolean
  readonly messages: readonly (readonly Token[])[]
}

// The message patterns from the Noise specification, section 7.
const PATTERNS: Readonly<Record<NoisePattern, PatternSpec>> = Object.freeze({
  IK: {
    responderStaticKnown: true,
    messages: [
      ['e', 'es', 's', 'ss'],
      ['e', 'ee', 'se']
    ]
  },
  XX: {
    responderStaticKnown: false,
    messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']]
  }
})

const EMPTY = b4a.alloc(0)

interface DhKey {
  publicKey: Buffer
  scalar: Buffer
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === length
}

function assertKeyPair(keyPair: unknown, what: string): asserts keyPair is KeyPairLike {
  const kp = keyPair as Partial<KeyPairLike> | null
  if (
    kp === null ||
    typeof kp !== 'object' ||
    !isBytes(kp.publicKey, KEY_BYTES) ||
    !isBytes(kp.secretKey, SECRET_KEY_BYTES)
  ) {
    throw SecretStreamError.INVALID_ARGUMENT(
      `${what} must be { publicKey: 32 bytes, secretKey: 64 bytes }`
    )
  }
}

function dhKey(keyPair: KeyPairLike): DhKey {
  return { publicKey: b4a.from(keyPair.publicKey) as Buffer, scalar: dhScalar(keyPair.secretKey) }
}

/**
 * One side of a Noise handshake with Ed25519 static and ephemeral keys, BLAKE2b-512 and
 * ChaCha20-Poly1305 (`Noise_IK_Ed25519_ChaChaPoly_BLAKE2b` / `Noise_XX_…`), wire-compatible with
 * noise-handshake + noise-curve-ed. Drive it with `send()` / `recv()` in turn until `complete`,
 * then read `final()`. Any malformed or unauthentic message makes `recv()` throw
 * `HANDSHAKE_FAILED` and the handshake unusable; it never throws a native error.
 */
export class NoiseHandshake {
  /** The pattern in use. */
  readonly pattern: NoisePattern
  /** True on the side that sends the first message. */
  readonly isInitiator: boolean
  /** This side's static public key. */
  readonly publicKey: Buffer
  /** The peer's static key: given up front (IK initiator) or learned from its message. */
  remotePublicKey: Buffer | null
  /** True once the last message has been sent or received. */
  complete = false

  private readonly spec: PatternSpec
  private readonly s: DhKey
  private e: DhKey | null = null
  private re: Buffer | null = null
  private state: SymmetricState
  private step = 0
  private failed = false
  private result: NoiseHandshakeResult | null = null
  private readonly pinnedEphemeral: KeyPairLike | null
  private readonly dhOut: Buffer = b4a.allocUnsafeSlow(KEY_BYTES) as Buffer

  /**
   * @param pattern - `'IK'` or `'XX'`
   * @param isInitiator - true on the side that sends the first message
   * @param keyPair - this side's static Ed25519 key pair
   * @param opts - prologue, the responder's key for IK, test hooks
   * @throws SecretStreamError `INVALID_ARGUMENT` for an unknown pattern, a malformed key pair or
   *   a missing/invalid `remotePublicKey` on the IK initiator
   */
  constructor(
    pattern: NoisePattern,
    isInitiator: boolean,
    keyPair: KeyPairLike,
    opts: NoiseHandshakeOptions = {}
  ) {
    if (!NOISE_PATTERNS.includes(pattern)) {
      throw SecretStreamError.INVALID_ARGUMENT(`Unsupported Noise pattern: ${String(pattern)}`)
    }
    if (typeof isInitiator !== 'boolean') {
      throw SecretStreamError.INVALID_ARGUMENT('isInitiator should be a boolean')
    }
    assertKeyPair(keyPair, 'keyPair')
    const prologue = opts.prologue ?? EMPTY
    if (!(prologue instanceof Uint8Array)) {
      throw SecretStreamError.INVALID_ARGUMENT('prologue must be a Uint8Array')
    }
    if (opts.ephemeralKeyPair !== undefined && opts.ephemeralKeyPair !== null) {
      assertKeyPair(opts.ephemeralKeyPair, 'ephemeralKeyPair')
    }

    this.pattern = pattern
    this.isInitiator = isInitiator
    this.spec = PATTERNS[pattern]
    this.s = dhKey(keyPair)
    this.publicKey = this.s.publicKey
    this.remotePublicKey = null
    this.pinnedEphemeral = opts.ephemeralKeyPair ?? null

    const name = b4a.from(`Noise_${pattern}_Ed25519_ChaChaPoly_BLAKE2b`)
    this.state = new SymmetricState(name, opts.onstep ?? null)
    this.state.mixHash(prologue)

    if (this.spec.responderStaticKnown) {
      if (isInitiator) {
        const rs = opts.remotePublicKey
        if (!isBytes(rs, KEY_BYTES)) {
          throw SecretStreamError.INVALID_ARGUMENT(
            `The ${pattern} initiator needs a 32-byte remotePublicKey`
          )
        }
        this.remotePublicKey = b4a.from(rs) as Buffer
        this.state.mixHash(this.remotePublicKey)
      } else {
        this.state.mixHash(this.s.publicKey)
      }
    }
  }

  /** An Ed25519 key pair, random or from a 32-byte seed (same as `NoiseSecretStream.keyPair`). */
  static keyPair(seed?: Uint8Array | null): KeyPair {
    return createKeyPair(seed)
  }

  /** True when the next message is this side's to send. */
  get sending(): boolean {
    return !this.complete && !this.failed && this.step % 2 === (this.isInitiator ? 0 : 1)
  }

  /**
   * Writes this side's next handshake message.
   *
   * @param payload - plaintext carried (encrypted once a key exists) at the end of the message
   * @returns the message bytes
   * @throws SecretStreamError `INVALID_STATE` when it is not this side's turn or the handshake is
   *   over, `INVALID_ARGUMENT` when the message would exceed 65 535 bytes
   */
  send(payload: Uint8Array = EMPTY): Buffer {
    if (!this.sending) throw SecretStreamError.INVALID_STATE('Not the turn of this side to send')
    if (!(payload instanceof Uint8Array)) {
      throw SecretStreamError.INVALID_ARGUMENT('payload must be a Uint8Array')
    }
    const tokens = this.spec.messages[this.step++] as readonly Token[]
    const parts: Buffer[] = []
    for (const token of tokens) {
      if (token === 'e') {
        const ephemeral = this.pinnedEphemeral ?? createKeyPair()
        this.e = dhKey(ephemeral)
        if (ephemeral !== this.pinnedEphemeral) sodium.sodium_memzero(ephemeral.secretKey)
        this.state.mixHash(this.e.publicKey)
        parts.push(this.e.publicKey)
      } else if (token === 's') {
        parts.push(this.state.encryptAndHash(this.s.publicKey))
      } else if (!this.mixDh(token)) {
        this.fail()
        throw SecretStreamError.HANDSHAKE_FAILED('Noise handshake failed: invalid remote key')
      }
    }
    parts.push(this.state.encryptAndHash(payload))
    const message = b4a.concat(parts) as Buffer
    if (message.byteLength > MAX_HANDSHAKE_MESSAGE_BYTES) {
      this.fail()
      throw SecretStreamError.INVALID_ARGUMENT(
        `Noise message of ${message.byteLength} bytes exceeds ${MAX_HANDSHAKE_MESSAGE_BYTES}`
      )
    }
    this.maybeFinish()
    return message
  }

  /**
   * Reads the peer's next handshake message. The input is never modified or retained.
   *
   * @param message - the message bytes, without framing
   * @returns the decrypted payload (a new Buffer)
   * @throws SecretStreamError `HANDSHAKE_FAILED` for a truncated, oversized or unauthentic
   *   message or an invalid key; `INVALID_STATE` when no message is expected
   */
  recv(message: Uint8Array): Buffer {
    if (this.complete || this.failed || this.sending) {
      throw SecretStreamError.INVALID_STATE('No handshake message expected')
    }
    if (!(message instanceof Uint8Array) || message.byteLength > MAX_HANDSHAKE_MESSAGE_BYTES) {
      this.fail()
      throw SecretStreamError.HANDSHAKE_FAILED('Noise handshake failed: invalid message size')
    }
    const tokens = this.spec.messages[this.step++] as readonly Token[]
    let offset = 0
    for (const token of tokens) {
      if (token === 'e') {
        if (message.byteLength - offset < KEY_BYTES) return this.reject('truncated message')
        this.re = b4a.from(message.subarray(offset, offset + KEY_BYTES)) as Buffer
        offset += KEY_BYTES
        this.state.mixHash(this.re)
      } else if (token === 's') {
        const len = KEY_BYTES + (this.state.keyed ? AEAD_TAG_BYTES : 0)
        if (message.byteLength - offset < len) return this.reject('truncated message')
        const rs = this.state.decryptAndHash(message.subarray(offset, offset + len))
        offset += len
        if (rs === null) return this.reject('cannot decrypt the static key')
        this.remotePublicKey = rs
      } else if (!this.mixDh(token)) {
        return this.reject('invalid remote key')
      }
    }
    const payload = this.state.decryptAndHash(message.subarray(offset))
    if (payload === null) return this.reject('cannot decrypt the payload')
    this.maybeFinish()
    return payload
  }

  /**
   * The keys and hash of the completed handshake (the same object on every call).
   * @throws SecretStreamError `INVALID_STATE` before the handshake is complete
   */
  final(): NoiseHandshakeResult {
    if (this.result === null) throw SecretStreamError.INVALID_STATE('Handshake is not complete')
    return this.result
  }

  /** Wipes every secret this object holds; the handshake becomes unusable. */
  destroy(): void {
    this.fail()
  }

  private mixDh(token: Token): boolean {
    // first letter: the initiator's key, second letter: the responder's key
    const initiatorKey = token[0] === 's' ? 's' : 'e'
    const responderKey = token[1] === 's' ? 's' : 'e'
    const localKind = this.isInitiator ? initiatorKey : responderKey
    const remoteKind = this.isInitiator ? responderKey : initiatorKey
    const local = localKind === 's' ? this.s : this.e
    const remote = remoteKind === 's' ? this.remotePublicKey : this.re
    if (local === null || remote === null) return false
    if (!dh(this.dhOut, remote, local.scalar)) return false
    this.state.mixKey(this.dhOut)
    sodium.sodium_memzero(this.dhOut)
    return true
  }

  private maybeFinish(): void {
    if (this.step < this.spec.messages.length) return
    const [k1, k2] = this.state.split()
    this.result = {
      isInitiator: this.isInitiator,
      publicKey: this.publicKey,
      remotePublicKey: this.remotePublicKey as Buffer,
      hash: this.state.handshakeHash(),
      tx: this.isInitiator ? k1 : k2,
      rx: this.isInitiator ? k2 : k1
    }
    this.complete = true
    this.wipe()
  }

  private reject(reason: string): never {
    this.fail()
    throw SecretStreamError.HANDSHAKE_FAILED(`Noise handshake failed: ${reason}`)
  }

  private fail(): void {
    if (!this.complete) this.failed = true
    this.wipe()
  }

  private wipe(): void {
    this.state.destroy()
    sodium.sodium_memzero(this.s.scalar)
    if (this.e !== null) sodium.sodium_memzero(this.e.scalar)
    if (this.re !== null) sodium.sodium_memzero(this.re)
    this.e = null
    this.re = null
  }
}
