// relayToken: the random token two peers pair with at a blind relay (§9).

import { randomBytes } from '@keymesh/crypto'

/** Bytes of a pairing token (a `fixed32` on the wire). */
export const RELAY_TOKEN_BYTES = 32

/** A fresh random pairing token: 32 bytes from libsodium's CSPRNG. */
export function relayToken(): Buffer {
  return randomBytes(RELAY_TOKEN_BYTES)
}
