// What a route handler gets: the request, the response, its parameters and the gateway's state.

import { setMaxListeners } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HyperDHT, KeyPair, WatchEvent, WatchOptions, WatchTarget } from '@keymesh/hyperdht'
import { parseJson, readBody } from './body.js'
import { asObject } from './codec.js'
import { GatewayError } from './errors.js'
import type { GatewayLimits } from './options.js'
import type { GatewayStats } from './stats.js'

/** Listeners one operation's signal may carry: a query plus a commit per closest node, and then some. */
const MAX_SIGNAL_LISTENERS = 256

/** Turns a watch event into the JSON line sent to clients; null skips it. */
export type EventJson = (e: WatchEvent) => Record<string, unknown> | null

/** A resource that can be listened to or subscribed to. */
export interface Listenable {
  /** Stable key of the resource (subscriptions are per key and URL). */
  key: string
  target: WatchTarget
  toJson: EventJson
}

/** The gateway state handlers share. */
export interface GatewayCore {
  readonly node: HyperDHT
  readonly limits: GatewayLimits
  /** Signs OpenDHT `POST /:hash` values and default announces. */
  readonly keyPair: KeyPair
  readonly keyPairs: Readonly<Record<string, KeyPair>>
  readonly watchOptions: WatchOptions
  readonly stats: GatewayStats
  /** Serve a listen on `ctx` until the client goes. */
  listenOn(ctx: RequestContext, what: Listenable): Promise<void>
  /** SUBSCRIBE / UNSUBSCRIBE `ctx`'s body URL to `what`. */
  subscribe(ctx: RequestContext, what: Listenable, on: boolean): Promise<void>
}

/** One request being served. */
export class RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly core: GatewayCore
  /** The method as routed: `LISTEN` for LISTEN requests, SSE and `/listen` paths. */
  readonly method: string
  /** Path parameters, in pattern order. */
  params: string[] = []
  readonly query: URLSearchParams
  /** The client's IP. */
  readonly client: string
  /** Aborted when the client goes away or the gateway closes. */
  readonly signal: AbortSignal

  constructor(
    core: GatewayCore,
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
    signal: AbortSignal
  ) {
    this.core = core
    this.req = req
    this.res = res
    this.method = method
    this.query = query
    this.client = req.socket.remoteAddress ?? 'unknown'
    this.signal = signal
  }

  /** The `i`th path parameter. */
  param(i: number): string {
    return this.params[i] ?? ''
  }

  /** The body under the size limit. */
  body(): Promise<Buffer> {
    return readBody(this.req, this.core.limits.maxBodyBytes)
  }

  /** The body as a JSON object. */
  async json(): Promise<Record<string, unknown>> {
    return asObject(parseJson(await this.body()))
  }

  /** 503 unless the node is up and knows at least one other node. */
  requireConnected(): HyperDHT {
    const node = this.core.node
    if (node.destroyed || node.table.size === 0) {
      throw new GatewayError('GATEWAY_NOT_CONNECTED')
    }
    return node
  }

  /** Signal for one DHT operation: the client's, plus the request timeout. */
  dhtSignal(): AbortSignal {
    const signal = AbortSignal.any([
      this.signal,
      AbortSignal.timeout(this.core.limits.requestTimeout)
    ])
    // one operation hangs a listener per request it sends (a put commits to k nodes)
    setMaxListeners(MAX_SIGNAL_LISTENERS, signal)
    return signal
  }

  /** Send `obj` as JSON with `status`. */
  send(status: number, obj: unknown): void {
    sendJson(this.res, status, obj)
  }
}

/** Send a JSON answer (unless the response already started). */
export function sendJson(res: ServerResponse, status: number, obj: unknown): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.end()
    return
  }
  const body = JSON.stringify(obj)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body)
  })
  res.end(body)
}
