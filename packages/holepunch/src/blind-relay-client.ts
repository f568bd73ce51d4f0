// BlindRelayClient: asks a blind relay to pair our raw stream with a peer's (§9), as blind-relay 1.6.1.

import { EventEmitter } from 'node:events'
import { BLIND_RELAY_PROTOCOL, pair, unpair, type Pair, type Unpair } from '@keymesh/wire'
import { BlindRelayRequest, type PairableStream, type RequestHost } from './blind-relay-request.js'
import { HolepunchError } from './errors.js'
import type { FramedStream } from './framed-stream.js'
import { Protomux } from './protomux.js'
import type { ProtomuxChannel, ProtomuxMessageType } from './protomux-channel.js'
import { RELAY_TOKEN_BYTES } from './relay-token.js'

/** Options of `new BlindRelayClient()` / `BlindRelayClient.from()`. */
export interface BlindRelayClientOptions {
  /** Channel id: hyperdht uses the connection's own public key. @default null */
  id?: Uint8Array | null | undefined
}

/** Event name → listener arguments of `BlindRelayClient`. */
export interface BlindRelayClientEvents {
  /** The relay opened the blind-relay channel too. */
  open: []
  /** The channel closed; every pending request has failed. */
  close: []
  /** The channel is gone for good (right after `close`). */
  destroy: []
  /** A request was answered: the relay's stream id for our side is `remoteId`. */
  pair: [isInitiator: boolean, token: Buffer, stream: PairableStream, remoteId: number]
}

/**
 * The peer side of the blind-relay protocol on one relay connection: a `blind-relay` channel
 * and one `pair` request per token.
 */
export class BlindRelayClient extends EventEmitter<BlindRelayClientEvents> implements RequestHost {
  private static readonly clients = new WeakMap<FramedStream, BlindRelayClient>()

  /** The mux the channel lives on. */
  readonly mux: Protomux
  private readonly channel: ProtomuxChannel
  private readonly pairMessage: ProtomuxMessageType<Pair<Uint8Array>>
  private readonly unpairMessage: ProtomuxMessageType<Unpair<Uint8Array>>
  private readonly byToken = new Map<string, BlindRelayRequest>()
  private ending: Promise<void> | null = null
  private isDestroyed = false
  private reason: Error | null = null

  /** The stream's client: the one made earlier by `from` (until it closes) or a new one. */
  static from(stream: FramedStream, opts?: BlindRelayClientOptions): BlindRelayClient {
    const existing = BlindRelayClient.clients.get(stream)
    if (existing !== undefined) return existing
    const client = new BlindRelayClient(stream, opts)
    BlindRelayClient.clients.set(stream, client)
    return client
  }

