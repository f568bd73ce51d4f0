// The plaintext carried inside both Noise handshake messages (docs/wire-protocol.md §4.3.3).

import { ipv4Address, ipv4AddressArray, ipv6Address, type PeerAddress } from './address.js'
import type { Codec } from './codec.js'
import { MAX_ADDRESSES, NOISE_PAYLOAD_VERSION } from './constants.js'
import { array, fixed32, readFlags, uint } from './primitives.js'

/** One announce relay of a server: the relay node and the server as that node sees it. */
export interface RelayInfo {
  relayAddress: PeerAddress
  peerAddress: PeerAddress
}

/** Holepunch data a server offers (§4.3.3): its handshake slot and its announce relays. */
export interface HolepunchInfo {
  id: number
  relays: RelayInfo[]
}

/** UDX stream data (§4.3.3). */
export interface UdxInfo {
  /** Written as 1 by current senders. */
  version: number
  /** Feature bit 0: the sender's socket may be reused. */
  reusableSocket: boolean
  /** The sender's UDX stream id, the peer's remote id. */
  id: number
  seq: number
}

/** Secret-stream data (§4.3.3). */
export interface SecretStreamInfo {
  version: number
}

/** A blind-relay request (§4.3.3, §9). */
export interface RelayThroughInfo<B extends Uint8Array = Buffer> {
  version: number
  /** The relay server's public key. */
  publicKey: B
  /** Pairing token. */
  token: B
}

/** The Noise handshake payload (§4.3.3). */
export interface NoisePayload<B extends Uint8Array = Buffer> {
  /** 1 today; any other version decodes with every other field defaulted. */
  version: number
  /** `PAYLOAD_ERRORS` number. */
  error: number
  /** `FIREWALL` class of the sender. */
  firewall: number
  holepunch: HolepunchInfo | null
  /** Sent only when non-empty; decodes as [] when absent. */
  addresses4: PeerAddress[]
  /** Unused in practice; decodes as [] when absent. */
  addresses6: PeerAddress[]
  udx: UdxInfo | null
  secretStream: SecretStreamInfo | null
  relayThrough: RelayThroughInfo<B> | null
  /** Sent whenever non-null, even when empty. */
  relayAddresses: PeerAddress[] | null
}

const relayInfo: Codec<RelayInfo> = {
  name: 'relayInfo',
  preencode(state, m) {
    ipv4Address.preencode(state, m.relayAddress)
    ipv4Address.preencode(state, m.peerAddress)
  },
  encode(state, m) {
    ipv4Address.encode(state, m.relayAddress)
    ipv4Address.encode(state, m.peerAddress)
  },
  decode(state) {
    return { relayAddress: ipv4Address.decode(state), peerAddress: ipv4Address.decode(state) }
  }
}

const relays = array(relayInfo, MAX_ADDRESSES, 12, 'relays')

/** `holepunchInfo` sub-structure codec. */
export const holepunchInfo: Codec<HolepunchInfo> = {
  name: 'holepunchInfo',
  preencode(state, m) {
    uint.preencode(state, m.id)
    relays.preencode(state, m.relays)
  },
  encode(state, m) {
    uint.encode(state, m.id)
    relays.encode(state, m.relays)
  },
  decode(state) {
    return { id: uint.decode(state), relays: relays.decode(state) }
  }
}

/** `udxInfo` sub-structure codec. Unknown feature bits are ignored (they are capabilities). */
export const udxInfo: Codec<UdxInfo> = {
  name: 'udxInfo',
  preencode(state, m) {
    uint.preencode(state, m.version)
    state.end++ // features
    uint.preencode(state, m.id)
    uint.preencode(state, m.seq)
  },
  encode(state, m) {
    uint.encode(state, m.version)
    uint.encode(state, m.reusableSocket ? 1 : 0)
    uint.encode(state, m.id)
    uint.encode(state, m.seq)
  },
  decode(state) {
    const version = uint.decode(state)
    const features = uint.decode(state)
    return {
      version,
      reusableSocket: (features & 1) !== 0,
      id: uint.decode(state),
      seq: uint.decode(state)
    }
  }
}

/** `secretStreamInfo` sub-structure codec. */
export const secretStreamInfo: Codec<SecretStreamInfo> = {
  name: 'secretStreamInfo',
  preencode(state, m) {
    uint.preencode(state, m.version)
  },
  encode(state, m) {
    uint.encode(state, m.version)
  },
  decode(state) {
    return { version: uint.decode(state) }
  }
}

/** `relayThroughInfo` sub-structure codec. Its flags field is written 0 and ignored. */
export const relayThroughInfo: Codec<RelayThroughInfo<Uint8Array>, RelayThroughInfo> = {
  name: 'relayThroughInfo',
  preencode(state, m) {
    uint.preencode(state, m.version)
    state.end++ // flags
    fixed32.preencode(state, m.publicKey)
    fixed32.preencode(state, m.token)
  },
  encode(state, m) {
    uint.encode(state, m.version)
    uint.encode(state, 0)
    fixed32.encode(state, m.publicKey)
    fixed32.encode(state, m.token)
  },
  decode(state) {
    const version = uint.decode(state)
    uint.decode(state) // flags: reserved
    return { version, publicKey: fixed32.decode(state), token: fixed32.decode(state) }
  }
}

