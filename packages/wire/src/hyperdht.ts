// HyperDHT command payloads (docs/wire-protocol.md §4.3): routing, records, announces, plugins.

import { ipv4Address, ipv4AddressArray, type PeerAddress } from './address.js'
import type { Codec } from './codec.js'
import { K, MAX_ADDRESSES, MAX_DATAGRAM_BYTES, MAX_NOISE_MESSAGE_BYTES } from './constants.js'
import { WireError } from './errors.js'
import { array, buffer, fixed32, fixed64, raw, readFlags, string, uint } from './primitives.js'

const addressList = ipv4AddressArray(MAX_ADDRESSES, 'relayAddresses')
const valueBytes = buffer(MAX_DATAGRAM_BYTES, 'value')

/** PEER_HANDSHAKE value (§4.3.1). */
export interface Handshake<B extends Uint8Array = Buffer> {
  /** Routing mode (`MODES`). */
  mode: number
  /** The Noise handshake message (§5). */
  noise: B
  peerAddress: PeerAddress | null
  relayAddress: PeerAddress | null
}

const noiseBytes = buffer(MAX_NOISE_MESSAGE_BYTES, 'noise')

/** PEER_HANDSHAKE value codec (§4.3.1). */
export const handshake: Codec<Handshake<Uint8Array>, Handshake> = {
  name: 'handshake',
  preencode(state, m) {
    state.end++ // flags
    uint.preencode(state, m.mode)
    noiseBytes.preencode(state, m.noise)
    if (m.peerAddress) ipv4Address.preencode(state, m.peerAddress)
    if (m.relayAddress) ipv4Address.preencode(state, m.relayAddress)
  },
  encode(state, m) {
    uint.encode(state, (m.peerAddress ? 1 : 0) | (m.relayAddress ? 2 : 0))
    uint.encode(state, m.mode)
    noiseBytes.encode(state, m.noise)
    if (m.peerAddress) ipv4Address.encode(state, m.peerAddress)
    if (m.relayAddress) ipv4Address.encode(state, m.relayAddress)
  },
  decode(state) {
    const flags = readFlags(state, 0b11, 'handshake')
    return {
      mode: uint.decode(state),
      noise: noiseBytes.decode(state),
      peerAddress: flags & 1 ? ipv4Address.decode(state) : null,
      relayAddress: flags & 2 ? ipv4Address.decode(state) : null
    }
  }
}

/** PEER_HOLEPUNCH value (§4.3.2). */
export interface Holepunch<B extends Uint8Array = Buffer> {
  mode: number
  /** Server-side handshake slot id. */
  id: number
  /** Encrypted `holepunchPayload` (§7.3). */
  payload: B
  peerAddress: PeerAddress | null
}

const payloadBytes = buffer(MAX_DATAGRAM_BYTES, 'payload')

/** PEER_HOLEPUNCH value codec (§4.3.2). */
export const holepunch: Codec<Holepunch<Uint8Array>, Holepunch> = {
  name: 'holepunch',
  preencode(state, m) {
    state.end++ // flags
    uint.preencode(state, m.mode)
    uint.preencode(state, m.id)
    payloadBytes.preencode(state, m.payload)
    if (m.peerAddress) ipv4Address.preencode(state, m.peerAddress)
  },
  encode(state, m) {
    uint.encode(state, m.peerAddress ? 1 : 0)
    uint.encode(state, m.mode)
    uint.encode(state, m.id)
    payloadBytes.encode(state, m.payload)
    if (m.peerAddress) ipv4Address.encode(state, m.peerAddress)
  },
  decode(state) {
    const flags = readFlags(state, 0b1, 'holepunch')
    return {
      mode: uint.decode(state),
      id: uint.decode(state),
      payload: payloadBytes.decode(state),
      peerAddress: flags & 1 ? ipv4Address.decode(state) : null
    }
  }
}

/** A stored announcement record; also the FIND_PEER reply value (§4.3.5). */
export interface Peer<B extends Uint8Array = Buffer> {
  publicKey: B
  relayAddresses: PeerAddress[]
}

