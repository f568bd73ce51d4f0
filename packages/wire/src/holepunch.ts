// The holepunch payload and its encrypted envelope (docs/wire-protocol.md §4.3.4, §7.3).

import { ipv4Address, ipv4AddressArray, type PeerAddress } from './address.js'
import type { Codec } from './codec.js'
import { MAX_ADDRESSES, MAX_DATAGRAM_BYTES } from './constants.js'
import { WireError } from './errors.js'
import { bytesOf, fixed, fixed32, need, raw, readFlags, uint } from './primitives.js'

/** Plaintext of a PEER_HOLEPUNCH payload (§4.3.4). */
export interface HolepunchPayload<B extends Uint8Array = Buffer> {
  /** `PAYLOAD_ERRORS` number. */
  error: number
  /** `FIREWALL` class of the sender. */
  firewall: number
  round: number
  connected: boolean
  punching: boolean
  addresses: PeerAddress[] | null
  remoteAddress: PeerAddress | null
  token: B | null
  remoteToken: B | null
}

const FLAGS = {
  CONNECTED: 1,
  PUNCHING: 2,
  ADDRESSES: 4,
  REMOTE_ADDRESS: 8,
  TOKEN: 16,
  REMOTE_TOKEN: 32
} as const
const KNOWN_FLAGS = 0x3f
const addresses = ipv4AddressArray(MAX_ADDRESSES, 'addresses')

/** Holepunch payload codec (§4.3.4). */
export const holepunchPayload: Codec<HolepunchPayload<Uint8Array>, HolepunchPayload> = {
  name: 'holepunchPayload',
  preencode(state, m) {
    state.end++ // flags: six bits
    uint.preencode(state, m.error)
    uint.preencode(state, m.firewall)
    uint.preencode(state, m.round)
    if (m.addresses) addresses.preencode(state, m.addresses)
    if (m.remoteAddress) ipv4Address.preencode(state, m.remoteAddress)
    if (m.token) fixed32.preencode(state, m.token)
    if (m.remoteToken) fixed32.preencode(state, m.remoteToken)
  },
  encode(state, m) {
    uint.encode(
      state,
      (m.connected ? FLAGS.CONNECTED : 0) |
        (m.punching ? FLAGS.PUNCHING : 0) |
        (m.addresses ? FLAGS.ADDRESSES : 0) |
        (m.remoteAddress ? FLAGS.REMOTE_ADDRESS : 0) |
        (m.token ? FLAGS.TOKEN : 0) |
        (m.remoteToken ? FLAGS.REMOTE_TOKEN : 0)
    )
    uint.encode(state, m.error)
    uint.encode(state, m.firewall)
    uint.encode(state, m.round)
    if (m.addresses) addresses.encode(state, m.addresses)
    if (m.remoteAddress) ipv4Address.encode(state, m.remoteAddress)
    if (m.token) fixed32.encode(state, m.token)
    if (m.remoteToken) fixed32.encode(state, m.remoteToken)
  },
  decode(state) {
    const flags = readFlags(state, KNOWN_FLAGS, 'holepunchPayload')
    return {
      error: uint.decode(state),
      firewall: uint.decode(state),
      round: uint.decode(state),
      connected: (flags & FLAGS.CONNECTED) !== 0,
      punching: (flags & FLAGS.PUNCHING) !== 0,
      addresses: flags & FLAGS.ADDRESSES ? addresses.decode(state) : null,
      remoteAddress: flags & FLAGS.REMOTE_ADDRESS ? ipv4Address.decode(state) : null,
      token: flags & FLAGS.TOKEN ? fixed32.decode(state) : null,
      remoteToken: flags & FLAGS.REMOTE_TOKEN ? fixed32.decode(state) : null
    }
  }
}

/** Bytes of the secretbox nonce that prefixes an encrypted holepunch payload (§7.3). */
export const SECRETBOX_NONCE_BYTES = 24
/** Bytes of the Poly1305 MAC inside a secretbox (§7.3). */
export const SECRETBOX_MAC_BYTES = 16

/** An encrypted holepunch payload split into its parts (§7.3). */
export interface SealedPayload<B extends Uint8Array = Buffer> {
  nonce: B
  /** `crypto_secretbox_easy` output: MAC then ciphertext. */
  box: B
}

const nonce24 = fixed(SECRETBOX_NONCE_BYTES, 'nonce')

/** `nonce (24) || secretbox` envelope of a holepunch payload (§7.3). No length prefix. */
export const sealedPayload: Codec<SealedPayload<Uint8Array>, SealedPayload> = {
  name: 'sealedPayload',
  preencode(state, m) {
    nonce24.preencode(state, m.nonce)
    if (m.box.byteLength < SECRETBOX_MAC_BYTES) {
      throw WireError.encode('sealedPayload', 'box shorter than its MAC')
    }
    raw.preencode(state, m.box)
  },
  encode(state, m) {
    nonce24.encode(state, m.nonce)
    raw.encode(state, m.box)
  },
  decode(state) {
    need(state, SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES, 'sealedPayload')
    if (state.end - state.start > MAX_DATAGRAM_BYTES) {
      throw WireError.decode('OVERSIZED', 'sealedPayload', state.start, 'larger than a datagram')
    }
    const b = bytesOf(state)
    const nonce = b.subarray(state.start, state.start + SECRETBOX_NONCE_BYTES)
    const box = b.subarray(state.start + SECRETBOX_NONCE_BYTES, state.end)
    state.start = state.end
    return { nonce, box }
  }
}
