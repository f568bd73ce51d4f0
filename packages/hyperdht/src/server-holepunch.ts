// answerHolepunch: a server's answer to one relayed PEER_HOLEPUNCH for a handshake slot (§7.4, §7.6).

import type { HostPort, Request } from '@keymesh/dht-rpc'
import type { Holepuncher } from '@keymesh/holepunch'
import { FIREWALL, PAYLOAD_ERRORS } from '@keymesh/wire'
import b4a from 'b4a'
import type UDX from 'udx-native'
import type { HolepunchVeto } from './holepunch-veto.js'
import type { PeerHolepunchReply } from './router.js'
import type { ServerSlot } from './server-slot.js'

/** What answering needs from the server and its node. */
export interface HolepunchAnswerContext {
  /** The node's main socket: aborts are answered from it, as the puncher may be gone. */
  readonly socket: UDX.Socket | null
  /** The node's random-punch throttle. */
  readonly limiter: { throttled(): boolean }
  /** Whether `addr` is one of the server's announce relays (only those get address tokens). */
  isRelay(addr: HostPort): boolean
  /** The server's `holepunch` veto. */
  readonly holepunch: HolepunchVeto
}

/**
 * Process the client's holepunch message for `slot` and return the sealed reply, or null to stay
 * silent (undecryptable, or the puncher went away meanwhile). Adopts the client's NAT view when
 * the round is current, waits for our own NAT analysis, fires a fast ping when the client opened
 * a session to one of our addresses, and starts punching when the client is punching.
 */
export async function answerHolepunch(
  ctx: HolepunchAnswerContext,
  slot: ServerSlot,
  msg: { payload: Uint8Array; peerAddress: HostPort },
  req: Request
): Promise<PeerHolepunchReply | null> {
  if (slot.payload === null) return abortHolepunch(ctx, slot) // not punching for this one
  const remote = slot.payload.decrypt(msg.payload)
  if (remote === null) return null
  const p = slot.puncher
  if (p === null) return abortHolepunch(ctx, slot)

  const { peerAddress } = msg
  const isServerRelay = req.from !== null && ctx.isRelay(req.from)
  const { error, firewall, round, punching, addresses, remoteAddress, remoteToken } = remote

  if (error !== PAYLOAD_ERRORS.NONE) {
    if (round >= slot.round) slot.round = round
    return abortHolepunch(ctx, slot)
  }

  // the client proves it saw our token for its address only through one of our own relays
  const token = slot.payload.token(peerAddress)
  const echoed = isServerRelay && remoteToken !== null && b4a.equals(token, remoteToken)

  // a message that reached the puncher's own socket is one more NAT sample of it
  if (req.socket === p.socket && req.from !== null) p.nat.add(req.to, req.from)

  if (round >= slot.round) {
    slot.round = round
    p.updateRemote({ punching, firewall, addresses, verified: echoed ? peerAddress.host : null })
  }

  let stable = await p.analyze(false)
  if (p.destroyed) return null
  if (!p.remoteHolepunching && !stable) {
    stable = await p.analyze(true)
    if (p.destroyed) return null
    if (!stable) return abortHolepunch(ctx, slot)
  }

  // fast open: the client already sent towards one of our addresses, so a ping back may connect
  if (
    isConsistent(p.nat.firewall) &&
    remoteAddress !== null &&
    hasAddress(p.nat.addresses, remoteAddress)
  ) {
    await p.ping(peerAddress)
    if (p.destroyed) return null
  }

  if (p.remoteHolepunching) {
    if (!ctx.holepunch(p.remoteFirewall, p.nat.firewall, p.remoteAddresses, p.nat.addresses)) {
      return p.destroyed ? null : abortHolepunch(ctx, slot)
    }
    slot.clearPrepunching()
    if (
      (p.remoteFirewall >= FIREWALL.RANDOM || p.nat.firewall >= FIREWALL.RANDOM) &&
      ctx.limiter.throttled()
    ) {
      // only a relayed connection can afford to come back later; otherwise give up now
      if (slot.relayToken === null) return abortHolepunch(ctx, slot, PAYLOAD_ERRORS.TRY_LATER)
      return seal(slot, p, PAYLOAD_ERRORS.TRY_LATER, isServerRelay ? token : null, remote.token)
    }
    const started = await p.punch()
    if (p.destroyed) return null
    if (!started) return abortHolepunch(ctx, slot)
  }

  // what we tell the client is final: later samples must not change our story mid-punch
  if (p.nat.firewall !== FIREWALL.UNKNOWN) p.nat.freeze()
  return seal(slot, p, PAYLOAD_ERRORS.NONE, isServerRelay ? token : null, remote.token)
}

/**
 * Stop punching for `slot` and tell the client (`error`, ABORTED by default), from the node's
 * main socket. Silent when the slot never got a payload key.
 */
export function abortHolepunch(
  ctx: HolepunchAnswerContext,
  slot: ServerSlot,
  error: number = PAYLOAD_ERRORS.ABORTED
): PeerHolepunchReply | null {
  if (slot.payload === null) {
    if (slot.puncher !== null) slot.puncher.destroy()
    return null
  }
  const payload = slot.payload.encrypt({
    error,
    firewall: FIREWALL.UNKNOWN,
    round: slot.round,
    connected: false,
    punching: false,
    addresses: null,
    remoteAddress: null,
    token: null,
    remoteToken: null
  })
  if (slot.puncher !== null) slot.puncher.destroy()
  return { socket: ctx.socket, payload }
}

function seal(
  slot: ServerSlot,
  p: Holepuncher,
  error: number,
  token: Buffer | null,
  remoteToken: Uint8Array | null
): PeerHolepunchReply {
  const payload = (slot.payload as NonNullable<ServerSlot['payload']>).encrypt({
    error,
    firewall: p.nat.firewall,
    round: slot.round,
    connected: p.connected,
    punching: p.punching,
    addresses: p.nat.addresses,
    remoteAddress: null,
    token,
    remoteToken
  })
  return { socket: p.socket, payload }
}

function isConsistent(firewall: number): boolean {
  return firewall === FIREWALL.OPEN || firewall === FIREWALL.CONSISTENT
}

function hasAddress(addrs: readonly HostPort[] | null, addr: HostPort): boolean {
  return addrs !== null && addrs.some((a) => a.host === addr.host && a.port === addr.port)
}
