// Signing and checking mutable records, shared by the client operations and the record store.

import type { KeyPair } from '@keymesh/crypto'
import { signMutable, verifyMutable } from '@keymesh/crypto'
import { encode, mutableSignable } from '@keymesh/wire'

/** Signs `(seq, value)` for a mutable record; hyperdht's `signMutable` option. May be async. */
export type MutableSigner = (
  seq: number,
  value: Uint8Array,
  keyPair: KeyPair
) => Uint8Array | Promise<Uint8Array>

/** The default signer: NS_MUTABLE_PUT over `uint(seq) || buffer(value)`. */
export const defaultSignMutable: MutableSigner = (seq, value, keyPair) =>
  signMutable(encode(mutableSignable, { seq, value }), keyPair.secretKey)

/** Checks a mutable record's signature; never throws. */
export function isValidMutable(
  publicKey: Uint8Array,
  seq: number,
  value: Uint8Array,
  signature: Uint8Array
): boolean {
  if (!Number.isSafeInteger(seq) || seq < 0) return false
  return verifyMutable(encode(mutableSignable, { seq, value }), signature, publicKey)
}
