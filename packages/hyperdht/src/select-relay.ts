// selectRelay: the relayThrough option (a key, a list to pick from, or a function) to one key.

import { asBuffer } from '@keymesh/wire'

/** `relayThrough` as connect() and createServer() take it (§9). */
export type RelayThrough =
  Uint8Array | readonly Uint8Array[] | (() => Uint8Array | readonly Uint8Array[] | null) | null

/** The relay key to use for one connection, or null for none; a list is sampled at random. */
export function selectRelay(relayThrough: RelayThrough | undefined): Buffer | null {
  const chosen = typeof relayThrough === 'function' ? relayThrough() : (relayThrough ?? null)
  if (chosen === null || chosen === undefined) return null
  if (isList(chosen)) {
    if (chosen.length === 0) return null
    const pick = chosen[Math.floor(Math.random() * chosen.length)]
    return pick === undefined ? null : asBuffer(pick)
  }
  return asBuffer(chosen)
}

function isList(v: Uint8Array | readonly Uint8Array[]): v is readonly Uint8Array[] {
  return Array.isArray(v)
}
