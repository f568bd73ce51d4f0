// A group of requests and queries that are cancelled together (§3.11).

import type UDX from 'udx-native'
import type { HostPort } from './peer.js'
import type { Query, QueryInput, QueryOptions, QuerySession } from './query.js'
import type { Reply, Request } from './request.js'

/** Options shared by `request()`, `ping()` and `delayedPing()`. */
export interface RequestOptions {
  /** Retransmit on timeout (up to 3 times). @default true */
  retry?: boolean
  /** Send from this socket instead of the node's current one. */
  socket?: UDX.Socket
  /** Group the request into this session. */
  session?: Session
  /** IP TTL of the datagrams (0 = system default). */
  ttl?: number
  /** Abort: cancels the request; the promise rejects with `signal.reason`. */
  signal?: AbortSignal
}

/** A request as `dht.request()` takes it. */
export interface RequestInput {
  /** Round-trip token from an earlier reply of this node. */
  token?: Uint8Array | null
  command: number
  target?: Uint8Array | null
  value?: Uint8Array | null
}

/** What a session forwards to: the node. */
export interface SessionHost {
  query<T = Reply>(q: QueryInput, opts?: QueryOptions<T>): Query<T>
  request(req: RequestInput, to: HostPort, opts?: RequestOptions): Promise<Reply>
  ping(to: HostPort, opts?: RequestOptions & { size?: number }): Promise<Reply>
}

/**
 * Requests started through a session (or given `{ session }`) are tracked until they settle;
 * {@link Session.destroy} fails all of them at once. Purely local, like dht-rpc's.
 */
export class Session implements QuerySession {
  /** The node requests go through. */
  readonly dht: SessionHost
  /** Requests in flight. */
  readonly inflight: Request[] = []

  /** @param dht - the node */
  constructor(dht: SessionHost) {
    this.dht = dht
  }

  /** @internal */
  _attach(req: Request): void {
    req.index = this.inflight.push(req) - 1
  }

  /** @internal */
  _detach(req: Request): void {
    const i = req.index
    if (i === -1) return
    req.index = -1
    const last = this.inflight.pop() as Request
    if (last !== req) {
      this.inflight[i] = last
      last.index = i
    }
  }

  /** `dht.query()` inside this session. */
  query<T = Reply>(q: QueryInput, opts: QueryOptions<T> = {}): Query<T> {
    return this.dht.query(q, { ...opts, session: this })
  }

  /** `dht.request()` inside this session. */
  request(req: RequestInput, to: HostPort, opts: RequestOptions = {}): Promise<Reply> {
    return this.dht.request(req, to, { ...opts, session: this })
  }

  /** `dht.ping()` inside this session. */
  ping(to: HostPort, opts: RequestOptions & { size?: number } = {}): Promise<Reply> {
    return this.dht.ping(to, { ...opts, session: this })
  }

  /** Fail every request in flight with `err` (default `REQUEST_DESTROYED`). */
  destroy(err?: Error | null): void {
    while (this.inflight.length > 0) {
      const req = this.inflight[this.inflight.length - 1] as Request
      if (req.destroyed) this._detach(req)
      else req.destroy(err)
    }
  }
}
