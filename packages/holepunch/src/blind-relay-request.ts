// BlindRelayRequest: one pending `pair` of a blind-relay client, settled by the relay's answer.

import { EventEmitter } from 'node:events'

/** The raw stream being paired: only its UDX id is sent. */
export interface PairableStream {
  readonly id: number
}

/** Event name → listener arguments of `BlindRelayRequest`. */
export interface BlindRelayRequestEvents {
  /** The relay paired us: connect the raw stream to the relay's stream `remoteId`. Once. */
  data: [remoteId: number]
  /** The pairing failed (channel closed or destroyed, unpaired); emitted only if listened to. */
  error: [err: Error]
  /** The request is over (after `data` or `error`, or a plain `destroy()`). Once. */
  close: []
}

/** @internal What a request needs from its client (BlindRelayClient implements it). */
export interface RequestHost {
  /** Why a request cannot be sent now, or null if it can. */
  _unavailable(): Error | null
  _sendPair(request: BlindRelayRequest): void
  /** The request is settled: stop tracking it. */
  _forget(request: BlindRelayRequest): void
  /** A request was given up: the client may now finish ending. */
  _settled(): void
}

/**
 * A `pair` request: sent on the next microtask (so listeners can be attached first), then
 * settled once, by the relay's answer (`data`, then `close`) or by a failure (`error`, then
 * `close`).
 */
export class BlindRelayRequest extends EventEmitter<BlindRelayRequestEvents> {
  /** Our role in the pairing. */
  readonly isInitiator: boolean
  /** The pairing token (our copy). */
  readonly token: Buffer
  /** The raw stream whose id was sent. */
  readonly stream: PairableStream
  private readonly host: RequestHost
  private done = false

  /** @internal made by `BlindRelayClient.pair` */
  constructor(host: RequestHost, isInitiator: boolean, token: Buffer, stream: PairableStream) {
    super()
    this.host = host
    this.isInitiator = isInitiator
    this.token = token
    this.stream = stream
    queueMicrotask(() => this.start())
  }

  /** True once settled or destroyed. */
  get destroyed(): boolean {
    return this.done
  }

  /** Give up: emits `error` (if `err` is given and listened to), then `close`. Idempotent. */
  destroy(err?: Error): void {
    if (this.done) return
    this.done = true
    this.host._forget(this)
    if (err !== undefined && this.listenerCount('error') > 0) this.emit('error', err)
    this.emit('close')
    this.host._settled()
  }

  /** @internal The relay answered our pair (the client then finishes ending, if it is). */
  _resolve(remoteId: number): void {
    if (this.done) return
    this.done = true
    this.host._forget(this)
    this.emit('data', remoteId)
    this.emit('close')
  }

  private start(): void {
    if (this.done) return
    const err = this.host._unavailable()
    if (err !== null) this.destroy(err)
    else this.host._sendPair(this)
  }
}
