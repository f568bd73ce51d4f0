// Socket I/O: binding, datagram intake and validation, transaction ids, retries, congestion.

import b4a from 'b4a'
import type UDX from 'udx-native'
import {
  RPC_REQUEST_TYPE,
  RPC_RESPONSE_TYPE,
  encode,
  rpcRequest,
  rpcResponse,
  tryDecode
} from '@keymesh/wire'
import { AdaptiveTimeout } from './adaptive-timeout.js'
import type { AdaptiveTimeoutOptions } from './adaptive-timeout.js'
import { CongestionWindow } from './congestion-window.js'
import { DEFAULTS, DIRECT_RETRIES, DRAIN_INTERVAL_MS } from './constants.js'
import { DHTError } from './errors.js'
import { isIPv4 } from './ip.js'
import { peerId } from './peer.js'
import type { HostPort, Peer } from './peer.js'
import type { RateLimiter } from './rate-limiter.js'
import { Request } from './request.js'
import type { Reply, RequestGroup, RequestIO } from './request.js'
import { RoundTripTokens } from './tokens.js'

/** The part of the routing table the I/O layer reads: our id and closer nodes for replies. */
export interface IOTable {
  id: Buffer
  closest(target: Uint8Array): HostPort[]
}

/** Request counters (dht-rpc's `stats.requests`). */
export interface RequestStats {
  active: number
  total: number
  responses: number
  timeouts: number
  retries: number
}

/** Transmitted / received counts of one internal command. */
export interface CommandStats {
  tx: number
  rx: number
}

/**
 * Datagrams dropped or fields ignored at the socket boundary, by reason (keymesh extra). None of
 * these ever throws out of a socket callback.
 */
export interface DroppedStats {
  /** Shorter than 2 bytes, or failed to decode (truncated, bad flags, oversized fields). */
  malformed: number
  /** A dht-rpc type nibble with a protocol version other than 3. */
  wrongVersion: number
  /** Not a dht-rpc datagram at all. */
  unknown: number
  /** Source port 0 or a host that is not IPv4. */
  badAddress: number
  /** Arrived while suspended. */
  suspended: number
  /** Request over its source IP's rate limit. */
  rateLimited: number
  /** Request with a token that is not ours (answered with INVALID_TOKEN, not run). */
  invalidToken: number
  /** Carried a node id that is not H(source ip:port); the id was ignored. */
  spoofedId: number
  /** Response matching no request in flight (late, duplicate or forged). */
  unmatched: number
  /** DELAYED_PING refused because too many replies were already waiting. */
  delayedPingLimit: number
  /** A request handler threw; the error was contained. */
  handlerError: number
  /** A reply could not be encoded (e.g. a value over the datagram limit) and was not sent. */
  replyFailed: number
}

/** Counters of the I/O layer. */
export interface IOStats {
  requests: RequestStats
  /** Per internal command PING, PING_NAT, FIND_NODE, DOWN_HINT. */
  commands: CommandStats[]
  dropped: DroppedStats
}

/** Options of {@link IO}. */
export interface IOOptions {
  /** Sends per congestion slot. @default 80 */
  maxWindow?: number
  /** Server socket port, or a `[start, end)` range. 0 = random. @default 0 */
  port?: number | readonly number[]
  /** Bind host. @default '0.0.0.0' */
  host?: string
  /** Fall back to a random port if the configured ones are taken. @default true */
  anyPort?: boolean
  /** Start firewalled (requests leave from the client socket). @default true */
  firewalled?: boolean
  /** Per-address adaptive attempt timeouts. @default off */
  adaptiveTimeout?: boolean | AdaptiveTimeoutOptions | null
  /** Per-attempt timeout in ms when adaptive timeouts are off. @default 1000 */
  requestTimeout?: number
  /** Inbound per-IP request limiter; `null` disables it. */
  rateLimiter?: RateLimiter | null
  /** A valid request arrived; `external` = not on the socket we send from. */
  onrequest: (req: Request, external: boolean) => void
  /** A reply matched one of our requests (called before the request's own callback). */
  onresponse?: (reply: Reply, external: boolean) => void
  /** A request failed after its last attempt. */
  ontimeout?: (req: Request) => void
  /** An attempt of a request timed out (before any retry). */
  oncycle?: (req: Request) => void
  /** A well-formed reply matched no request in flight: `host:port` answered, just too late. */
  onlate?: (host: string, port: number) => void
}

