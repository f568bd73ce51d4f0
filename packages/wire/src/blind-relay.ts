// Blind-relay channel messages: pair and unpair (docs/wire-protocol.md §9).

import type { Codec } from './codec.js'
import { WireError } from './errors.js'
import { fixed32, readFlags, uint } from './primitives.js'

const BITFIELD7_MASK = 0x7f

/** Seven flag bits as one byte, bit 0 first (compact-encoding-bitfield(7), §1.10). */
export const bitfield7: Codec<number> = {
  name: 'bitfield7',
  preencode(state, bits) {
    if (!Number.isInteger(bits) || bits < 0 || bits > BITFIELD7_MASK) {
      throw WireError.encode('bitfield7', `${String(bits)} does not fit in 7 bits`)
    }
    state.end++
  },
  encode(state, bits) {
    uint.encode(state, bits)
  },
  decode(state) {
    return readFlags(state, BITFIELD7_MASK, 'bitfield7')
  }
}

/** `pair` (message type 0): ask the relay to join two streams carrying the same token. */
export interface Pair<B extends Uint8Array = Buffer> {
  isInitiator: boolean
  token: B
  /** The sender's raw UDX stream id (from the relay: its own stream id for that side). */
  id: number
  seq: number
}

/** `pair` message codec. */
export const pair: Codec<Pair<Uint8Array>, Pair> = {
  name: 'pair',
  preencode(state, m) {
    state.end++ // bitfield
    fixed32.preencode(state, m.token)
    uint.preencode(state, m.id)
    uint.preencode(state, m.seq)
  },
  encode(state, m) {
    bitfield7.encode(state, m.isInitiator ? 1 : 0)
    fixed32.encode(state, m.token)
    uint.encode(state, m.id)
    uint.encode(state, m.seq)
  },
  decode(state) {
    const flags = bitfield7.decode(state)
    return {
      isInitiator: (flags & 1) !== 0,
      token: fixed32.decode(state),
      id: uint.decode(state),
      seq: uint.decode(state)
    }
  }
}

/** `unpair` (message type 1): cancel a pairing. */
export interface Unpair<B extends Uint8Array = Buffer> {
  token: B
}

/** `unpair` message codec. */
export const unpair: Codec<Unpair<Uint8Array>, Unpair> = {
  name: 'unpair',
  preencode(state, m) {
    state.end++ // bitfield, always 0
    fixed32.preencode(state, m.token)
  },
  encode(state, m) {
    bitfield7.encode(state, 0)
    fixed32.encode(state, m.token)
  },
  decode(state) {
    bitfield7.decode(state) // no flags are defined for unpair
    return { token: fixed32.decode(state) }
  }
}
