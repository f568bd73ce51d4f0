// Gateway: an HTTP server in front of one HyperDHT node (createGateway), and its lifecycle.

import { setMaxListeners } from 'node:events'
import http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Server as NetServer, Socket } from 'node:net'
import { HyperDHT } from '@keymesh/hyperdht'
import type { KeyPair, WatchOptions } from '@keymesh/hyperdht'
import { RequestContext, sendJson, type GatewayCore, type Listenable } from './context.js'
import { asObject } from './codec.js'
import { parseJson } from './body.js'
import { GatewayError, toGatewayError } from './errors.js'
import { wantsEventStream } from './event-writer.js'
import { Listens } from './listens.js'
import { LISTEN_HEADER, createMethodFront } from './method-front.js'
import { resolveLimits, type GatewayLimits, type GatewayOptions } from './options.js'
import { RateLimiter } from './rate-limiter.js'
import { Router } from './router.js'
import { immutableRoutes } from './routes/immutable.js'
import { mutableRoutes } from './routes/mutable.js'
import { namedRoutes } from './routes/named.js'
import { nodeRoutes } from './routes/node-info.js'
import { openDhtRoutes } from './routes/opendht.js'
import { peerRoutes } from './routes/peers.js'
import { createStats, countStatus, type GatewayStats } from './stats.js'
import { Subscriptions } from './subscriptions.js'

const ROUTER = new Router([
  ...nodeRoutes,
  ...immutableRoutes,
  ...mutableRoutes,
  ...peerRoutes,
  ...namedRoutes,
  ...openDhtRoutes
])

const MALFORMED_HTTP = JSON.stringify({
  err: 'malformed HTTP request',
  code: 'GATEWAY_BAD_REQUEST'
})

/**
 * An HTTP REST gateway in front of a HyperDHT node, in the style of the OpenDHT proxy. Values
 * travel as base64 in JSON; lists and listens as newline-delimited JSON (or SSE). Every error is
 * JSON `{"err", "code"}` with the status of its {@link GatewayError} code.
 */
export class Gateway implements GatewayCore {
  /** The node served. */
  readonly node: HyperDHT
  readonly limits: GatewayLimits
  readonly keyPair: KeyPair
  readonly keyPairs: Readonly<Record<string, KeyPair>>
  readonly watchOptions: WatchOptions
  /** Live counters (also served by `GET /node/stats`). */
  readonly stats: GatewayStats = createStats()
  /** True once `close()` was called. */
  closed = false
  private readonly ownsNode: boolean
  private readonly http: http.Server
  private readonly front: NetServer
  private readonly limiter: RateLimiter | null
  private readonly listens: Listens
  private readonly subscriptions: Subscriptions
  private readonly closing = new AbortController()
  private readonly sockets = new Set<Socket>()
  private closePromise: Promise<void> | null = null