const addresses4 = ipv4AddressArray(MAX_ADDRESSES, 'addresses4')
const addresses6 = array(ipv6Address, MAX_ADDRESSES, 18, 'addresses6')
const relayAddresses = ipv4AddressArray(MAX_ADDRESSES, 'relayAddresses')

const FLAGS = {
  HOLEPUNCH: 1,
  ADDRESSES4: 2,
  ADDRESSES6: 4,
  UDX: 8,
  SECRET_STREAM: 16,
  RELAY_THROUGH: 32,
  RELAY_ADDRESSES: 64
} as const
const KNOWN_FLAGS = 0x7f

function flagsOf(m: NoisePayload<Uint8Array>): number {
  return (
    (m.holepunch ? FLAGS.HOLEPUNCH : 0) |
    (m.addresses4 && m.addresses4.length > 0 ? FLAGS.ADDRESSES4 : 0) |
    (m.addresses6 && m.addresses6.length > 0 ? FLAGS.ADDRESSES6 : 0) |
    (m.udx ? FLAGS.UDX : 0) |
    (m.secretStream ? FLAGS.SECRET_STREAM : 0) |
    (m.relayThrough ? FLAGS.RELAY_THROUGH : 0) |
    (m.relayAddresses ? FLAGS.RELAY_ADDRESSES : 0)
  )
}

/**
 * Noise payload codec (§4.3.3). Extensible: a payload with a version other than 1 stops after
 * the version, so the receiver can answer VERSION_MISMATCH.
 */
export const noisePayload: Codec<NoisePayload<Uint8Array>, NoisePayload> = {
  name: 'noisePayload',
  extensible: true,
  preencode(state, m) {
    uint.preencode(state, m.version)
    if (m.version !== NOISE_PAYLOAD_VERSION) return
    const flags = flagsOf(m)
    state.end++ // flags: seven bits
    uint.preencode(state, m.error)
    uint.preencode(state, m.firewall)
    if (flags & FLAGS.HOLEPUNCH) holepunchInfo.preencode(state, m.holepunch as HolepunchInfo)
    if (flags & FLAGS.ADDRESSES4) addresses4.preencode(state, m.addresses4)
    if (flags & FLAGS.ADDRESSES6) addresses6.preencode(state, m.addresses6)
    if (flags & FLAGS.UDX) udxInfo.preencode(state, m.udx as UdxInfo)
    if (flags & FLAGS.SECRET_STREAM) secretStreamInfo.preencode(state, m.secretStream!)
    if (flags & FLAGS.RELAY_THROUGH) relayThroughInfo.preencode(state, m.relayThrough!)
    if (flags & FLAGS.RELAY_ADDRESSES) relayAddresses.preencode(state, m.relayAddresses!)
  },
  encode(state, m) {
    uint.encode(state, m.version)
    if (m.version !== NOISE_PAYLOAD_VERSION) return
    const flags = flagsOf(m)
    uint.encode(state, flags)
    uint.encode(state, m.error)
    uint.encode(state, m.firewall)
    if (flags & FLAGS.HOLEPUNCH) holepunchInfo.encode(state, m.holepunch as HolepunchInfo)
    if (flags & FLAGS.ADDRESSES4) addresses4.encode(state, m.addresses4)
    if (flags & FLAGS.ADDRESSES6) addresses6.encode(state, m.addresses6)
    if (flags & FLAGS.UDX) udxInfo.encode(state, m.udx as UdxInfo)
    if (flags & FLAGS.SECRET_STREAM) secretStreamInfo.encode(state, m.secretStream!)
    if (flags & FLAGS.RELAY_THROUGH) relayThroughInfo.encode(state, m.relayThrough!)
    if (flags & FLAGS.RELAY_ADDRESSES) relayAddresses.encode(state, m.relayAddresses!)
  },
  decode(state) {
    const version = uint.decode(state)
    if (version !== NOISE_PAYLOAD_VERSION) {
      state.start = state.end // the rest is in a format we do not know
      return {
        version,
        error: 0,
        firewall: 0,
        holepunch: null,
        addresses4: [],
        addresses6: [],
        udx: null,
        secretStream: null,
        relayThrough: null,
        relayAddresses: null
      }
    }
    const flags = readFlags(state, KNOWN_FLAGS, 'noisePayload')
    return {
      version,
      error: uint.decode(state),
      firewall: uint.decode(state),
      holepunch: flags & FLAGS.HOLEPUNCH ? holepunchInfo.decode(state) : null,
      addresses4: flags & FLAGS.ADDRESSES4 ? addresses4.decode(state) : [],
      addresses6: flags & FLAGS.ADDRESSES6 ? addresses6.decode(state) : [],
      udx: flags & FLAGS.UDX ? udxInfo.decode(state) : null,
      secretStream: flags & FLAGS.SECRET_STREAM ? secretStreamInfo.decode(state) : null,
      relayThrough: flags & FLAGS.RELAY_THROUGH ? relayThroughInfo.decode(state) : null,
      relayAddresses: flags & FLAGS.RELAY_ADDRESSES ? relayAddresses.decode(state) : null
    }
  }
}