const TYPE_MASK = 0xf0
/** Smallest size of the tid slot table (a power of two); it doubles when half full. */
const MIN_TID_SLOTS = 16
const noop = (): void => {}

/**
 * Owns the server and client sockets and everything between them and the DHT: decoding and
 * validating datagrams, transaction ids, retries and attempt timeouts, the congestion window
 * and round-trip tokens. It knows nothing about Kademlia beyond {@link IOTable}.
 */
export class IO implements RequestIO {
  /** The routing table replies take closer nodes and our id from (replaced on rebuild). */
  table: IOTable
  readonly udx: UDX
  /** Outgoing requests not yet settled (including queued ones). */
  readonly inflight: Request[] = []
  clientSocket: UDX.Socket | null = null
  serverSocket: UDX.Socket | null = null
  /** While true, requests leave from the client socket. */
  firewalled: boolean
  /** While true, no datagram carries our id. */
  ephemeral = true
  readonly congestion: CongestionWindow
  networkInterfaces: UDX.NetworkInterfaces
  suspended = false
  readonly stats: IOStats
  /** `[start, end)` of server ports tried before falling back to a random one. */
  readonly portRange: readonly [number, number]
  readonly tokens = new RoundTripTokens()

  private readonly onrequest: (req: Request, external: boolean) => void
  private readonly onresponse: (reply: Reply, external: boolean) => void
  private readonly ontimeout: (req: Request) => void
  private readonly oncycle: (req: Request) => void
  private readonly onlate: (host: string, port: number) => void
  private readonly host: string
  private readonly anyPort: boolean
  private readonly requestTimeout: number
  private readonly adaptive: AdaptiveTimeout | null
  private readonly limiter: RateLimiter | null
  // Requests in flight by `tid & tidMask`, in an array cleared slot by slot. Not a Map: a
  // long-lived Map's tables live in old space, and every rehash leaves the previous table
  // there still pointing at the requests of that moment; those pointers keep each query's
  // garbage alive through scavenges until the next full GC (and grow the young generation).
  private tidSlots = new Array<Request | undefined>(MIN_TID_SLOTS)
  private tidMask = MIN_TID_SLOTS - 1
  private pending: Request[] = []
  private pendingHead = 0
  private tid = Math.floor(Math.random() * 65536)
  private drainInterval: NodeJS.Timeout | null = null
  private destroying: Promise<void> | null = null
  private binding: Promise<void> | null = null
  private boundServerPort = 0
  private boundClientPort = 0

  /**
   * @param table - source of our id and closer nodes
   * @param udx - the UDX instance sockets are created on
   * @param opts - see {@link IOOptions}
   */
  constructor(table: IOTable, udx: UDX, opts: IOOptions) {
    this.table = table
    this.udx = udx
    this.firewalled = opts.firewalled !== false
    this.congestion = new CongestionWindow(opts.maxWindow ?? DEFAULTS.maxWindow)
    this.networkInterfaces = udx.watchNetworkInterfaces()
    this.onrequest = opts.onrequest
    this.onresponse = opts.onresponse ?? noop
    this.ontimeout = opts.ontimeout ?? noop
    this.oncycle = opts.oncycle ?? noop
    this.onlate = opts.onlate ?? noop
    this.host = opts.host ?? '0.0.0.0'
    this.anyPort = opts.anyPort !== false
    this.requestTimeout = opts.requestTimeout ?? DEFAULTS.requestTimeout
    this.adaptive = opts.adaptiveTimeout
      ? new AdaptiveTimeout(opts.adaptiveTimeout === true ? {} : opts.adaptiveTimeout)
      : null
    this.limiter = opts.rateLimiter ?? null

    const port = opts.port ?? 0
    this.portRange =
      typeof port === 'number'
        ? port === 0
          ? [0, 0]
          : [port, port + 5]
        : [port[0] ?? 0, port[1] ?? port[0] ?? 0]

    this.stats = {
      requests: { active: 0, total: 0, responses: 0, timeouts: 0, retries: 0 },
      commands: [
        { tx: 0, rx: 0 },
        { tx: 0, rx: 0 },
        { tx: 0, rx: 0 },
        { tx: 0, rx: 0 }
      ],
      dropped: {
        malformed: 0,
        wrongVersion: 0,
        unknown: 0,
        badAddress: 0,
        suspended: 0,
        rateLimited: 0,
        invalidToken: 0,
        spoofedId: 0,
        unmatched: 0,
        delayedPingLimit: 0,
        handlerError: 0,
        replyFailed: 0
      }
    }
  }