/** Peer record codec (§4.3.5). */
export const peer: Codec<Peer<Uint8Array>, Peer> = {
  name: 'peer',
  preencode(state, m) {
    fixed32.preencode(state, m.publicKey)
    addressList.preencode(state, m.relayAddresses)
  },
  encode(state, m) {
    fixed32.encode(state, m.publicKey)
    addressList.encode(state, m.relayAddresses)
  },
  decode(state) {
    return { publicKey: fixed32.decode(state), relayAddresses: addressList.decode(state) }
  }
}

/** LOOKUP reply value (§4.3.6). */
export interface LookupRawReply<B extends Uint8Array = Buffer> {
  /** Peer records; on encode a `Uint8Array` item is written verbatim as an encoded record. */
  peers: (Peer<B> | B)[]
  /** Announce bump for the topic; 0 when absent (older nodes omit it). */
  bump: number
}

/** LOOKUP reply as decoded: peers are always objects. */
export interface LookupReply {
  peers: Peer[]
  bump: number
}

const PEER_MIN_BYTES = 33 // publicKey + empty address list
const peerList = array(peer, K, PEER_MIN_BYTES, 'peers')

/** LOOKUP reply value codec (§4.3.6). Extensible: the bump was appended in a later release. */
export const lookupRawReply: Codec<LookupRawReply<Uint8Array>, LookupReply> = {
  name: 'lookupRawReply',
  extensible: true,
  preencode(state, m) {
    if (!Array.isArray(m.peers) || m.peers.length > K) {
      throw WireError.encode('lookupRawReply', `expected at most ${K} peers`)
    }
    uint.preencode(state, m.peers.length)
    for (const p of m.peers) {
      if (p instanceof Uint8Array) raw.preencode(state, p)
      else peer.preencode(state, p)
    }
    uint.preencode(state, m.bump)
  },
  encode(state, m) {
    uint.encode(state, m.peers.length)
    for (const p of m.peers) {
      if (p instanceof Uint8Array) raw.encode(state, p)
      else peer.encode(state, p)
    }
    uint.encode(state, m.bump)
  },
  decode(state) {
    const peers = peerList.decode(state)
    const bump = state.start < state.end ? uint.decode(state) : 0
    return { peers, bump }
  }
}

/** ANNOUNCE / UNANNOUNCE value (§4.3.7). */
export interface Announce<B extends Uint8Array = Buffer> {
  peer: Peer<B> | null
  /** Refresh token (hash chain), 32 bytes. */
  refresh: B | null
  /** Ed25519 signature over the announce signable (§4.6). */
  signature: B | null
  /** Unsigned freshness hint in ms; 0 means absent. */
  bump: number
}

/** ANNOUNCE / UNANNOUNCE value codec (§4.3.7). Extensible: the bump was appended later. */
export const announce: Codec<Announce<Uint8Array>, Announce> = {
  name: 'announce',
  extensible: true,
  preencode(state, m) {
    state.end++ // flags
    if (m.peer) peer.preencode(state, m.peer)
    if (m.refresh) fixed32.preencode(state, m.refresh)
    if (m.signature) fixed64.preencode(state, m.signature)
    if (m.bump) uint.preencode(state, m.bump) // only written when non-zero
  },
  encode(state, m) {
    uint.encode(
      state,
      (m.peer ? 1 : 0) | (m.refresh ? 2 : 0) | (m.signature ? 4 : 0) | (m.bump ? 8 : 0)
    )
    if (m.peer) peer.encode(state, m.peer)
    if (m.refresh) fixed32.encode(state, m.refresh)
    if (m.signature) fixed64.encode(state, m.signature)
    if (m.bump) uint.encode(state, m.bump)
  },
  decode(state) {
    const flags = readFlags(state, 0b1111, 'announce')
    return {
      peer: flags & 1 ? peer.decode(state) : null,
      refresh: flags & 2 ? fixed32.decode(state) : null,
      signature: flags & 4 ? fixed64.decode(state) : null,
      bump: flags & 8 ? uint.decode(state) : 0
    }
  }
}

