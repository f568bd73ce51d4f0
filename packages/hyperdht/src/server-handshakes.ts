// ServerHandshakes: a server's handshake slots, from message 1 to a connected stream (§6.2, §7).

import type { HostPort, Request } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import { SecurePayload, isPrivate, matchAddress, relayToken } from '@keymesh/holepunch'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import { FIREWALL, PAYLOAD_ERRORS } from '@keymesh/wire'
import type { NoisePayload, PeerAddress, RelayInfo } from '@keymesh/wire'
import b4a from 'b4a'
import type { HolepunchVeto } from './holepunch-veto.js'
import { CONNECTION_REFUSED_ERROR } from './errors.js'
import type { ServerHost } from './server-host.js'
import type { HandshakeResult, PeerHandshake } from './noise-wrap.js'
import type { PeerHandshakeReply, PeerHolepunchReply } from './router.js'
import { safetyCatch } from './safety-catch.js'
import { answerHolepunch } from './server-holepunch.js'
import type { HolepunchAnswerContext } from './server-holepunch.js'
import { RelayLink, changeToDirect, chooseRelay } from './relay-link.js'
import { selectRelay } from './select-relay.js'
import type { RelayThrough } from './select-relay.js'
import type { CreateServerSecretStream, ServerFirewall } from './server-options.js'
import { ServerSlot } from './server-slot.js'

/** How long the server waits for a client to connect or start punching. */
const HANDSHAKE_INITIAL_TIMEOUT_MS = 10_000

/** The server's options, resolved to their defaults. */
export interface HandshakeSettings {
  firewall: ServerFirewall
  holepunch: HolepunchVeto
  /** `holepunch: false`: never punch, clients must reach us. */
  neverPunch: boolean
  relayThrough: RelayThrough
  relayKeepAlive: number
  shareLocalAddress: boolean
  reusableSocket: boolean
  handshakeClearWait: number
  createHandshake: (keyPair: KeyPair, remotePublicKey: Uint8Array | null) => PeerHandshake
  createSecretStream: CreateServerSecretStream
  rejectSilently: boolean
}

/** What the handshake slots need from their server. */
export interface HandshakeHost {
  /** The listening key pair (null when not listening). */
  readonly keyPair: KeyPair | null
  /** Closing or suspended: answer nothing more. */
  readonly stopping: boolean
  /** Closing: streams that close need no clean-up of their own. */
  readonly closing: boolean
  /** The announcer's relays and relay addresses (handed to clients). */
  readonly relays: RelayInfo[]
  readonly relayAddresses: PeerAddress[]
  /** Whether `addr` relays our announce. */
  isRelay(addr: HostPort): boolean
  /** Our validated LAN addresses. */
  localAddresses(): Promise<HostPort[]>
  /** A client connected. */
  onconnection(socket: NoiseSecretStream): void
}

/**
 * The handshake side of a server: one slot per distinct message 1 (its index is the holepunch id
 * the client echoes), the firewall, the reply payload, and the choice of path: connect at once
 * (client reachable or came directly), wait for a LAN connection, wait for the client (we are
 * reachable, or never punch), or holepunch from a fresh socket. Slots are freed
 * `handshakeClearWait` after they finish.
 */
export class ServerHandshakes {
  private readonly dht: ServerHost
  private readonly host: HandshakeHost
  private readonly opts: HandshakeSettings
  // message 1 (hex) -> its slot: copies arriving through other relays get the same reply
  private readonly connects = new Map<string, Promise<ServerSlot | null>>()
  // index = holepunch id sent to the client; null = free
  private readonly slots: (ServerSlot | null)[] = []
  private readonly holepunchContext: HolepunchAnswerContext

  /**
   * @param dht - the server's node
   * @param host - the server
   * @param opts - the server's resolved options
   */
  constructor(dht: ServerHost, host: HandshakeHost, opts: HandshakeSettings) {
    this.dht = dht
    this.host = host
    this.opts = opts
    this.holepunchContext = {
      get socket() {
        return dht.socket
      },
      limiter: dht._punchLimiter,
      isRelay: (addr) => host.isRelay(addr),
      holepunch: opts.holepunch
    }
    this.onpeerhandshake = this.onpeerhandshake.bind(this)
    this.onpeerholepunch = this.onpeerholepunch.bind(this)
  }

  /** Drop every slot: stop punching, destroy unconnected streams, cancel timers. */
  clearAll(): void {
    while (this.slots.length > 0) {
      const slot = this.slots.pop()
      if (slot) slot.destroy()
    }
    this.connects.clear()
  }

