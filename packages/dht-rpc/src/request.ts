// One RPC exchange: an outgoing request with retries, or an incoming one with reply helpers.

import type UDX from 'udx-native'
import { DHTError } from './errors.js'
import type { HostPort, Peer } from './peer.js'

/** A decoded reply to one of our requests, as `request()` resolves it (§3.1). */
export interface Reply {
  tid: number
  /** ms from the first transmission to the reply. */
  rtt: number
  /** The responder; `id` is set only if it sent its valid node id. */
  from: Peer
  /** Our address as the responder saw it. */
  to: Peer
  /** A fresh round-trip token for us, if the reply carried one. */
  token: Buffer | null
  /** Nodes near the target, each `{ id: null, host, port }`. */
  closerNodes: Peer[] | null
  /** Wire error number; 0 = OK. */
  error: number
  value: Buffer | null
}

/** Options of {@link Request.reply}. */
export interface ReplyOptions {
  /** Include a fresh token. @default true */
  token?: boolean
  /** Include our closest nodes to the target (if the request had one). @default true */
  closerNodes?: boolean
  /** Send from this socket instead of the one the request arrived on. */
  socket?: UDX.Socket
  /** Send to this address instead of the requester (hyperdht routing). */
  to?: HostPort
}

/** Options of {@link Request.error}. */
export interface ErrorReplyOptions {
  /** Include a fresh token. @default false */
  token?: boolean
  /** Include our closest nodes to the target (if the request had one). @default true */
  closerNodes?: boolean
  socket?: UDX.Socket
  to?: HostPort
}

/** Options of {@link Request.relay}. */
export interface RelayOptions {
  /** Send from this socket instead of the one the request arrived on. */
  socket?: UDX.Socket
}

/** A group of requests cancelled together (a session); requests call back on settle. */
export interface RequestGroup {
  _attach(req: Request): void
  _detach(req: Request): void
}

/**
 * What a {@link Request} needs from the I/O layer. Implemented by `IO`; declared here so the
 * request does not import the socket layer.
 * @internal
 */
export interface RequestIO {
  /** Encode and send a reply; never throws. */
  _sendReply(
    req: Request,
    error: number,
    value: Uint8Array | null,
    token: boolean,
    closerNodes: boolean,
    to: HostPort,
    socket: UDX.Socket | null
  ): void
  /** Encode this request's datagram (throws `WireError` for an unencodable request). */
  _encodeRequest(
    req: Request,
    token: Uint8Array | null,
    value: Uint8Array | null,
    to: HostPort,
    socket: UDX.Socket
  ): Buffer
  /** True while a non-forced send must wait. */
  _congested(): boolean
  /** Queue `req` until the congestion window drains. */
  _enqueue(req: Request): void
  /** Count a transmission and return the attempt timeout in ms. */
  _transmitted(req: Request): number
  /** An attempt of `req` timed out. */
  _attemptTimedOut(req: Request): void
  /** Remove `req` from the in-flight set; false if it was not there. */
  _release(req: Request): boolean
}

const noop = (): void => {}

/**
 * A dht-rpc request. Outgoing requests are created by the I/O layer and sent with
 * {@link Request.send}; they settle through `onresponse`/`onerror`. Incoming requests are given
 * to `dht.onrequest(req)` and answered with {@link Request.reply}, {@link Request.error} or
 * forwarded with {@link Request.relay}. Property names match dht-rpc's `Request`.
 */
export class Request {
  /** The socket it was sent from (outgoing) or arrived on (incoming). */
  socket: UDX.Socket | null
  /** 16-bit transaction id. */
  tid: number
  /** Incoming: the sender (`id` set only if it sent its valid id). Outgoing: `null`. */
  from: Peer | null
  /** Outgoing: the destination. Incoming: how the sender addressed us. */
  to: Peer
  /** Round-trip token (outgoing: echoed to the node; incoming: verified already). */
  token: Buffer | null
  command: number
  target: Buffer | null
  value: Buffer | null
  /** True for dht-rpc internal commands. */
  internal: boolean
  /** The session it belongs to, if any. */
  session: RequestGroup | null
  /** IP TTL of the datagrams (0 = system default). */
  ttl: number
  /** Position in its session (maintained by the session). */
  index = -1
  /** Transmissions so far. */
  sent = 0
  /** Retransmissions allowed after the first send. */
  retries: number
  /** True once settled or cancelled. */
  destroyed = false
  /** Per-attempt timeout override in ms (0 = the node's default). */
  timeout = 0
  /** Called after each attempt times out, before the retry. */
  oncycle: (req: Request) => void = noop
  /** Called once if the request fails. */
  onerror: (err: Error, req: Request) => void = noop
  /** Called once with the reply. */
  onresponse: (reply: Reply, req: Request) => void = noop

