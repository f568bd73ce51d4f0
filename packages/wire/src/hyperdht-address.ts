// The hyperdht-address key format: a public key optionally followed by hint nodes (§6.1).

import { ipv4AddressArray, type PeerAddress } from './address.js'
import type { Codec } from './codec.js'
import { MAX_ADDRESSES } from './constants.js'
import { fixed32, readFlags, uint } from './primitives.js'

/** A server key with optional DHT nodes to ask first (§6.1). */
export interface HyperdhtAddress<B extends Uint8Array = Buffer> {
  publicKey: B
  /** Nodes known to route to the server; [] when absent. */
  nodes: PeerAddress[]
}

const nodeList = ipv4AddressArray(MAX_ADDRESSES, 'nodes')

/** `fixed32 key` + optional `uint flags` + (bit 0) `ipv4Address[] nodes` (§6.1). */
export const hyperdhtAddress: Codec<HyperdhtAddress<Uint8Array>, HyperdhtAddress> = {
  name: 'hyperdhtAddress',
  preencode(state, m) {
    fixed32.preencode(state, m.publicKey)
    state.end++ // flags
    if (m.nodes.length > 0) nodeList.preencode(state, m.nodes)
  },
  encode(state, m) {
    fixed32.encode(state, m.publicKey)
    uint.encode(state, m.nodes.length > 0 ? 1 : 0)
    if (m.nodes.length > 0) nodeList.encode(state, m.nodes)
  },
  decode(state) {
    const publicKey = fixed32.decode(state)
    // A bare 32-byte key (no flags) is the common form.
    const flags = state.start < state.end ? readFlags(state, 0b1, 'hyperdhtAddress') : 0
    return { publicKey, nodes: flags & 1 ? nodeList.decode(state) : [] }
  }
}