  /** @param opts - see {@link GatewayOptions} */
  constructor(opts: GatewayOptions = {}) {
    this.limits = resolveLimits(opts)
    this.ownsNode = opts.node === undefined
    this.node = opts.node ?? new HyperDHT(opts.nodeOptions ?? {})
    this.keyPair = opts.keyPair ?? this.node.defaultKeyPair
    this.keyPairs = { ...(opts.keyPairs ?? {}) }
    this.watchOptions = { ...(opts.watch ?? {}) }
    this.limiter = this.limits.rateLimit > 0 ? new RateLimiter(this.limits.rateLimit) : null
    this.listens = new Listens(this.limits.maxListens, this.limits.maxListensPerClient, this.stats)
    this.subscriptions = new Subscriptions(this.node, this.limits, this.stats, this.watchOptions)
    this.http = http.createServer({ maxHeaderSize: 16384 }, (req, res) => this.onrequest(req, res))
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (socket.writable && (err.code !== 'ECONNRESET' || socket.bytesWritten === 0)) {
        socket.end(
          'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n' +
            `content-length: ${Buffer.byteLength(MALFORMED_HTTP)}\r\n\r\n${MALFORMED_HTTP}`
        )
      }
      socket.destroy()
    })
    // every open request's signal follows this one
    setMaxListeners(0, this.closing.signal)
    this.front = createMethodFront(this.http)
    this.front.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
  }

  /** Start accepting connections on `port`/`host` (the options' by default). */
  listen(port = this.limits.port, host = this.limits.host): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onerror = (err: Error): void => reject(err)
      this.front.once('error', onerror)
      this.front.listen(port, host, () => {
        this.front.off('error', onerror)
        resolve(this.front.address() as AddressInfo)
      })
    })
  }

  /** The bound address, or null before `listen()`. */
  address(): AddressInfo | null {
    const a = this.front.address()
    return a === null || typeof a === 'string' ? null : a
  }

  /** Stop listening, end listens and subscriptions, close connections; destroy the node if it is ours. */
  close(): Promise<void> {
    if (this.closePromise === null) this.closePromise = this.doClose()
    return this.closePromise
  }

  private async doClose(): Promise<void> {
    this.closed = true
    this.closing.abort()
    this.listens.closeAll()
    this.subscriptions.closeAll()
    const stopped = new Promise<void>((resolve) => {
      if (!this.front.listening) return resolve()
      this.front.close(() => resolve())
    })
    for (const s of this.sockets) s.destroy()
    this.http.closeAllConnections()
    await stopped
    if (this.ownsNode) await this.node.destroy()
  }

  private onrequest(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++
    res.once('finish', () => countStatus(this.stats, res.statusCode))
    this.serve(req, res).catch((err: unknown) => this.fail(res, err))
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.closed) throw new GatewayError('GATEWAY_NOT_CONNECTED', 'the gateway is closing')
    const client = req.socket.remoteAddress ?? 'unknown'
    if (this.limiter !== null && !this.limiter.take(client)) {
      throw new GatewayError('GATEWAY_RATE_LIMITED', 'too many requests')
    }
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    let query: URLSearchParams
    let segments: string[]
    try {
      query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
      segments = path
        .split('/')
        .filter((s) => s.length > 0)
        .map((s) => decodeURIComponent(s))
    } catch {
      throw new GatewayError('GATEWAY_BAD_REQUEST', 'malformed URL')
    }
    let method = req.method ?? 'GET'
    if (req.headers[LISTEN_HEADER] === 'LISTEN' && method === 'GET') method = 'LISTEN'
    else if (method === 'GET' && wantsEventStream(req.headers.accept) && ROUTER.listens(segments)) {
      method = 'LISTEN'
    }
    const match = ROUTER.match(method, segments)
    if (match.kind === 'none') throw new GatewayError('GATEWAY_NOT_FOUND', 'no such route')
    if (match.kind === 'method') {
      res.setHeader('allow', match.allowed.join(', '))
      throw new GatewayError('GATEWAY_METHOD_NOT_ALLOWED')
    }
    const gone = new AbortController()
    res.once('close', () => gone.abort())
    const signal = AbortSignal.any([gone.signal, this.closing.signal])
    setMaxListeners(0, signal)
    const ctx = new RequestContext(this.core, req, res, method, query, signal)
    ctx.params = match.params
    await match.handler(ctx)
  }

  private fail(res: ServerResponse, err: unknown): void {
    const g = toGatewayError(err)
    if (g.status === 413 && !res.headersSent) res.setHeader('connection', 'close')
    sendJson(res, g.status, { err: g.message, code: g.code })
  }

  // handlers see the gateway through GatewayCore
  private get core(): GatewayCore {
    return this
  }

  /** GatewayCore: serve a listen. */
  listenOn(ctx: RequestContext, what: Listenable): Promise<void> {
    return this.listens.serve(ctx, what, this.watchOptions)
  }

  /** GatewayCore: SUBSCRIBE / UNSUBSCRIBE the body's URL. */
  async subscribe(ctx: RequestContext, what: Listenable, on: boolean): Promise<void> {
    const body = asObject(parseJson(await ctx.body()))
    const url = parseWebhookUrl(body['url'])
    if (!on) {
      if (!this.subscriptions.unsubscribe(what, url)) {
        throw new GatewayError('GATEWAY_NOT_FOUND', 'no such subscription')
      }
      return ctx.send(200, { url, unsubscribed: true })
    }
    ctx.requireConnected()
    ctx.send(200, this.subscriptions.subscribe(ctx.client, what, url))
  }
}

function parseWebhookUrl(v: unknown): string {
  if (typeof v !== 'string' || v.length > 2048) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'url must be an http(s) URL')
  }
  let u: URL
  try {
    u = new URL(v)
  } catch {
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'url must be an http(s) URL')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'url must be an http(s) URL')
  }
  return u.href
}

/** A gateway (not yet listening): `await createGateway(opts).listen()`. */
export function createGateway(opts: GatewayOptions = {}): Gateway {
  return new Gateway(opts)
}
