// punchFromClient: the client's probe and punch rounds over PEER_HOLEPUNCH (§7.4), after the handshake.

import type { HostPort } from '@keymesh/dht-rpc'
import { FIREWALL, PAYLOAD_ERRORS } from '@keymesh/wire'
import type { HolepunchPayload, RelayInfo } from '@keymesh/wire'
import b4a from 'b4a'
import type { HandshakeState, PunchingClient } from './connect-host.js'
import { HyperDHTError } from './errors.js'
import { sameAddress } from './same-address.js'
import { peerHolepunch } from './peer-requests.js'

interface RoundReply {
  tryLater: boolean
  peerAddress: HostPort
  from: HostPort
  to: HostPort
  payload: HolepunchPayload
}

const TRY_LATER_MIN = 10000
const TRY_LATER_JITTER = 10000

/**
 * Holepunch to the server: a probe round through the server's chosen relay to learn both NAT
 * classes, then a punch round through our own relay, then the puncher's strategy. Failures
 * destroy the stream with hyperdht's codes; success arrives through `c.onpunched`.
 */
export async function punchFromClient(c: PunchingClient, state: HandshakeState): Promise<void> {
  const { payload, relayAddress } = state
  let serverAddress = state.serverAddress
  const holepunch = payload.holepunch
  if (holepunch === null) return

  const puncher = c.dht._createHolepuncher(true, payload.firewall, c.session)
  c.puncher = puncher
  puncher.onconnect = (socket, port, host) => c.onpunched(socket, port, host)
  puncher.onabort = () => {
    c.session.destroy()
    c.maybeDestroy(new HyperDHTError('HOLEPUNCH_ABORTED'))
  }

  const serverRelay = pickServerRelay(holepunch.relays, relayAddress)

  let probe: { token: Buffer | null; peerAddress: HostPort } | null
  try {
    probe = await probeRound(c, c.opts.fastOpen === false ? null : serverAddress, serverRelay, true)
  } catch (err) {
    destroyPuncher(c)
    c.maybeDestroy(err)
    return
  }
  if (c.isDone() || probe === null) return

  // the server may have re-rolled its socket; through the same relay its new mapping is usable
  if (
    sameAddress(serverRelay.relayAddress, relayAddress) &&
    !sameAddress(serverAddress, probe.peerAddress)
  ) {
    serverAddress = probe.peerAddress
    await puncher.openSession(serverAddress)
    if (c.isDone()) return
  }

  const veto = c.opts.holepunch
  if (
    veto !== undefined &&
    !veto(
      puncher.remoteFirewall,
      puncher.nat.firewall,
      puncher.remoteAddresses,
      puncher.nat.addresses
    )
  ) {
    await abort(c, serverRelay, new HyperDHTError('HOLEPUNCH_ABORTED', 'Client aborted holepunch'))
    return
  }

  try {
    await roundPunch(c, serverAddress, probe.token, relayAddress, serverRelay, false)
  } catch (err) {
    destroyPuncher(c)
    c.maybeDestroy(err)
  }
}

async function updateHolepunch(
  c: PunchingClient,
  peerAddress: HostPort,
  relayAddr: HostPort,
  local: HolepunchPayload<Uint8Array>
): Promise<RoundReply | null> {
  const puncher = c.puncher
  const state = c.handshakeState
  if (
    puncher === null ||
    state === null ||
    state.payload.holepunch === null ||
    c.payload === null
  ) {
    return null
  }
  const res = await peerHolepunch(
    c.dht,
    c.target,
    { id: state.payload.holepunch.id, payload: c.payload.encrypt(local), peerAddress },
    relayAddr,
    { socket: puncher.socket, session: c.session }
  )
  if (c.isDone()) return null

  const remote = c.payload.decrypt(res.payload)
  if (remote === null) throw new HyperDHTError('HOLEPUNCH_INVALID')

  if (remote.error === PAYLOAD_ERRORS.TRY_LATER && c.relayToken !== null && local.punching) {
    return { tryLater: true, ...res, payload: remote }
  }
  if (remote.error !== PAYLOAD_ERRORS.NONE) {
    throw new HyperDHTError('REMOTE_ABORTED', `Remote aborted with error code ${remote.error}`)
  }
  const echoed =
    remote.remoteToken !== null &&
    local.token !== null &&
    b4a.equals(remote.remoteToken, local.token)
  puncher.updateRemote({
    punching: remote.punching,
    firewall: remote.firewall,
    addresses: remote.addresses,
    verified: echoed ? peerAddress.host : null
  })
  return { tryLater: false, ...res, payload: remote }
}