  /** The socket outgoing requests use right now. */
  get socket(): UDX.Socket | null {
    return this.firewalled ? this.clientSocket : this.serverSocket
  }

  /** Requests waiting for the congestion window. */
  get queued(): number {
    return this.pending.length - this.pendingHead
  }

  /** A round-trip token for `addr.host` under secret `i` (1 current, 0 previous). */
  token(addr: HostPort, i: 0 | 1): Buffer {
    return this.tokens.token(addr.host, i)
  }

  /**
   * Handle one datagram received on `socket`. Never throws: anything malformed, hostile or
   * unexpected is dropped and counted in `stats.dropped`.
   */
  onmessage(socket: UDX.Socket, buffer: Uint8Array, rinfo: HostPort): void {
    const dropped = this.stats.dropped
    if (this.suspended) {
      dropped.suspended++
      return
    }
    if (buffer.byteLength < 2) {
      dropped.malformed++
      return
    }
    const { host, port } = rinfo
    if (!(port > 0 && port < 65536) || !isIPv4(host)) {
      dropped.badAddress++
      return
    }

    const type = buffer[0] as number
    try {
      if (type === RPC_REQUEST_TYPE) this.onrequestdatagram(socket, buffer, host, port)
      else if (type === RPC_RESPONSE_TYPE) this.onresponsedatagram(socket, buffer, host, port)
      else if ((type & TYPE_MASK) <= 0x10) dropped.wrongVersion++
      else dropped.unknown++
    } catch {
      // a handler above us threw; the node must keep serving
      dropped.handlerError++
    }
  }

  private onrequestdatagram(socket: UDX.Socket, buffer: Uint8Array, host: string, port: number) {
    const dropped = this.stats.dropped
    if (this.limiter !== null && !this.limiter.take(host)) {
      dropped.rateLimited++
      return
    }
    const m = tryDecode(rpcRequest, buffer)
    if (m === null) {
      dropped.malformed++
      return
    }
    const from: Peer = { id: this.validateId(m.id, host, port), host, port }
    const [token, target, value] = ownBytes(m.token, m.target, m.value)
    const req = new Request(
      this,
      socket,
      m.tid,
      from,
      { id: null, host: m.to.host, port: m.to.port },
      token,
      m.internal,
      m.command,
      target,
      value,
      null,
      0,
      0
    )
    if (m.token !== null && !this.tokens.verify(m.token, host)) {
      dropped.invalidToken++
      req.error(DHTError.INVALID_TOKEN, { token: true })
      return
    }
    this.onrequest(req, socket !== this.socket)
  }

