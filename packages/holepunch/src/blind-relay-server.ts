// BlindRelayServer: the relay side of blind-relay 1.6.1 — pairs peers by token, relays UDX (§9).

import { EventEmitter } from 'node:events'
import type { RelayPairing } from './blind-relay-link.js'
import {
  BlindRelaySession,
  type BlindRelaySessionOptions,
  type SessionHost
} from './blind-relay-session.js'
import { createBlindRelayStats, type BlindRelayStats } from './blind-relay-stats.js'
import { HolepunchError } from './errors.js'
import type { FramedStream } from './framed-stream.js'
import type { RelayStream, RelayStreamOptions } from './relay-stream.js'

/** Options of `new BlindRelayServer()`. */
export interface BlindRelayServerOptions {
  /**
   * Make a raw UDX stream with the given firewall hook (hyperdht: `dht.createRawStream`). The
   * relay connects it when its first packet arrives.
   */
  createStream(opts: RelayStreamOptions): RelayStream
  /** Pending plus relayed pairings one session may hold; more `pair`s are ignored. @default 64 */
  maxPairingsPerSession?: number | undefined
  /** Pending plus relayed tokens the whole relay may hold. @default 4096 */
  maxPairings?: number | undefined
}

/** Defaults of `BlindRelayServerOptions`. */
export const BLIND_RELAY_SERVER_DEFAULTS = Object.freeze({
  maxPairingsPerSession: 64,
  maxPairings: 4096
})

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) {
    throw HolepunchError.INVALID_ARGUMENT(`${name} must be a positive integer`)
  }
  return value
}

/**
 * A blind relay: `accept()` each peer connection; peers that `pair` with the same token in both
 * roles get one relay stream each, relaying to each other, and learn its id.
 */
export class BlindRelayServer extends EventEmitter implements SessionHost {
  /** Session, pairing and stream counters. */
  readonly stats: BlindRelayStats = createBlindRelayStats()
  /** Cap per session (pending plus relayed pairings). */
  readonly maxPairingsPerSession: number
  /** Cap for the relay (pending plus relayed tokens). */
  readonly maxPairings: number
  private readonly createStream: (opts: RelayStreamOptions) => RelayStream
  private readonly pendingPairings = new Map<string, RelayPairing>()
  private readonly activeRefs = new Map<string, number>()
  private readonly live = new Set<BlindRelaySession>()

  /** @throws HolepunchError `INVALID_ARGUMENT` for a cap that is not a positive integer */
  constructor(opts: BlindRelayServerOptions) {
    super()
    this.createStream = opts.createStream
    this.maxPairingsPerSession = positiveInteger(
      opts.maxPairingsPerSession,
      BLIND_RELAY_SERVER_DEFAULTS.maxPairingsPerSession,
      'maxPairingsPerSession'
    )
    this.maxPairings = positiveInteger(
      opts.maxPairings,
      BLIND_RELAY_SERVER_DEFAULTS.maxPairings,
      'maxPairings'
    )
  }

  /** Sessions whose channel has not closed yet. */
  get sessions(): IterableIterator<BlindRelaySession> {
    return this.live.values()
  }

  /**
   * Serve the blind-relay protocol on a peer connection.
   * @throws HolepunchError `CHANNEL_DESTROYED` if the stream is destroyed, `DUPLICATE_CHANNEL` if
   *   it already carries a blind-relay channel with this id
   */
  accept(stream: FramedStream, opts?: BlindRelaySessionOptions): BlindRelaySession {
    const session = new BlindRelaySession(this, stream, opts)
    this.live.add(session)
    this.stats.sessions.accepted++
    return session
  }

  /**
   * Cancel every pending pairing, then end every session (which destroys their relay streams).
   * Resolves once every session closed. The streams themselves stay open (they are the owner's).
   */
  async close(): Promise<void> {
    const ending: Promise<void>[] = []
    for (const session of [...this.live]) {
      session._cancelPending()
      ending.push(session.end())
    }
    await Promise.all(ending)
    this.pendingPairings.clear()
  }

  /** @internal */
  _createStream(opts: RelayStreamOptions): RelayStream {
    return this.createStream(opts)
  }

  /** @internal */
  _pending(key: string): RelayPairing | undefined {
    return this.pendingPairings.get(key)
  }

  /** @internal */
  _addPending(pairing: RelayPairing): boolean {
    if (this.pendingPairings.size + this.activeRefs.size >= this.maxPairings) return false
    this.pendingPairings.set(pairing.key, pairing)
    this.stats.pairings.pending++
    return true
  }

  /** @internal */
  _removePending(key: string): void {
    if (this.pendingPairings.delete(key)) this.stats.pairings.pending--
  }

  /** @internal */
  _trackLink(key: string): void {
    const refs = this.activeRefs.get(key) ?? 0
    if (refs === 0) this.stats.pairings.active++
    this.activeRefs.set(key, refs + 1)
  }

  /** @internal */
  _untrackLink(key: string): void {
    const refs = this.activeRefs.get(key)
    if (refs === undefined) return
    if (refs > 1) {
      this.activeRefs.set(key, refs - 1)
      return
    }
    this.activeRefs.delete(key)
    this.stats.pairings.active--
  }

  /** @internal */
  _sessionClosed(session: BlindRelaySession): void {
    this.live.delete(session)
    this.stats.sessions.closed++
  }
}