  /** Router hook: message 1 arrived (directly, or relayed with the client's address). */
  async onpeerhandshake(
    { noise, peerAddress }: { noise: Buffer; peerAddress: HostPort | null },
    req: Request
  ): Promise<PeerHandshakeReply | null> {
    const clientAddress = peerAddress ?? req.from
    if (clientAddress === null) return null
    const key = b4a.toString(noise, 'hex')
    // lookup and insert in the same tick: a flood of copies must not start a handshake each
    let pending = this.connects.get(key)
    if (pending === undefined) {
      pending = this.addHandshake(key, noise, clientAddress, req, peerAddress === null).catch(
        (err: unknown) => {
          safetyCatch(err)
          return null
        }
      )
      this.connects.set(key, pending)
    }
    const slot = await pending
    if (slot === null || slot.reply === null || this.host.stopping) return null
    // a routed reply from the puncher's socket makes the relay report that socket's mapping
    const socket = slot.replyFromPuncher && slot.puncher !== null ? slot.puncher.socket : null
    return { socket, noise: slot.reply }
  }

  /** Router hook: a client's relayed PEER_HOLEPUNCH for slot `id`. */
  async onpeerholepunch(
    { id, payload, peerAddress }: { id: number; payload: Buffer; peerAddress: HostPort },
    req: Request
  ): Promise<PeerHolepunchReply | null> {
    const slot = this.slots[id] ?? null
    if (slot === null || this.host.stopping) return null
    return answerHolepunch(this.holepunchContext, slot, { payload, peerAddress }, req)
  }

  private allocateSlot(slot: ServerSlot): number {
    let id = this.slots.indexOf(null)
    if (id === -1) id = this.slots.push(null) - 1
    this.slots[id] = slot
    return id
  }