async function probeRound(
  c: PunchingClient,
  serverAddress: HostPort | null,
  serverRelay: RelayInfo,
  retry: boolean
): Promise<{ token: Buffer | null; peerAddress: HostPort } | null> {
  const puncher = c.puncher
  if (puncher === null) return null
  // a low-TTL packet opens our NAT towards the server without reaching its NAT
  if (serverAddress !== null) await puncher.openSession(serverAddress)
  if (c.isDone()) return null

  const reply = await updateHolepunch(c, serverRelay.peerAddress, serverRelay.relayAddress, {
    error: PAYLOAD_ERRORS.NONE,
    firewall: puncher.nat.firewall,
    round: c.round++,
    connected: false,
    punching: false,
    addresses: puncher.nat.addresses,
    remoteAddress: serverAddress,
    token: null,
    remoteToken: null
  })
  if (c.isDone() || reply === null) return null
  puncher.nat.add(reply.to, reply.from)
  const token = reply.payload.token

  // a server that does not know its class yet gets a moment to find out
  if (puncher.remoteFirewall === FIREWALL.UNKNOWN) {
    await c.sleeper.pause(1000)
    if (c.isDone()) return null
  }

  let stable = await puncher.analyze(false)
  if (c.isDone()) return null
  if (!stable) {
    stable = await puncher.analyze(true)
    if (c.isDone()) return null
    if (stable) return probeRound(c, serverAddress, serverRelay, false)
  }

  if ((puncher.remoteFirewall === FIREWALL.UNKNOWN || token === null) && retry) {
    return probeRound(c, serverAddress, serverRelay, false)
  }
  if (puncher.remoteFirewall === FIREWALL.UNKNOWN || puncher.nat.firewall === FIREWALL.UNKNOWN) {
    await abort(c, serverRelay, new HyperDHTError('HOLEPUNCH_PROBE_TIMEOUT'))
    return null
  }
  if (puncher.remoteFirewall >= FIREWALL.RANDOM && puncher.nat.firewall >= FIREWALL.RANDOM) {
    await abort(c, serverRelay, new HyperDHTError('HOLEPUNCH_DOUBLE_RANDOMIZED_NATS'))
    return null
  }
  return { token, peerAddress: reply.peerAddress }
}

async function roundPunch(
  c: PunchingClient,
  serverAddress: HostPort,
  remoteToken: Buffer | null,
  clientRelay: HostPort,
  serverRelay: RelayInfo,
  delayed: boolean
): Promise<void> {
  const puncher = c.puncher
  if (puncher === null || c.payload === null) return
  // what we tell the server now is final; later samples must not change it
  puncher.nat.freeze()

  const limiter = c.dht._punchLimiter
  const isRandom =
    puncher.remoteFirewall >= FIREWALL.RANDOM || puncher.nat.firewall >= FIREWALL.RANDOM
  if (isRandom) {
    while (limiter.throttled()) {
      if (c.relayToken === null) throw new HyperDHTError('HOLEPUNCH_ABORTED')
      if (!delayed) {
        delayed = true
        await updateHolepunch(c, serverAddress, clientRelay, {
          error: PAYLOAD_ERRORS.NONE,
          firewall: puncher.nat.firewall,
          round: c.round++,
          connected: false,
          punching: false,
          addresses: puncher.nat.addresses,
          remoteAddress: null,
          token: c.payload.token(serverAddress),
          remoteToken
        })
        if (c.isDone()) return
      }
      await tryLater(c)
      if (c.isDone()) return
    }
  }

  // count the punch now so a concurrent attempt sees the limiter busy
  if (isRandom) limiter.punches++
  let reply: RoundReply | null
  try {
    reply = await updateHolepunch(
      c,
      delayed ? serverRelay.peerAddress : serverAddress,
      delayed ? serverRelay.relayAddress : clientRelay,
      {
        error: PAYLOAD_ERRORS.NONE,
        firewall: puncher.nat.firewall,
        round: c.round++,
        connected: false,
        punching: true,
        addresses: puncher.nat.addresses,
        remoteAddress: null,
        token: delayed ? null : c.payload.token(serverAddress),
        remoteToken
      }
    )
  } finally {
    if (isRandom) limiter.punches--
  }
  if (c.isDone() || reply === null) return

  if (reply.tryLater) {
    await tryLater(c)
    if (c.isDone()) return
    await roundPunch(c, serverAddress, remoteToken, clientRelay, serverRelay, true)
    return
  }
  if (!puncher.remoteHolepunching) throw new HyperDHTError('REMOTE_NOT_HOLEPUNCHING')
  if (!(await puncher.punch())) throw new HyperDHTError('REMOTE_NOT_HOLEPUNCHABLE')
}

async function tryLater(c: PunchingClient): Promise<void> {
  if (c.relayToken === null) throw new HyperDHTError('HOLEPUNCH_ABORTED')
  await c.sleeper.pause(TRY_LATER_MIN + Math.round(Math.random() * TRY_LATER_JITTER))
}

async function abort(c: PunchingClient, relay: RelayInfo, err: HyperDHTError): Promise<void> {
  try {
    await updateHolepunch(c, relay.peerAddress, relay.relayAddress, {
      error: PAYLOAD_ERRORS.ABORTED,
      firewall: FIREWALL.UNKNOWN,
      round: c.round++,
      connected: false,
      punching: false,
      addresses: null,
      remoteAddress: null,
      token: null,
      remoteToken: null
    })
  } catch {
    // the abort is a courtesy to the server; ours stands regardless
  }
  // keymesh: the specific reason wins; hyperdht lets the puncher's generic HOLEPUNCH_ABORTED
  // destroy the stream first, so its DOUBLE_RANDOMIZED_NATS / PROBE_TIMEOUT never surface
  if (c.puncher !== null) c.puncher.onabort = noop
  destroyPuncher(c)
  c.maybeDestroy(err)
}

function destroyPuncher(c: PunchingClient): void {
  if (c.puncher !== null) c.puncher.destroy()
  c.session.destroy()
}

function pickServerRelay(relays: RelayInfo[], clientRelay: HostPort): RelayInfo {
  return relays.find((r) => sameAddress(r.relayAddress, clientRelay)) ?? (relays[0] as RelayInfo)
}

function noop(): void {}
