// BlindRelaySession: the relay's side of one peer connection, as blind-relay 1.6.1's session.

import { EventEmitter } from 'node:events'
import { BLIND_RELAY_PROTOCOL, pair, unpair, type Pair, type Unpair } from '@keymesh/wire'
import { RelayLink, RelayPairing, slotOf, type LinkOwner } from './blind-relay-link.js'
import type { BlindRelayStats } from './blind-relay-stats.js'
import { HolepunchError } from './errors.js'
import type { FramedStream } from './framed-stream.js'
import { Protomux } from './protomux.js'
import type { ProtomuxChannel, ProtomuxMessageType } from './protomux-channel.js'
import type { RelayPath, RelayStream, RelayStreamOptions } from './relay-stream.js'

/** Options of `server.accept()`. */
export interface BlindRelaySessionOptions {
  /** Channel id: hyperdht relays use the peer's public key. @default null */
  id?: Uint8Array | null | undefined
  /**
   * keymesh extra: where the peer's packets arrive (its connection's socket and address, as the
   * relay sees them). Its relay streams then connect at pairing time instead of at the peer's
   * first packet. @default unknown: connect at the first packet, as blind-relay does
   */
  path?: (() => RelayPath | null) | undefined
}

/** Event name → listener arguments of `BlindRelaySession`. */
export interface BlindRelaySessionEvents {
  /** The peer opened the blind-relay channel too. */
  open: []
  /** The channel closed: pending pairings are cancelled, this side's streams destroyed. */
  close: []
  /** The channel is gone for good (right after `close`). */
  destroy: []
  /** A pairing of this peer matched: `stream` relays for it, to the peer's `remoteId`. */
  pair: [isInitiator: boolean, token: Buffer, stream: RelayStream, remoteId: number]
  /**
   * A relay stream failed, the relay could not make its streams, or the peer sent a bad frame
   * (then `close` follows). Emitted only if listened to.
   */
  error: [err: Error]
}

/** @internal What a session needs from its server (BlindRelayServer implements it). */
export interface SessionHost {
  readonly stats: BlindRelayStats
  readonly maxPairingsPerSession: number
  _createStream(opts: RelayStreamOptions): RelayStream
  _pending(key: string): RelayPairing | undefined
  /** Record a new pending token; false when the relay-wide cap is reached. */
  _addPending(pairing: RelayPairing): boolean
  _removePending(key: string): void
  _trackLink(key: string): void
  _untrackLink(key: string): void
  _sessionClosed(session: BlindRelaySession): void
}

/**
 * One peer's blind-relay channel at the relay. Pairs its `pair` requests with other peers' (or
 * its own) by token, and owns the relay streams made for its side.
 */
export class BlindRelaySession extends EventEmitter<BlindRelaySessionEvents> implements LinkOwner {
  /** The mux the channel lives on. */
  readonly mux: Protomux
  private readonly host: SessionHost
  private readonly channel: ProtomuxChannel
  private readonly pairMessage: ProtomuxMessageType<Pair<Uint8Array>>
  /** Slots (token + role) waiting for their other role. */
  private readonly pairing = new Set<string>()
  /** Slots whose relay stream is up. */
  private readonly links = new Map<string, RelayLink>()
  private ending: Promise<void> | null = null
  private readonly path: (() => RelayPath | null) | null
  private isDestroyed = false
  private reason: Error | null = null

  /**
   * @internal made by `BlindRelayServer.accept`
   * @throws HolepunchError `CHANNEL_DESTROYED` if the stream is destroyed, `DUPLICATE_CHANNEL` if
   *   its mux already has an open blind-relay channel with this id
   */
  constructor(host: SessionHost, stream: FramedStream, opts: BlindRelaySessionOptions = {}) {
    super()
    this.host = host
    this.path = opts.path ?? null
    this.mux = Protomux.from(stream)
    const channel = this.mux.createChannel({
      protocol: BLIND_RELAY_PROTOCOL,
      id: opts.id ?? null,
      onopen: () => {
        this.host.stats.sessions.opened++
        this.emit('open')
      },
      onclose: () => this.onclose(),
      ondestroy: () => {
        this.isDestroyed = true
        this.emit('destroy')
      }
    })
    if (channel === null) {
      if (this.mux.destroyed || stream.destroyed) throw HolepunchError.CHANNEL_DESTROYED()
      throw HolepunchError.DUPLICATE_CHANNEL()
    }
    this.channel = channel
    this.pairMessage = channel.addMessage({ encoding: pair, onmessage: (m) => this.onpair(m) })
    channel.addMessage({ encoding: unpair, onmessage: (m) => this.onunpair(m) })
    channel.open()
  }

  /** The stream the channel runs over. */
  get stream(): FramedStream {
    return this.mux.stream
  }

  /** True once the channel closed. */
  get closed(): boolean {
    return this.channel.closed
  }

  /** True once `destroy()` ran or the channel is gone. */
  get destroyed(): boolean {
    return this.isDestroyed
  }

  /** Batch the messages sent until `uncork()`. */
  cork(): void {
    this.channel.cork()
  }

  /** Send what was batched since `cork()`. */
  uncork(): void {
    this.channel.uncork()
  }

  /** Close the channel once no pairing of this peer is pending; resolves on `close`. */
  end(): Promise<void> {
    if (this.ending !== null) return this.ending
    this.ending = new Promise((resolve) => this.once('close', resolve))
    this.endMaybe()
    return this.ending
  }