  private onresponsedatagram(socket: UDX.Socket, buffer: Uint8Array, host: string, port: number) {
    const m = tryDecode(rpcResponse, buffer)
    if (m === null) {
      this.stats.dropped.malformed++
      return
    }
    const req = this.tidSlots[m.tid & this.tidMask]
    if (req === undefined || req.tid !== m.tid) {
      this.stats.dropped.unmatched++
      this.onlate(host, port)
      return
    }

    const from: Peer = { id: this.validateId(m.id, host, port), host, port }
    const [token, value] = ownBytes(m.token, m.value, null)
    const closerNodes =
      m.closerNodes === null
        ? null
        : m.closerNodes.map((n): Peer => ({ id: null, host: n.host, port: n.port }))
    const reply: Reply = {
      tid: m.tid,
      rtt: Date.now() - req._timestamp,
      from,
      to: { id: null, host: m.to.host, port: m.to.port },
      token,
      closerNodes,
      error: m.error,
      value
    }

    // Karn: only an unambiguous (single transmission) exchange is an RTT sample
    if (this.adaptive !== null && req.sent === 1) {
      this.adaptive.put(req.to.host + ':' + req.to.port, reply.rtt)
    }

    if (req._timeout !== null) {
      clearTimeout(req._timeout)
      req._timeout = null
    }
    req.destroyed = true
    this.release(req)
    if (req.internal && req.command < this.stats.commands.length) {
      ;(this.stats.commands[req.command] as CommandStats).rx++
    }
    this.stats.requests.responses++

    this.onresponse(reply, socket !== this.socket)
    req.onresponse(reply, req)
  }

  // an id is only honoured if it is H(source ip:port); the returned id has its own memory
  private validateId(id: Buffer | null, host: string, port: number): Buffer | null {
    if (id === null) return null
    const expected = peerId(host, port)
    if (expected !== null && b4a.equals(expected, id)) return expected
    this.stats.dropped.spoofedId++
    return null
  }

  /**
   * Create an outgoing request (not sent yet). Returns `null` once the I/O layer is being
   * destroyed.
   */
  createRequest(
    to: Peer,
    token: Buffer | null,
    internal: boolean,
    command: number,
    target: Buffer | null,
    value: Buffer | null,
    session: RequestGroup | null,
    ttl?: number
  ): Request | null {
    if (this.destroying !== null) return null
    if (this.inflight.length >= (this.tidMask + 1) >> 1 && this.tidMask < 0xffff)
      this.growTidSlots()

    const req = new Request(
      this,
      this.socket,
      this.nextTid(),
      null,
      to,
      token,
      internal,
      command,
      target,
      value,
      session,
      ttl ?? 0,
      DIRECT_RETRIES
    )
    req._inflightIndex = this.inflight.push(req) - 1
    this.tidSlots[req.tid & this.tidMask] = req
    if (session !== null) session._attach(req)

    if (internal && command < this.stats.commands.length) {
      ;(this.stats.commands[command] as CommandStats).tx++
    }
    this.stats.requests.active++
    this.stats.requests.total++
    return req
  }

  // 16-bit counter from a random start; skips ids whose slot is taken (every id in flight)
  private nextTid(): number {
    for (let i = 0; i < 65536; i++) {
      const tid = this.tid
      this.tid = (this.tid + 1) & 0xffff
      if (this.tidSlots[tid & this.tidMask] === undefined) return tid
    }
    return this.tid
  }

  // twice the slots; distinct slots under the old mask stay distinct under the new one
  private growTidSlots(): void {
    const size = (this.tidMask + 1) * 2
    const slots = new Array<Request | undefined>(size)
    for (const req of this.inflight) slots[req.tid & (size - 1)] = req
    this.tidSlots = slots
    this.tidMask = size - 1
  }

  // after a burst: back to a quarter of the slots, unless requests in flight would collide
  private shrinkTidSlots(): void {
    const size = (this.tidMask + 1) >> 2
    if (size < MIN_TID_SLOTS || this.inflight.length >= size >> 2) return
    const slots = new Array<Request | undefined>(size)
    for (const req of this.inflight) {
      const slot = req.tid & (size - 1)
      if (slots[slot] !== undefined) return
      slots[slot] = req
    }
    this.tidSlots = slots
    this.tidMask = size - 1
  }

  /** Bind both sockets (memoised). */
  bind(): Promise<void> {
    if (this.binding === null) this.binding = this.bindSockets()
    return this.binding
  }