  /**
   * Opens the `blind-relay` channel on the stream's mux.
   * @throws HolepunchError `CHANNEL_DESTROYED` if the stream is destroyed, `DUPLICATE_CHANNEL` if
   *   the mux already has an open blind-relay channel with this id
   */
  constructor(stream: FramedStream, opts: BlindRelayClientOptions = {}) {
    super()
    this.mux = Protomux.from(stream)
    const channel = this.mux.createChannel({
      protocol: BLIND_RELAY_PROTOCOL,
      id: opts.id ?? null,
      onopen: () => this.emit('open'),
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
    this.unpairMessage = channel.addMessage({ encoding: unpair })
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

  /** Requests not settled yet. */
  get requests(): IterableIterator<BlindRelayRequest> {
    return this.byToken.values()
  }

  /**
   * Ask the relay to pair `rawStream` (its id is sent) with the peer holding the same `token` in
   * the other role. The request is sent on the next microtask.
   * @throws HolepunchError `CHANNEL_DESTROYED` after `destroy()`, `ALREADY_PAIRING` if `token`
   *   has a request already, `INVALID_ARGUMENT` for a token that is not 32 bytes
   */
  pair(isInitiator: boolean, token: Uint8Array, rawStream: PairableStream): BlindRelayRequest {
    if (this.isDestroyed) throw HolepunchError.CHANNEL_DESTROYED()
    if (!(token instanceof Uint8Array) || token.byteLength !== RELAY_TOKEN_BYTES) {
      throw HolepunchError.INVALID_ARGUMENT(`token must be ${RELAY_TOKEN_BYTES} bytes`)
    }
    const key = hex(token)
    if (this.byToken.has(key)) throw HolepunchError.ALREADY_PAIRING()
    const request = new BlindRelayRequest(this, isInitiator, Buffer.from(token), rawStream)
    this.byToken.set(key, request)
    return request
  }

  /**
   * Withdraw the pairing for `token`: its request (if any) fails with `PAIRING_CANCELLED`, and
   * the relay drops the pending pairing or tears down the relayed streams.
   * @throws HolepunchError `CHANNEL_DESTROYED` after `destroy()`, `INVALID_ARGUMENT` for a token
   *   that is not 32 bytes
   */
  unpair(token: Uint8Array): void {
    if (this.isDestroyed) throw HolepunchError.CHANNEL_DESTROYED()
    if (!(token instanceof Uint8Array) || token.byteLength !== RELAY_TOKEN_BYTES) {
      throw HolepunchError.INVALID_ARGUMENT(`token must be ${RELAY_TOKEN_BYTES} bytes`)
    }
    this.byToken.get(hex(token))?.destroy(HolepunchError.PAIRING_CANCELLED())
    this.unpairMessage.send({ token })
  }

  /** Batch the messages sent until `uncork()`. */
  cork(): void {
    this.channel.cork()
  }

  /** Send what was batched since `cork()`. */
  uncork(): void {
    this.channel.uncork()
  }

  /** Close the channel once no request is pending; resolves on `close`. */
  end(): Promise<void> {
    if (this.ending !== null) return this.ending
    this.ending = new Promise((resolve) => this.once('close', resolve))
    this.endMaybe()
    return this.ending
  }

  /** Close the channel now; pending requests fail with `err` (default `CHANNEL_DESTROYED`). */
  destroy(err?: Error): void {
    if (this.isDestroyed) return
    this.isDestroyed = true
    this.reason = err ?? HolepunchError.CHANNEL_DESTROYED()
    this.channel.close()
  }

  /** @internal */
  _unavailable(): Error | null {
    if (!this.channel.closed) return null
    return this.reason ?? this.mux.error ?? HolepunchError.CHANNEL_CLOSED()
  }

  /** @internal */
  _sendPair(request: BlindRelayRequest): void {
    this.pairMessage.send({
      isInitiator: request.isInitiator,
      token: request.token,
      id: request.stream.id,
      seq: 0
    })
  }

  /** @internal */
  _forget(request: BlindRelayRequest): void {
    const key = hex(request.token)
    if (this.byToken.get(key) === request) this.byToken.delete(key)
  }

  /** @internal */
  _settled(): void {
    this.endMaybe()
  }

  private endMaybe(): void {
    if (this.ending !== null && this.byToken.size === 0) this.channel.close()
  }

  private onpair(m: Pair): void {
    const request = this.byToken.get(hex(m.token))
    if (request === undefined || request.isInitiator !== m.isInitiator) return
    request._resolve(m.id)
    this.emit('pair', request.isInitiator, request.token, request.stream, m.id)
    this.endMaybe()
  }

  private onclose(): void {
    this.ending = Promise.resolve()
    const err = this.reason ?? this.mux.error ?? HolepunchError.CHANNEL_CLOSED()
    const requests = [...this.byToken.values()]
    this.byToken.clear()
    for (const request of requests) request.destroy(err)
    if (BlindRelayClient.clients.get(this.stream) === this)
      BlindRelayClient.clients.delete(this.stream)
    this.emit('close')
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
