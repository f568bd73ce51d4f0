// Round-trip tokens on a rotation schedule: crypto's TokenSecrets rotated every 10th drain (§3.6).

import { TokenSecrets } from '@keymesh/crypto'
import type { TokenSecretIndex } from '@keymesh/crypto'
import { ROTATE_SECRETS_DRAINS } from './constants.js'

/**
 * Issues and checks the round-trip tokens of one node. Tokens are bound to the requester's IP
 * (not port) and stay valid for 7.5–15 s: {@link RoundTripTokens.ondrain} is called on every
 * 750 ms drain and rotates the secrets on every 10th one, once secrets exist.
 */
export class RoundTripTokens {
  private readonly secrets: TokenSecrets
  private used = false
  private drainsLeft = ROTATE_SECRETS_DRAINS

  /** @param secrets - injected secrets for tests; random ones are drawn lazily otherwise */
  constructor(secrets: TokenSecrets = new TokenSecrets()) {
    this.secrets = secrets
  }

  /** The token for `host` under secret `i` (1 = current, 0 = previous). */
  token(host: string, i: TokenSecretIndex): Buffer {
    this.used = true
    return this.secrets.token(host, i)
  }

  /** A fresh token to put in a reply to `host`. */
  issue(host: string): Buffer {
    this.used = true
    return this.secrets.issue(host)
  }

  /** True if `token` is valid for `host` under either secret. Never throws. */
  verify(token: Uint8Array, host: string): boolean {
    this.used = true
    try {
      return this.secrets.verify(token, host)
    } catch {
      return false
    }
  }

  /** One drain period passed; rotate on every 10th once a token was ever issued or checked. */
  ondrain(): void {
    if (!this.used || --this.drainsLeft > 0) return
    this.drainsLeft = ROTATE_SECRETS_DRAINS
    this.secrets.rotate()
  }

  /** Rotate now (tests and diagnostics). */
  rotate(): void {
    this.used = true
    this.secrets.rotate()
  }
}