  private async addHandshake(
    key: string,
    noise: Buffer,
    clientAddress: HostPort,
    req: Request,
    direct: boolean
  ): Promise<ServerSlot | null> {
    const keyPair = this.host.keyPair
    if (keyPair === null) return null
    const slot = new ServerSlot()
    const id = this.allocateSlot(slot)
    const clearLater = (): void => this.clearLater(slot, id, key)
    const handshake = this.opts.createHandshake(keyPair, null)

    let remotePayload: NoisePayload
    try {
      remotePayload = await handshake.recv(noise)
    } catch {
      clearLater() // garbage or not for us: stay silent
      return null
    }
    if (this.host.stopping) return null

    const remotePublicKey = b4a.from(handshake.remotePublicKey as Uint8Array) as Buffer
    try {
      slot.firewalled = await this.opts.firewall(remotePublicKey, remotePayload, clientAddress)
    } catch (err) {
      safetyCatch(err) // a throwing firewall refuses (firewalled stays true)
    }
    if (this.host.stopping) return null
    if (slot.firewalled) {
      clearLater()
      return this.refuse(slot, handshake)
    }

    const error =
      remotePayload.version !== 1
        ? PAYLOAD_ERRORS.VERSION_MISMATCH
        : remotePayload.udx === null
          ? PAYLOAD_ERRORS.ABORTED
          : PAYLOAD_ERRORS.NONE

    const ourRemoteAddr = this.dht.remoteAddress()
    const ourLocalAddrs = this.opts.shareLocalAddress ? await this.host.localAddresses() : null
    if (this.host.stopping) return null
    const addresses: HostPort[] = []
    if (ourRemoteAddr !== null) addresses.push(ourRemoteAddr)
    if (ourLocalAddrs !== null) addresses.push(...ourLocalAddrs)

    const remoteUdx = remotePayload.udx
    if (error === PAYLOAD_ERRORS.NONE && remoteUdx !== null) {
      this.openRawStream(slot, clearLater, remotePublicKey, remoteUdx)
    }

    const relayThrough = selectRelay(this.opts.relayThrough)
    if (relayThrough !== null) slot.relayToken = relayToken()
    const ourToken = slot.relayToken
    const relays = this.host.relays
    const relayAddresses = this.host.relayAddresses

    try {
      slot.reply = await handshake.send({
        version: 1,
        error,
        firewall: ourRemoteAddr !== null ? FIREWALL.OPEN : FIREWALL.UNKNOWN,
        holepunch: ourRemoteAddr !== null ? null : { id, relays },
        addresses4: addresses,
        addresses6: [],
        udx: {
          version: 1,
          reusableSocket: this.opts.reusableSocket,
          id: slot.rawStream !== null ? slot.rawStream.id : 0,
          seq: 0
        },
        secretStream: { version: 1 },
        relayThrough:
          relayThrough === null || ourToken === null
            ? null
            : { version: 1, publicKey: relayThrough, token: ourToken },
        relayAddresses: relayAddresses.length > 0 ? relayAddresses : null
      })
    } catch {
      if (slot.rawStream !== null) slot.rawStream.destroy()
      clearLater()
      return null
    }

    if (this.host.stopping) {
      if (slot.rawStream !== null) slot.rawStream.destroy()
      return null
    }

    slot.result = handshake.final()

    if (error !== PAYLOAD_ERRORS.NONE || remoteUdx === null) {
      // the reply tells the client why; there is nothing to connect
      if (slot.rawStream !== null) slot.rawStream.destroy()
      clearLater()
      return slot
    }

    const onsocket = slot.onsocket as NonNullable<ServerSlot['onsocket']>

    if (remotePayload.firewall === FIREWALL.OPEN || direct) {
      // the client is reachable where its handshake came from: connect at once
      const socket = direct ? req.socket : this.dht.socket
      if (socket === null) return slot
      this.dht.stats.punches.open++
      onsocket(socket, clientAddress.port, clientAddress.host)
      return slot
    }

    if (relayThrough !== null || remotePayload.relayThrough !== null) {
      this.relayConnection(slot, relayThrough, remotePayload)
    }

    const onabort = (): void => this.onSlotAbort(slot, clearLater)
    const serverAddress = req.to

    if (!direct && clientAddress.host === serverAddress.host) {
      // same public IP: the client may be on our LAN; give it time to reach us there
      const clientAddresses = remotePayload.addresses4.filter((a) => isPrivate(a.host))
      if (clientAddresses.length > 0 && this.opts.shareLocalAddress) {
        const mine = await this.host.localAddresses()
        if (this.host.stopping) return null
        if (matchAddress(mine, clientAddresses) !== null) {
          slot.payload = new SecurePayload(slot.result.holepunchSecret)
          this.setupHolepuncher(slot, remotePayload.firewall, onabort)
          slot.prepunching = unrefTimer(onabort, HANDSHAKE_INITIAL_TIMEOUT_MS)
          return slot
        }
      }
    }

    if (this.host.stopping) return null

    if (ourRemoteAddr !== null || this.opts.neverPunch) {
      // reachable (or not punching at all): the client has to come to us
      slot.prepunching = unrefTimer(onabort, HANDSHAKE_INITIAL_TIMEOUT_MS)
      return slot
    }

    slot.payload = new SecurePayload(slot.result.holepunchSecret)
    const puncher = this.setupHolepuncher(slot, remotePayload.firewall, onabort)
    slot.replyFromPuncher = true
    slot.prepunching = unrefTimer(() => puncher.destroy(), HANDSHAKE_INITIAL_TIMEOUT_MS)
    return slot
  }

  // keymesh: a refused client gets a completed handshake saying so (decision 0005), unless the
  // server opted into hyperdht's silence; the payload reveals nothing about how to reach us
  private async refuse(slot: ServerSlot, handshake: PeerHandshake): Promise<ServerSlot | null> {
    if (this.opts.rejectSilently) return null
    try {
      slot.reply = await handshake.send({
        version: 1,
        error: CONNECTION_REFUSED_ERROR,
        firewall: FIREWALL.UNKNOWN,
        holepunch: null,
        addresses4: [],
        addresses6: [],
        udx: null,
        secretStream: null,
        relayThrough: null,
        relayAddresses: null
      })
    } catch {
      return null
    }
    return this.host.stopping ? null : slot
  }