/** The bytes a mutable record's signature covers, before hashing (§4.3.8, §4.6). */
export interface MutableSignable<B extends Uint8Array = Buffer> {
  seq: number
  value: B
}

/** `uint seq` + `buffer value` (§4.3.8). */
export const mutableSignable: Codec<MutableSignable<Uint8Array>, MutableSignable> = {
  name: 'mutableSignable',
  preencode(state, m) {
    uint.preencode(state, m.seq)
    valueBytes.preencode(state, m.value)
  },
  encode(state, m) {
    uint.encode(state, m.seq)
    valueBytes.encode(state, m.value)
  },
  decode(state) {
    return { seq: uint.decode(state), value: valueBytes.decode(state) }
  }
}

/** MUTABLE_PUT value (§4.3.8). */
export interface MutablePutRequest<B extends Uint8Array = Buffer> {
  publicKey: B
  seq: number
  value: B
  signature: B
}

/** MUTABLE_PUT value codec (§4.3.8). */
export const mutablePutRequest: Codec<MutablePutRequest<Uint8Array>, MutablePutRequest> = {
  name: 'mutablePutRequest',
  preencode(state, m) {
    fixed32.preencode(state, m.publicKey)
    mutableSignable.preencode(state, m)
    fixed64.preencode(state, m.signature)
  },
  encode(state, m) {
    fixed32.encode(state, m.publicKey)
    mutableSignable.encode(state, m)
    fixed64.encode(state, m.signature)
  },
  decode(state) {
    return {
      publicKey: fixed32.decode(state),
      seq: uint.decode(state),
      value: valueBytes.decode(state),
      signature: fixed64.decode(state)
    }
  }
}

/** MUTABLE_GET reply value, and the stored form of a mutable record (§4.3.8). */
export interface MutableGetResponse<B extends Uint8Array = Buffer> {
  seq: number
  value: B
  signature: B
}

/** MUTABLE_GET reply value codec (§4.3.8). */
export const mutableGetResponse: Codec<MutableGetResponse<Uint8Array>, MutableGetResponse> = {
  name: 'mutableGetResponse',
  preencode(state, m) {
    mutableSignable.preencode(state, m)
    fixed64.preencode(state, m.signature)
  },
  encode(state, m) {
    mutableSignable.encode(state, m)
    fixed64.encode(state, m.signature)
  },
  decode(state) {
    return {
      seq: uint.decode(state),
      value: valueBytes.decode(state),
      signature: fixed64.decode(state)
    }
  }
}

/** MUTABLE_GET request value: the minimum seq wanted (§4.3.8). */
export const mutableGetRequest: Codec<number> = { ...uint, name: 'mutableGetRequest' }

/** PLUGIN value (§4.3.9). */
export interface PluginRequest<B extends Uint8Array = Buffer> {
  plugin: string
  version: number
  command: number
  value: B | null
}

const pluginName = string(MAX_DATAGRAM_BYTES, 'plugin')

/** PLUGIN value codec (§4.3.9). */
export const pluginRequest: Codec<PluginRequest<Uint8Array>, PluginRequest> = {
  name: 'pluginRequest',
  preencode(state, m) {
    pluginName.preencode(state, m.plugin)
    uint.preencode(state, m.version)
    uint.preencode(state, m.command)
    state.end++ // flags
    if (m.value) valueBytes.preencode(state, m.value)
  },
  encode(state, m) {
    pluginName.encode(state, m.plugin)
    uint.encode(state, m.version)
    uint.encode(state, m.command)
    uint.encode(state, m.value ? 1 : 0)
    if (m.value) valueBytes.encode(state, m.value)
  },
  decode(state) {
    const plugin = pluginName.decode(state)
    const version = uint.decode(state)
    const command = uint.decode(state)
    const flags = readFlags(state, 0b1, 'pluginRequest')
    return { plugin, version, command, value: flags & 1 ? valueBytes.decode(state) : null }
  }
}