  /** Fail every request with `IO_SUSPENDED`, close the sockets and stop draining. */
  async suspend(): Promise<void> {
    this.suspended = true
    await this.clear(true)
    this.congestion.clear()
  }

  /** Rebind the sockets (server port first) after {@link IO.suspend}. */
  resume(): Promise<void> {
    this.suspended = false
    const previous = this.binding
    this.binding = (async () => {
      if (previous !== null) await previous.catch(noop)
      if (this.destroying !== null) return this.destroying
      this.networkInterfaces = this.udx.watchNetworkInterfaces()
      await this.bindSockets()
    })()
    return this.binding
  }

  /** Fail every request with `REQUEST_DESTROYED` and close everything (memoised). */
  destroy(): Promise<void> {
    if (this.destroying === null) {
      this.destroying = (async () => {
        if (this.binding !== null) await this.binding.catch(noop)
        await this.clear(false)
      })()
    }
    return this.destroying
  }

  private async clear(suspending: boolean): Promise<void> {
    if (this.drainInterval !== null) {
      clearInterval(this.drainInterval)
      this.drainInterval = null
    }
    while (this.inflight.length > 0) {
      const req = this.inflight[this.inflight.length - 1] as Request
      req.destroy(suspending ? DHTError.IO_SUSPENDED() : DHTError.REQUEST_DESTROYED())
    }
    this.pending = []
    this.pendingHead = 0

    const closing: Promise<void>[] = []
    if (this.serverSocket !== null) closing.push(this.serverSocket.close())
    if (this.clientSocket !== null) closing.push(this.clientSocket.close())
    closing.push(this.networkInterfaces.destroy())
    await Promise.allSettled(closing)
  }

  private async bindSockets(): Promise<void> {
    const serverSocket = this.udx.createSocket()
    const candidates: number[] = []
    if (this.boundServerPort !== 0) candidates.push(this.boundServerPort)
    for (let p = this.portRange[0]; p < this.portRange[1]; p++) candidates.push(p)

    let bound = false
    let lastError: unknown = null
    for (const port of candidates) {
      try {
        serverSocket.bind(port, this.host)
        bound = true
        break
      } catch (err) {
        lastError = err
      }
    }
    if (!bound && candidates.length > 0 && !this.anyPort) {
      await serverSocket.close()
      throw lastError
    }
    if (!bound) {
      try {
        serverSocket.bind(0, this.host)
      } catch (err) {
        await serverSocket.close()
        throw err
      }
    }

    const clientSocket = this.udx.createSocket()
    try {
      clientSocket.bind(this.boundClientPort, this.host)
    } catch {
      try {
        clientSocket.bind(0, this.host)
      } catch (err) {
        await Promise.allSettled([serverSocket.close(), clientSocket.close()])
        throw err
      }
    }

    this.boundServerPort = (serverSocket.address() as UDX.SocketAddress).port
    this.boundClientPort = (clientSocket.address() as UDX.SocketAddress).port
    this.serverSocket = serverSocket
    this.clientSocket = clientSocket

    serverSocket.on('message', (buf, rinfo) => this.onmessage(serverSocket, buf, rinfo))
    clientSocket.on('message', (buf, rinfo) => this.onmessage(clientSocket, buf, rinfo))

    if (this.drainInterval === null) {
      this.drainInterval = setInterval(() => this.drain(), DRAIN_INTERVAL_MS)
      this.drainInterval.unref()
    }

    // requests created before the sockets existed go out now
    for (const req of this.inflight.slice()) {
      if (req.socket === null) req.socket = this.socket
      req.sent = 0
      try {
        req.send(false)
      } catch (err) {
        req.destroy(err as Error)
      }
    }
  }

  /** @internal one 750 ms period passed: rotate tokens, age the window, send queued requests */
  drain(): void {
    this.tokens.ondrain()
    this.congestion.drain()
    this.shrinkTidSlots()
    while (!this.congestion.isFull() && this.pendingHead < this.pending.length) {
      const req = this.pending[this.pendingHead++] as Request
      req._sendNow()
    }
    if (this.pendingHead === this.pending.length) {
      this.pending = []
      this.pendingHead = 0
    }
  }