  /** @internal encoded datagram, reused by retransmissions */
  _buffer: Buffer | null = null
  /** @internal */
  _timeout: NodeJS.Timeout | null = null
  /** @internal time of the first transmission */
  _timestamp = 0
  /** @internal position in the I/O layer's in-flight array */
  _inflightIndex = -1
  /** @internal */
  readonly _io: RequestIO

  /** @internal created by the I/O layer only */
  constructor(
    io: RequestIO,
    socket: UDX.Socket | null,
    tid: number,
    from: Peer | null,
    to: Peer,
    token: Buffer | null,
    internal: boolean,
    command: number,
    target: Buffer | null,
    value: Buffer | null,
    session: RequestGroup | null,
    ttl: number,
    retries: number
  ) {
    this._io = io
    this.socket = socket
    this.tid = tid
    this.from = from
    this.to = to
    this.token = token
    this.internal = internal
    this.command = command
    this.target = target
    this.value = value
    this.session = session
    this.ttl = ttl
    this.retries = retries
  }

  /** Answer an incoming request with `value` (and by default a token and closer nodes). */
  reply(value: Uint8Array | null, opts: ReplyOptions = {}): void {
    this._io._sendReply(
      this,
      0,
      value ?? null,
      opts.token !== false,
      opts.closerNodes !== false,
      opts.to ?? (this.from as Peer),
      opts.socket ?? this.socket
    )
  }

  /** Answer an incoming request with wire error number `code`. */
  error(code: number, opts: ErrorReplyOptions = {}): void {
    this._io._sendReply(
      this,
      code,
      null,
      opts.token === true,
      opts.closerNodes !== false,
      opts.to ?? (this.from as Peer),
      opts.socket ?? this.socket
    )
  }

  /**
   * Forward this request (same tid, command and target, no token, new `value`) to `to`: the
   * next hop answers the original requester directly (hyperdht routing, §4.10).
   */
  relay(value: Uint8Array | null, to: HostPort, opts?: RelayOptions): void {
    const socket = opts?.socket ?? this.socket
    if (socket === null) return
    try {
      const buffer = this._io._encodeRequest(this, null, value, to, socket)
      socket.trySend(buffer, to.port, to.host, this.ttl)
    } catch {
      // an address that cannot be encoded or sent to: nothing to forward
    }
  }

  /** dht-rpc's low-level reply: `token`/`hasCloserNodes` as booleans, to the requester. */
  sendReply(
    error: number,
    value: Uint8Array | null,
    token: boolean,
    hasCloserNodes: boolean
  ): void {
    this._io._sendReply(this, error, value, token, hasCloserNodes, this.from as Peer, this.socket)
  }

  /**
   * Transmit (or queue behind the congestion window unless `force`). Throws `WireError` if the
   * request cannot be encoded (e.g. a host that is not IPv4).
   */
  send(force = false): void {
    if (this.destroyed || this.socket === null) return
    if (this._buffer === null) {
      this._buffer = this._io._encodeRequest(this, this.token, this.value, this.to, this.socket)
    }
    if (!force && this._io._congested()) {
      this._io._enqueue(this)
      return
    }
    this._sendNow()
  }

  /** @internal transmit now and arm the attempt timer */
  _sendNow(): void {
    if (this.destroyed || this.socket === null || this._buffer === null) return
    if (this.sent === 0) this._timestamp = Date.now()
    const timeout = this._io._transmitted(this)
    try {
      this.socket.trySend(this._buffer, this.to.port, this.to.host, this.ttl)
    } catch (err) {
      this.destroy(err as Error)
      return
    }
    if (this._timeout !== null) clearTimeout(this._timeout)
    this._timeout = setTimeout(onattempttimeout, timeout, this)
  }

  /** Cancel: fails it with `err` (default `REQUEST_DESTROYED`) unless already settled. */
  destroy(err?: Error | null): void {
    if (this.destroyed) return
    this.destroyed = true
    if (this._timeout !== null) {
      clearTimeout(this._timeout)
      this._timeout = null
    }
    if (!this._io._release(this)) return
    this.onerror(err ?? DHTError.REQUEST_DESTROYED(), this)
  }
}

function onattempttimeout(req: Request): void {
  req._timeout = null
  req._io._attemptTimedOut(req)
}