  /** Close the channel now (its streams are destroyed with `err`, default `CHANNEL_DESTROYED`). */
  destroy(err?: Error): void {
    if (this.isDestroyed) return
    this.isDestroyed = true
    this.reason = err ?? HolepunchError.CHANNEL_DESTROYED()
    this.channel.close()
  }

  /** @internal Withdraw every pending role of this peer (server close). */
  _cancelPending(): void {
    this.host.stats.pairings.cancelled += this.pairing.size
    for (const slot of this.pairing) this.dropPendingRole(slot)
    this.pairing.clear()
  }

  /** @internal */
  _path(): RelayPath | null {
    return this.path === null ? null : this.path()
  }

  _linkActive(link: RelayLink): void {
    this.pairing.delete(link.slot)
    this.links.set(link.slot, link)
    this.host._trackLink(link.key)
    this.host.stats.streams.opened++
  }

  /** @internal */
  _linkPaired(link: RelayLink): void {
    const stream = link.stream
    if (stream === null) return
    this.pairMessage.send({
      isInitiator: link.isInitiator,
      token: link.token,
      id: stream.id,
      seq: 0
    })
    this.endMaybe()
    this.emit('pair', link.isInitiator, link.token, stream, link.remoteId)
  }

  /** @internal */
  _linkAbandoned(link: RelayLink): void {
    this.pairing.delete(link.slot)
    this.endMaybe()
  }

  /** @internal */
  _linkError(err: Error): void {
    this.host.stats.streams.errors++
    this.emitError(err)
  }

  /** @internal */
  _linkGone(link: RelayLink): void {
    if (this.links.get(link.slot) === link) this.links.delete(link.slot)
    this.host._untrackLink(link.key)
    this.host.stats.streams.closed++
  }

  private onpair(m: Pair): void {
    const key = hex(m.token)
    const slot = slotOf(key, m.isInitiator)
    const role = m.isInitiator ? 1 : 0
    if (this.pairing.has(slot) || this.links.has(slot)) return // a repeat: ignored
    let pairing = this.host._pending(key)
    if (pairing !== undefined && pairing.links[role] !== null) return // role taken: ignored
    const stats = this.host.stats
    if (this.pairing.size + this.links.size >= this.host.maxPairingsPerSession) {
      stats.pairings.rejected++
      return
    }
    if (pairing === undefined) {
      pairing = new RelayPairing(Buffer.from(m.token), key)
      if (!this.host._addPending(pairing)) {
        stats.pairings.rejected++
        return
      }
    }
    pairing.links[role] = new RelayLink(this, pairing.token, key, m.isInitiator, m.id)
    this.pairing.add(slot)
    stats.pairings.requested++
    if (pairing.paired) this.match(pairing)
  }

  private match(pairing: RelayPairing): void {
    const [responder, initiator] = pairing.links
    if (responder === null || initiator === null) return
    const stats = this.host.stats
    this.host._removePending(pairing.key)
    stats.pairings.matched++
    try {
      // the non-initiator's stream first, as blind-relay does
      responder.createStream((opts) => this.host._createStream(opts))
      initiator.createStream((opts) => this.host._createStream(opts))
    } catch (err) {
      stats.pairings.cancelled += 2
      responder.abandon()
      initiator.abandon()
      this.emitError(err instanceof Error ? err : new Error(String(err)))
      return
    }
    responder.remote = initiator
    initiator.remote = responder
    responder.activate()
    initiator.activate()
    responder.owner._linkPaired(responder)
    initiator.owner._linkPaired(initiator)
  }

  private onunpair(m: Unpair): void {
    const key = hex(m.token)
    const stats = this.host.stats
    const pairing = this.host._pending(key)
    if (pairing !== undefined) {
      this.host._removePending(key)
      stats.pairings.cancelled++
      for (const link of pairing.links) if (link !== null) link.owner._linkAbandoned(link)
      return
    }
    let found = false
    for (const slot of [slotOf(key, false), slotOf(key, true)]) {
      const link = this.links.get(slot)
      if (link === undefined) continue
      found = true
      link.destroyPair(HolepunchError.PAIRING_CANCELLED())
    }
    if (found) stats.pairings.cancelled++
  }

  /** Remove our role from its pending token; the token goes once neither role is left. */
  private dropPendingRole(slot: string): void {
    const isInitiator = slot.endsWith('/i')
    const key = slot.slice(0, -2)
    const pairing = this.host._pending(key)
    if (pairing === undefined) return
    const role = isInitiator ? 1 : 0
    if (pairing.links[role]?.owner === this) pairing.links[role] = null
    if (pairing.links[0] === null && pairing.links[1] === null) this.host._removePending(key)
  }

  private endMaybe(): void {
    if (this.ending !== null && this.pairing.size === 0) this.channel.close()
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }

  private onclose(): void {
    this.ending = Promise.resolve()
    const err = this.reason ?? this.mux.error ?? HolepunchError.CHANNEL_CLOSED()
    this._cancelPending()
    for (const link of [...this.links.values()]) link.destroy(err)
    this.links.clear()
    this.host._sessionClosed(this)
    if (this.reason === null && this.mux.error !== null) this.emitError(this.mux.error)
    this.emit('close')
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
