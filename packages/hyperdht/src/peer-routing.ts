// Node-side PEER_HANDSHAKE / PEER_HOLEPUNCH handling: answer for local servers, forward for others (§4.10).

import type { HostPort, Request } from '@keymesh/dht-rpc'
import { MODES, encode, handshake, holepunch, tryDecode } from '@keymesh/wire'
import type { Router } from './router.js'

// a hop back to the client is a response: no token, no closer nodes
const FINAL_HOP = { token: false, closerNodes: false } as const

/**
 * Handle a PEER_HANDSHAKE request. Local servers answer through their hook; other nodes relay
 * message 1 to the server that announced through them, or (with nothing to relay to) reply
 * with closer nodes so the client routes on. Anything malformed is dropped silently, as
 * hyperdht does: a stranger cannot make this node send more than one datagram per request.
 */
export async function onPeerHandshake(router: Router, req: Request): Promise<void> {
  const hs = req.value === null ? null : tryDecode(handshake, req.value)
  if (hs === null) return
  const { mode, noise, peerAddress, relayAddress } = hs
  const entry = req.target === null ? null : router.get(req.target)
  const relay = entry === null ? null : entry.relay

  if (entry !== null && entry.onpeerhandshake !== undefined) {
    const answerable =
      mode === MODES.FROM_CLIENT ||
      mode === MODES.FROM_RELAY ||
      (mode === MODES.FROM_SECOND_RELAY && relayAddress !== null)
    if (!answerable) return
    let reply
    try {
      reply = await entry.onpeerhandshake({ noise, peerAddress }, req)
    } catch {
      return // a throwing hook must not take the node down
    }
    if (reply === null || reply.noise.byteLength === 0) return
    const opts = reply.socket === null ? FINAL_HOP : { ...FINAL_HOP, socket: reply.socket }
    if (mode === MODES.FROM_CLIENT) {
      req.reply(
        encode(handshake, {
          mode: MODES.REPLY,
          noise: reply.noise,
          peerAddress: null,
          relayAddress: null
        }),
        opts
      )
      return
    }
    const value = encode(handshake, {
      mode: MODES.FROM_SERVER,
      noise: reply.noise,
      peerAddress,
      relayAddress: null
    })
    const to = mode === MODES.FROM_RELAY ? fromOf(req) : relayAddress
    if (to !== null) req.relay(value, to, reply.socket === null ? {} : { socket: reply.socket })
    return
  }

  switch (mode) {
    case MODES.FROM_CLIENT: {
      if (noise.byteLength === 0) return
      const next = relayAddress ?? relay
      if (next === null) {
        req.reply(null, { token: false, closerNodes: true })
        return
      }
      const from = fromOf(req)
      if (from === null) return
      req.relay(
        encode(handshake, { mode: MODES.FROM_RELAY, noise, peerAddress: from, relayAddress: null }),
        next
      )
      return
    }
    case MODES.FROM_RELAY: {
      if (relay === null || noise.byteLength === 0) return
      const from = fromOf(req)
      if (from === null) return
      req.relay(
        encode(handshake, {
          mode: MODES.FROM_SECOND_RELAY,
          noise,
          peerAddress,
          relayAddress: from
        }),
        relay
      )
      return
    }
    case MODES.FROM_SERVER: {
      const from = fromOf(req)
      if (peerAddress === null || noise.byteLength === 0 || from === null) return
      req.reply(
        encode(handshake, { mode: MODES.REPLY, noise, peerAddress: from, relayAddress: null }),
        { ...FINAL_HOP, to: peerAddress }
      )
      return
    }
  }
}

/**
 * Handle a PEER_HOLEPUNCH request: forward a client's message towards the server, let a local
 * server answer a relayed one, and turn a server's answer into the response to the client.
 */
export async function onPeerHolepunch(router: Router, req: Request): Promise<void> {
  const hp = req.value === null ? null : tryDecode(holepunch, req.value)
  if (hp === null) return
  const { mode, id, payload, peerAddress } = hp
  const entry = req.target === null ? null : router.get(req.target)
  const from = fromOf(req)
  if (from === null) return

  switch (mode) {
    case MODES.FROM_CLIENT: {
      const next = peerAddress ?? (entry === null ? null : entry.relay)
      if (next === null) return
      req.relay(encode(holepunch, { mode: MODES.FROM_RELAY, id, payload, peerAddress: from }), next)
      return
    }
    case MODES.FROM_RELAY: {
      if (entry === null || entry.onpeerholepunch === undefined || peerAddress === null) return
      let reply
      try {
        reply = await entry.onpeerholepunch({ id, payload, peerAddress }, req)
      } catch {
        return
      }
      if (reply === null) return
      const value = encode(holepunch, {
        mode: MODES.FROM_SERVER,
        id: 0,
        payload: reply.payload,
        peerAddress
      })
      req.relay(value, from, reply.socket === null ? {} : { socket: reply.socket })
      return
    }
    case MODES.FROM_SERVER: {
      if (peerAddress === null) return
      req.reply(encode(holepunch, { mode: MODES.REPLY, id, payload, peerAddress: from }), {
        ...FINAL_HOP,
        to: peerAddress
      })
      return
    }
  }
}

function fromOf(req: Request): HostPort | null {
  return req.from === null ? null : { host: req.from.host, port: req.from.port }
}
