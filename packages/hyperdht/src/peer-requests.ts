// Client-side PEER_HANDSHAKE / PEER_HOLEPUNCH requests and the checks on their replies (§4.10).

import type { HostPort, Session } from '@keymesh/dht-rpc'
import { COMMANDS, MODES, encode, handshake, holepunch, tryDecode } from '@keymesh/wire'
import type UDX from 'udx-native'
import { HyperDHTError } from './errors.js'
import { sameAddress } from './same-address.js'
import type { ConnectHost } from './connect-host.js'

/** Where and how to send a routing request. */
export interface PeerRequestOptions {
  /** Send from this socket (a puncher's) instead of the DHT's. */
  socket?: UDX.Socket | null
  session?: Session | null
}

/** The server's answer to message 1. */
export interface PeerHandshakeResult {
  noise: Buffer
  /** True when the handshake went through a relay node rather than to the server itself. */
  relayed: boolean
  /** The server as the relay saw it, or the node we asked when it was the server. */
  serverAddress: HostPort
  /** Our address as the answering node saw it. */
  clientAddress: HostPort
}

/** The server's answer to a PEER_HOLEPUNCH. */
export interface PeerHolepunchResult {
  from: HostPort
  to: HostPort
  payload: Buffer
  peerAddress: HostPort
}

/** Send Noise message 1 to `to` (FROM_CLIENT); resolves with the reply or rejects (timeouts, BAD_HANDSHAKE_REPLY). */
export async function peerHandshake(
  dht: Pick<ConnectHost, 'request'>,
  target: Uint8Array,
  msg: { noise: Uint8Array; peerAddress?: HostPort | null; relayAddress?: HostPort | null },
  to: HostPort,
  opts: PeerRequestOptions = {}
): Promise<PeerHandshakeResult> {
  const value = encode(handshake, {
    mode: MODES.FROM_CLIENT,
    noise: msg.noise,
    peerAddress: msg.peerAddress ?? null,
    relayAddress: msg.relayAddress ?? null
  })
  const res = await requestOf(dht, opts).request(
    { command: COMMANDS.PEER_HANDSHAKE, target, value },
    to,
    socketOpt(opts)
  )
  const hs = res.value === null ? null : tryDecode(handshake, res.value)
  // only the node we asked may answer, and only with a REPLY that carries message 2
  if (
    hs === null ||
    hs.mode !== MODES.REPLY ||
    !sameAddress(to, res.from) ||
    hs.noise.byteLength === 0
  ) {
    throw new HyperDHTError('BAD_HANDSHAKE_REPLY')
  }
  return {
    noise: hs.noise,
    relayed: hs.peerAddress !== null,
    serverAddress: hs.peerAddress ?? { host: to.host, port: to.port },
    clientAddress: { host: res.to.host, port: res.to.port }
  }
}

/** Send a sealed holepunch payload for slot `id` through `to` (FROM_CLIENT). */
export async function peerHolepunch(
  dht: Pick<ConnectHost, 'request'>,
  target: Uint8Array,
  msg: { id: number; payload: Uint8Array; peerAddress: HostPort | null },
  to: HostPort,
  opts: PeerRequestOptions = {}
): Promise<PeerHolepunchResult> {
  const value = encode(holepunch, {
    mode: MODES.FROM_CLIENT,
    id: msg.id,
    payload: msg.payload,
    peerAddress: msg.peerAddress
  })
  const res = await requestOf(dht, opts).request(
    { command: COMMANDS.PEER_HOLEPUNCH, target, value },
    to,
    socketOpt(opts)
  )
  const hp = res.value === null ? null : tryDecode(holepunch, res.value)
  if (hp === null || hp.mode !== MODES.REPLY || !sameAddress(to, res.from)) {
    throw new HyperDHTError('BAD_HOLEPUNCH_REPLY')
  }
  return {
    from: { host: res.from.host, port: res.from.port },
    to: { host: res.to.host, port: res.to.port },
    payload: hp.payload,
    peerAddress: hp.peerAddress ?? { host: to.host, port: to.port }
  }
}

function requestOf(
  dht: Pick<ConnectHost, 'request'>,
  opts: PeerRequestOptions
): Pick<Session, 'request'> {
  return opts.session ?? dht
}

function socketOpt(opts: PeerRequestOptions): { socket?: UDX.Socket } {
  return opts.socket ? { socket: opts.socket } : {}
}
