// dht-rpc request and response datagrams and internal command values (docs/wire-protocol.md §2-§3).

import { ipv4Address, ipv4AddressArray, type PeerAddress } from './address.js'
import type { Codec, State } from './codec.js'
import {
  K,
  MAX_DATAGRAM_BYTES,
  REQUEST_FLAGS,
  RESPONSE_FLAGS,
  RPC_REQUEST_TYPE,
  RPC_RESPONSE_TYPE
} from './constants.js'
import { WireError } from './errors.js'
import { buffer, bytesOf, fixed32, need, uint, uint16, uint32 } from './primitives.js'

/** A decoded dht-rpc request datagram (§3.1). */
export interface RpcRequest<B extends Uint8Array = Buffer> {
  /** 16-bit transaction id. */
  tid: number
  /** The address the sender sent this datagram to. */
  to: PeerAddress
  /** Sender's node id (only from persistent nodes; the receiver must validate it). */
  id: B | null
  /** Round-trip token echoed back to the receiver. */
  token: B | null
  /** True for dht-rpc internal commands (§3.4), false for application commands (§4.1). */
  internal: boolean
  command: number
  target: B | null
  value: B | null
}

/** A decoded dht-rpc response datagram (§3.1). */
export interface RpcResponse<B extends Uint8Array = Buffer> {
  tid: number
  /** The requester's address as the responder saw it (NAT sampling). */
  to: PeerAddress
  id: B | null
  /** A fresh token for the requester. */
  token: B | null
  /** Up to k nodes near the request's target; null when absent (an empty list is not sent). */
  closerNodes: PeerAddress[] | null
  /** Wire error number (`WIRE_ERRORS`); 0 when absent. */
  error: number
  value: B | null
}

/**
 * Flags of a datagram envelope. Unlike inner messages, unknown bits here are ignored, as dht-rpc
 * ignores them: the envelope is how new optional fields would reach old nodes, and dropping such
 * datagrams would cut keymesh off from a newer network (docs/decisions/0001).
 */
const ENVELOPE_FLAGS = 0x1f
const closerNodesCodec = ipv4AddressArray(K, 'closerNodes')
const valueCodec = buffer(MAX_DATAGRAM_BYTES, 'value')

function readType(state: State, expected: number, name: string): void {
  need(state, 1, name)
  const type = bytesOf(state)[state.start] as number
  if (type !== expected) {
    throw WireError.decode('INVALID_VALUE', name, state.start, `type byte 0x${type.toString(16)}`)
  }
  state.start++
}

/** A whole dht-rpc request datagram, type byte included. Trailing bytes are ignored (§3.1). */
export const rpcRequest: Codec<RpcRequest<Uint8Array>, RpcRequest> = {
  name: 'rpcRequest',
  extensible: true,
  preencode(state, m) {
    state.end += 1 + 1 // type byte, flags (one byte: every defined bit is below 0x80)
    uint16.preencode(state, m.tid)
    ipv4Address.preencode(state, m.to)
    if (m.id) fixed32.preencode(state, m.id)
    if (m.token) fixed32.preencode(state, m.token)
    uint.preencode(state, m.command)
    if (m.target) fixed32.preencode(state, m.target)
    if (m.value) valueCodec.preencode(state, m.value)
  },
  encode(state, m) {
    const b = bytesOf(state)
    b[state.start++] = RPC_REQUEST_TYPE
    b[state.start++] =
      (m.id ? REQUEST_FLAGS.ID : 0) |
      (m.token ? REQUEST_FLAGS.TOKEN : 0) |
      (m.internal ? REQUEST_FLAGS.INTERNAL : 0) |
      (m.target ? REQUEST_FLAGS.TARGET : 0) |
      (m.value ? REQUEST_FLAGS.VALUE : 0)
    uint16.encode(state, m.tid)
    ipv4Address.encode(state, m.to)
    if (m.id) fixed32.encode(state, m.id)
    if (m.token) fixed32.encode(state, m.token)
    uint.encode(state, m.command)
    if (m.target) fixed32.encode(state, m.target)
    if (m.value) valueCodec.encode(state, m.value)
  },
  decode(state) {
    readType(state, RPC_REQUEST_TYPE, 'rpcRequest')
    const flags = uint.decode(state) & ENVELOPE_FLAGS
    const tid = uint16.decode(state)
    const to = ipv4Address.decode(state)
    const id = flags & REQUEST_FLAGS.ID ? fixed32.decode(state) : null
    const token = flags & REQUEST_FLAGS.TOKEN ? fixed32.decode(state) : null
    const command = uint.decode(state)
    const target = flags & REQUEST_FLAGS.TARGET ? fixed32.decode(state) : null
    const value = flags & REQUEST_FLAGS.VALUE ? valueCodec.decode(state) : null
    return {
      tid,
      to,
      id,
      token,
      internal: (flags & REQUEST_FLAGS.INTERNAL) !== 0,
      command,
      target,
      value
    }
  }
}