  // RequestIO -------------------------------------------------------------------------------

  /** @internal */
  _congested(): boolean {
    return this.congestion.isFull()
  }

  /** @internal */
  _enqueue(req: Request): void {
    this.pending.push(req)
  }

  /** @internal */
  _transmitted(req: Request): number {
    if (this.suspended) {
      // sockets are closed: fail at once instead of timing out later
      queueMicrotask(() => req.destroy(DHTError.IO_SUSPENDED()))
    }
    req.sent++
    this.congestion.send()
    if (req.timeout > 0) return req.timeout
    if (this.adaptive !== null) return this.adaptive.get(req.to.host + ':' + req.to.port, req.sent)
    return this.requestTimeout
  }

  /** @internal */
  _attemptTimedOut(req: Request): void {
    req.oncycle(req)
    this.oncycle(req)
    if (req.destroyed) return
    if (req.sent > req.retries) {
      this.stats.requests.timeouts++
      req.destroy(DHTError.REQUEST_TIMEOUT())
      this.ontimeout(req)
    } else {
      this.stats.requests.retries++
      req.send()
    }
  }

  /** @internal */
  _release(req: Request): boolean {
    if (req._inflightIndex === -1) return false
    this.release(req)
    return true
  }

  private release(req: Request): void {
    const i = req._inflightIndex
    if (i === -1) return
    const last = this.inflight.pop() as Request
    if (last !== req) {
      this.inflight[i] = last
      last._inflightIndex = i
    }
    req._inflightIndex = -1
    const slot = req.tid & this.tidMask
    if (this.tidSlots[slot] === req) this.tidSlots[slot] = undefined
    if (req.session !== null) req.session._detach(req)
    if (req.sent > 0) this.congestion.recv()
    this.stats.requests.active--
  }

  /** @internal */
  _encodeRequest(
    req: Request,
    token: Uint8Array | null,
    value: Uint8Array | null,
    to: HostPort,
    socket: UDX.Socket
  ): Buffer {
    const withId = !this.ephemeral && socket === this.serverSocket
    return encode(rpcRequest, {
      tid: req.tid,
      to,
      id: withId ? this.table.id : null,
      token,
      internal: req.internal,
      command: req.command,
      target: req.target,
      value
    })
  }

  /** @internal */
  _sendReply(
    req: Request,
    error: number,
    value: Uint8Array | null,
    token: boolean,
    closerNodes: boolean,
    to: HostPort,
    socket: UDX.Socket | null
  ): void {
    if (socket === null || req.destroyed) return
    try {
      const withId = !this.ephemeral && socket === this.serverSocket
      const buffer = encode(rpcResponse, {
        tid: req.tid,
        to,
        id: withId ? this.table.id : null,
        token: token ? this.tokens.issue(to.host) : null,
        closerNodes: req.target !== null && closerNodes ? this.table.closest(req.target) : null,
        error,
        value
      })
      socket.trySend(buffer, to.port, to.host, req.ttl)
    } catch {
      this.stats.dropped.replyFailed++
    }
  }
}

// Decoded byte fields are views into udx's shared receive slab. Whatever is kept past this
// callback moves into one allocation of its own (house style rule 9); ids never need this, as
// a verified id is recomputed from the address.
function ownBytes(
  a: Buffer | null,
  b: Buffer | null,
  c: Buffer | null
): [Buffer | null, Buffer | null, Buffer | null] {
  const total = (a?.byteLength ?? 0) + (b?.byteLength ?? 0) + (c?.byteLength ?? 0)
  if (a === null && b === null && c === null) return [null, null, null]
  const out = b4a.allocUnsafeSlow(total) as Buffer
  let at = 0
  const take = (view: Buffer | null): Buffer | null => {
    if (view === null) return null
    out.set(view, at)
    const own = out.subarray(at, at + view.byteLength)
    at += view.byteLength
    return own
  }
  return [take(a), take(b), take(c)]
}
