// Round-trip tokens: two rotating secrets that issue and check per-host tokens (§3.6).

import sodium from 'sodium-universal'
import b4a from 'b4a'
import { allocBuffer, assertKeyLength, assertString, isBytes, scratch, utf8 } from './bytes.js'
import { CryptoError } from './errors.js'
import { generichash, hash } from './hash.js'
import { HASH_BYTES } from './sizes.js'

/** Length of each token secret. */
export const TOKEN_SECRET_BYTES = 32

/** Index of a token secret: 0 is the previous one, 1 the current one. */
export type TokenSecretIndex = 0 | 1

/**
 * The pair of 32-byte secrets a dht-rpc node uses for round-trip tokens.
 * `token(host) = H_secret(utf8(host))`; the port is not included. Replies carry tokens made with
 * secret 1; an incoming token is accepted under secret 1 or secret 0. {@link TokenSecrets.rotate}
 * (called by the owner every 7.5 s) moves secret 1 to slot 0 and sets secret 1 to `H(old secret 0)`.
 */
export class TokenSecrets {
  private secrets: [Buffer, Buffer] | null

  /**
   * @param secrets - optional `[secret0, secret1]`, each 32 bytes (copied). Without it, two
   *   random secrets are drawn on first use.
   * @throws CryptoError `INVALID_ARGUMENT` if `secrets` is not a pair of Uint8Arrays,
   *   `INVALID_KEY_LENGTH` if a secret is not 32 bytes
   */
  constructor(secrets?: readonly [Uint8Array, Uint8Array]) {
    if (secrets === undefined) {
      this.secrets = null
      return
    }
    if (!Array.isArray(secrets) || secrets.length !== 2) {
      throw CryptoError.INVALID_ARGUMENT('secrets must be a [secret0, secret1] pair')
    }
    const [s0, s1] = secrets
    assertKeyLength(s0, TOKEN_SECRET_BYTES, 'secret0')
    assertKeyLength(s1, TOKEN_SECRET_BYTES, 'secret1')
    this.secrets = [b4a.from(s0) as Buffer, b4a.from(s1) as Buffer]
  }

  private ensure(): [Buffer, Buffer] {
    if (this.secrets === null) {
      const s0 = allocBuffer(TOKEN_SECRET_BYTES)
      const s1 = allocBuffer(TOKEN_SECRET_BYTES)
      sodium.randombytes_buf(s0)
      sodium.randombytes_buf(s1)
      this.secrets = [s0, s1]
    }
    return this.secrets
  }

  /**
   * The token for `host` under secret `i`: keyed BLAKE2b-256 of the UTF-8 host string.
   *
   * @param host - the requester's dotted-quad host (used as given, port excluded)
   * @param i - secret index, 0 or 1
   * @returns a new 32-byte Buffer
   * @throws CryptoError `INVALID_ARGUMENT` if `host` is not a string or `i` is not 0 or 1
   */
  token(host: string, i: TokenSecretIndex): Buffer {
    assertString(host, 'host')
    if (i !== 0 && i !== 1) throw CryptoError.INVALID_ARGUMENT('secret index must be 0 or 1')
    return generichash(HASH_BYTES, utf8(host), this.ensure()[i])
  }

  /**
   * The token to put in a reply to `host` (made with the current secret, index 1).
   *
   * @param host - the requester's dotted-quad host
   * @returns a new 32-byte Buffer
   * @throws CryptoError `INVALID_ARGUMENT` if `host` is not a string
   */
  issue(host: string): Buffer {
    return this.token(host, 1)
  }

  /**
   * Whether `token` is valid for `host` under the current or the previous secret. Compares in
   * constant time (`sodium_memcmp`). Never throws for a malformed token: anything other than a
   * 32-byte Uint8Array is simply invalid.
   *
   * @param token - the token from an incoming request
   * @param host - the host the request came from
   * @returns `true` if the token matches secret 1 or secret 0
   * @throws CryptoError `INVALID_ARGUMENT` if `host` is not a string
   */
  verify(token: Uint8Array, host: string): boolean {
    assertString(host, 'host')
    if (!isBytes(token, HASH_BYTES)) return false
    const [s0, s1] = this.ensure()
    const input = utf8(host)
    // both candidates are computed in scratch memory: checking a token allocates nothing
    const expected = scratch(HASH_BYTES)
    sodium.crypto_generichash(expected, input, s1)
    const current = sodium.sodium_memcmp(token, expected)
    sodium.crypto_generichash(expected, input, s0)
    const previous = sodium.sodium_memcmp(token, expected)
    expected.fill(0)
    return current || previous
  }

  /**
   * Rotates the secrets: new secret 0 = old secret 1, new secret 1 = `H(old secret 0)`.
   * A no-op while no secret has been drawn yet (nothing was issued, so nothing can expire).
   */
  rotate(): void {
    if (this.secrets === null) return
    const [s0, s1] = this.secrets
    this.secrets = [s1, hash(s0)]
  }

  /**
   * Copies of the current `[secret0, secret1]`, drawing them first if needed. Meant for tests
   * and diagnostics; the copies do not alias internal state.
   *
   * @returns two new 32-byte Buffers
   */
  exportSecrets(): [Buffer, Buffer] {
    const [s0, s1] = this.ensure()
    return [b4a.from(s0) as Buffer, b4a.from(s1) as Buffer]
  }
}