/** A whole dht-rpc response datagram, type byte included. Trailing bytes are ignored (§3.1). */
export const rpcResponse: Codec<RpcResponse<Uint8Array>, RpcResponse> = {
  name: 'rpcResponse',
  extensible: true,
  preencode(state, m) {
    state.end += 1 + 1 // type byte, flags
    uint16.preencode(state, m.tid)
    ipv4Address.preencode(state, m.to)
    if (m.id) fixed32.preencode(state, m.id)
    if (m.token) fixed32.preencode(state, m.token)
    if (m.closerNodes && m.closerNodes.length > 0) closerNodesCodec.preencode(state, m.closerNodes)
    if (m.error > 0) uint.preencode(state, m.error)
    if (m.value) valueCodec.preencode(state, m.value)
  },
  encode(state, m) {
    const b = bytesOf(state)
    const hasNodes = m.closerNodes !== null && m.closerNodes.length > 0
    b[state.start++] = RPC_RESPONSE_TYPE
    b[state.start++] =
      (m.id ? RESPONSE_FLAGS.ID : 0) |
      (m.token ? RESPONSE_FLAGS.TOKEN : 0) |
      (hasNodes ? RESPONSE_FLAGS.CLOSER_NODES : 0) |
      (m.error > 0 ? RESPONSE_FLAGS.ERROR : 0) |
      (m.value ? RESPONSE_FLAGS.VALUE : 0)
    uint16.encode(state, m.tid)
    ipv4Address.encode(state, m.to)
    if (m.id) fixed32.encode(state, m.id)
    if (m.token) fixed32.encode(state, m.token)
    if (hasNodes) closerNodesCodec.encode(state, m.closerNodes as PeerAddress[])
    if (m.error > 0) uint.encode(state, m.error)
    if (m.value) valueCodec.encode(state, m.value)
  },
  decode(state) {
    readType(state, RPC_RESPONSE_TYPE, 'rpcResponse')
    const flags = uint.decode(state) & ENVELOPE_FLAGS
    const tid = uint16.decode(state)
    const to = ipv4Address.decode(state)
    const id = flags & RESPONSE_FLAGS.ID ? fixed32.decode(state) : null
    const token = flags & RESPONSE_FLAGS.TOKEN ? fixed32.decode(state) : null
    const closerNodes = flags & RESPONSE_FLAGS.CLOSER_NODES ? closerNodesCodec.decode(state) : null
    const error = flags & RESPONSE_FLAGS.ERROR ? uint.decode(state) : 0
    const value = flags & RESPONSE_FLAGS.VALUE ? valueCodec.decode(state) : null
    return { tid, to, id, token, closerNodes, error, value }
  }
}

/** What a datagram on a keymesh UDP socket is, judged by its first bytes (§2). */
export type DatagramKind = 'holepunch' | 'request' | 'response' | 'udx' | 'unknown'

/** Classify a received datagram without decoding it (§2). */
export function classifyDatagram(datagram: Uint8Array): DatagramKind {
  if (datagram.byteLength === 1) return 'holepunch'
  if (datagram.byteLength < 2) return 'unknown'
  const first = datagram[0]
  if (first === RPC_REQUEST_TYPE) return 'request'
  if (first === RPC_RESPONSE_TYPE) return 'response'
  if (first === 0xff && datagram[1] === 0x01 && datagram.byteLength >= 20) return 'udx'
  return 'unknown'
}

/** PING_NAT request value: the sender's server-socket port; extra bytes are ignored (§3.4). */
export const pingNatValue: Codec<number> = { ...uint16, name: 'pingNatValue', extensible: true }

/** DOWN_HINT request value: the address of a node believed down; extra bytes ignored (§3.4). */
export const downHintValue: Codec<PeerAddress> = {
  ...ipv4Address,
  name: 'downHintValue',
  extensible: true
}

/** DELAYED_PING request value: uint32 delay in milliseconds; extra bytes ignored (§3.4). */
export const delayedPingValue: Codec<number> = {
  ...uint32,
  name: 'delayedPingValue',
  extensible: true
}