  private openRawStream(
    slot: ServerSlot,
    clearLater: () => void,
    remotePublicKey: Buffer,
    remoteUdx: NonNullable<NoisePayload['udx']>
  ): void {
    const rawStream = this.dht.createRawStream({
      framed: true,
      // the first UDX packet for this stream, from any socket, tells us where the client is
      firewall: (socket, port, host) => {
        // before our reply nobody can know the stream id: drop such a packet
        if (!(port > 0 && port < 65536) || slot.result === null) return true
        // relayed traffic before the stream is connected to the relay is not the direct path
        if (slot.relay !== null && slot.relay.viaRelay(socket, port, host)) return false
        if (slot.onsocket !== null) slot.onsocket(socket, port, host)
        return false
      }
    })
    slot.rawStream = rawStream

    const onerror = (): void => {
      if (slot.puncher !== null) slot.puncher.destroy()
    }
    // a stream that closes without ever connecting still frees its slot
    const onclose = (): void => {
      if (!this.host.closing) clearLater()
    }
    rawStream.on('error', onerror)
    rawStream.on('close', onclose)

    slot.onsocket = (socket, port, host) => {
      if (slot.rawStream === null) return // connected already
      clearLater()
      slot.clearPrepunching()
      if (this.opts.reusableSocket && remoteUdx.reusableSocket) {
        this.dht._socketPool.routes.add(remotePublicKey, rawStream)
      }
      rawStream.removeListener('error', onerror)
      rawStream.removeListener('close', onclose)
      if (rawStream.connected) {
        // relayed so far: move to the direct path, drop the relay once traffic arrives there
        changeToDirect(rawStream, slot.relay, socket, remoteUdx.id, port, host)
      } else {
        rawStream.connect(socket, remoteUdx.id, port, host)
        slot.encryptedSocket = this.opts.createSecretStream(false, rawStream, {
          handshake: slot.result as HandshakeResult,
          keepAlive: this.dht.connectionKeepAlive
        })
        this.host.onconnection(slot.encryptedSocket)
      }
      if (slot.puncher !== null) {
        slot.puncher.onabort = noop
        slot.puncher.destroy()
      }
      slot.rawStream = null
    }
  }

  // the client never came (or punching failed): give up on the slot's stream
  private onSlotAbort(slot: ServerSlot, clearLater: () => void): void {
    slot.aborted = true
    slot.clearPrepunching()
    if (slot.puncher !== null) {
      slot.puncher.onabort = noop
      slot.puncher.destroy()
    }
    const rawStream = slot.rawStream
    if (rawStream === null || rawStream.destroyed) {
      clearLater()
      return
    }
    rawStream.on('close', clearLater)
    if (slot.relayToken === null) rawStream.destroy()
  }

  private setupHolepuncher(
    slot: ServerSlot,
    remoteFirewall: number,
    onabort: () => void
  ): NonNullable<ServerSlot['puncher']> {
    if (slot.puncher !== null) return slot.puncher
    const puncher = this.dht._createHolepuncher(false, remoteFirewall)
    puncher.onconnect = slot.onsocket ?? noop
    puncher.onabort = onabort
    slot.puncher = puncher
    return puncher
  }

  /**
   * Pair the slot's raw stream through a blind relay (§9): ours as initiator, else the client's
   * as responder. Once paired the stream connects to the relay and the connection is emitted;
   * holepunching goes on and may move it to the direct path later. While pairing,
   * `slot.relayToken` keeps the stream alive through punch aborts and TRY_LATER.
   */
  private relayConnection(
    slot: ServerSlot,
    relayThrough: Buffer | null,
    remotePayload: NoisePayload
  ): void {
    const ours =
      relayThrough !== null && slot.relayToken !== null
        ? { publicKey: relayThrough, token: slot.relayToken }
        : null
    const chosen = chooseRelay(ours, remotePayload.relayThrough, true)
    const rawStream = slot.rawStream
    if (chosen === null || rawStream === null) return
    slot.relayToken = chosen.token
    slot.relay = new RelayLink(this.dht, {
      ...chosen,
      keepAlive: this.opts.relayKeepAlive,
      rawStream,
      claim: () => (slot.result === null ? null : slot.rawStream),
      onrelayed: (raw) => {
        slot.clearPrepunching()
        slot.encryptedSocket = this.opts.createSecretStream(false, raw, {
          handshake: slot.result as HandshakeResult,
          keepAlive: this.dht.connectionKeepAlive
        })
        this.host.onconnection(slot.encryptedSocket)
      },
      onabort: () => {
        if (slot.aborted && slot.rawStream !== null) slot.rawStream.destroy()
      }
    })
  }

  private clearLater(slot: ServerSlot, id: number, key: string): void {
    if (slot.clearing !== null) return
    slot.clearing = unrefTimer(() => this.clear(slot, id, key), this.opts.handshakeClearWait)
  }

  private clear(slot: ServerSlot, id: number, key: string): void {
    if (this.slots[id] !== slot) return
    slot.clearTimers()
    this.slots[id] = null
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === null) this.slots.pop()
    this.connects.delete(key)
  }
}

function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(fn, ms)
  timer.unref() // bookkeeping only; clearAll() cancels it anyway
  return timer
}

const noop = (): void => {}
