// The DHT node: composes I/O, routing table, queries and NAT state, and runs its lifecycle.

import { EventEmitter } from 'node:events'
import b4a from 'b4a'
import UDX from 'udx-native'
import {
  INTERNAL_COMMANDS,
  WIRE_ERRORS,
  asBuffer,
  delayedPingValue,
  downHintValue,
  encode,
  pingNatValue
} from '@keymesh/wire'
import { nodeId, randomBytes } from '@keymesh/crypto'
import { onAbort } from './abort-fanout.js'
import { parseBootstrapNode, resolveBootstrapNodes } from './bootstrap.js'
import {
  DEAD_NODES_MAX,
  DEAD_NODE_TTL_MS,
  DEFAULTS,
  DELAYED_PING_GRACE_MS,
  MAX_DOWN_HINT_CHECKS,
  MAX_SUSPECT_PROBES,
  OLD_NODE_TICKS,
  QUERY_RETRIES,
  REFRESH_TICKS,
  STABLE_TICKS,
  TICK_INTERVAL_MS
} from './constants.js'
import { DeadNodes } from './dead-nodes.js'
import { DelayedReplies } from './delayed-replies.js'
import { DHTError } from './errors.js'
import type { DHTEvents } from './events.js'
import { NetworkHealth } from './health.js'
import type { HealthState } from './health.js'
import { answerInternalCommand } from './internal-commands.js'
import type { InternalCommandHost } from './internal-commands.js'
import { IO } from './io.js'
import type { CommandStats } from './io.js'
import { isLoopback } from './ip.js'
import { IpDiversity } from './ip-diversity.js'
import { check, tick, wakeup } from './maintenance.js'
import type { MaintenanceHost } from './maintenance.js'
import { NatSampler } from './nat-sampler.js'
import { updateNetworkState } from './network-state.js'
import type { NetworkStateHost } from './network-state.js'
import { NodeList } from './node-list.js'
import type { DHTConfig, DHTOptions, DHTStats, RttStats } from './options.js'
import { addressKey, createNode } from './peer.js'
import type { DHTNode, HostPort, IdentifiedPeer, Peer } from './peer.js'
import { Query, abortReason } from './query.js'
import type { QueryHost, QueryInput, QueryOptions, QuerySession } from './query.js'
import { RateLimiter } from './rate-limiter.js'
import type { Reply, Request } from './request.js'
import { RoutingTable } from './routing-table.js'
import { Session } from './session.js'
import type { RequestInput, RequestOptions, SessionHost } from './session.js'

export type { DHTConfig, DHTOptions, DHTStats, RateLimitOptions, RttStats } from './options.js'

const { PING, PING_NAT, FIND_NODE, DOWN_HINT, DELAYED_PING } = INTERNAL_COMMANDS

const noop = (): void => {}

/**
 * A dht-rpc node: UDP RPC with a Kademlia routing table, iterative queries, round-trip tokens,
 * NAT sampling and the ephemeral → persistent transition (docs/wire-protocol.md §3). Drop-in
 * for `dht-rpc`'s default export; subclasses hook application commands through
 * {@link DHT.onrequest}.
 */
export class DHT
  extends EventEmitter<DHTEvents>
  implements QueryHost, SessionHost, InternalCommandHost, NetworkStateHost, MaintenanceHost
{
  /** Default option values (dht-rpc's three, plus keymesh's). */
  static readonly DEFAULTS = DEFAULTS
  /** Wire error 0. */
  static readonly OK = WIRE_ERRORS.OK
  /** Wire error 1: the command is unknown. */
  static readonly ERROR_UNKNOWN_COMMAND = WIRE_ERRORS.UNKNOWN_COMMAND
  /** Wire error 2: the round-trip token is invalid. */
  static readonly ERROR_INVALID_TOKEN = WIRE_ERRORS.INVALID_TOKEN

  /** Bootstrap entries, parsed (not yet resolved). */
  readonly bootstrapNodes: HostPort[]
  readonly table: RoutingTable
  /** Table nodes ordered by when they were last heard from. */
  readonly nodes = new NodeList()
  readonly udx: UDX
  readonly io: IO
  readonly health: NetworkHealth
  concurrency: number
  readonly maxPingDelay: number
  /** True once the bootstrap lookup finished. */
  bootstrapped = false
  /** True while the node sends no id (not in others' tables). */
  ephemeral = true
  /** True while unsolicited datagrams are believed not to reach the server socket. */
  firewalled: boolean
  /** Decides persistence by itself (the `ephemeral` option was not a boolean). */
  readonly adaptive: boolean
  destroyed = false
  suspended = false
  online = true
  degraded = false
  stats: DHTStats

  /** @internal */
  _nat = new NatSampler()
  /** @internal */
  readonly _filterNode: ((node: Peer) => boolean) | null
  /** @internal maintenance tick counter (random start) */
  _tick: number
  /** @internal ticks until the next idle refresh */
  _refreshTicks: number
  /** @internal ticks until the next adaptive persistence check */
  _stableTicks: number
  /** @internal time of the last tick */
  _lastTick = Date.now()
  /** @internal public host at the last persistence check */
  _lastHost: string | null = null
  /** @internal table checks running */
  _checks = 0
  /** @internal down hints sent this tick */
  _downHintsSentPerTick = 0
  /** @internal id-less senders whose view of us was sampled */
  _nonPersistentSamples: string[] = []
  /** @internal pending DELAYED_PING replies */
  readonly _delayedReplies: DelayedReplies
  /** @internal addresses that recently failed every attempt of a request */
  readonly _dead = new DeadNodes({ max: DEAD_NODES_MAX, ttl: DEAD_NODE_TTL_MS })
  /** @internal */
  readonly _bootstrapping: Promise<void>

  private readonly quickFirewall: boolean
  private readonly forcePersistent: boolean
  private readonly sendDownHints: boolean
  private readonly downHintsRateLimit: number
  private readonly evictAfterTimeouts: number
  private tickInterval: NodeJS.Timeout | null = null
  private probes = 0
  private lastTo: Peer | null = null
  private lastHost = ''
  private destroying: Promise<void> | null = null

  /** @param opts - see {@link DHTOptions} */
  constructor(opts: DHTOptions = {}) {
    super()

    this.bootstrapNodes =
      opts.bootstrap === false ? [] : (opts.bootstrap ?? []).map(parseBootstrapNode)
    this.udx = opts.udx ?? new UDX()
    this.concurrency = opts.concurrency || DEFAULTS.concurrency
    this.maxPingDelay = opts.maxPingDelay || DEFAULTS.maxPingDelay
    this.adaptive = typeof opts.ephemeral !== 'boolean' && opts.adaptive !== false
    this.quickFirewall = opts.quickFirewall !== false
    this.forcePersistent = opts.ephemeral === false
    this.sendDownHints = opts.sendDownHints !== false
    this.downHintsRateLimit = opts.downHintsRateLimit ?? DEFAULTS.downHintsRateLimit
    this.evictAfterTimeouts = opts.evictAfterTimeouts ?? DEFAULTS.evictAfterTimeouts
    // opts.addNode is the deprecated name of filterNode
    this._filterNode = opts.filterNode ?? opts.addNode ?? null
    this._delayedReplies = new DelayedReplies({
      max: opts.maxDelayedPings ?? DEFAULTS.maxDelayedPings,
      maxPerHost: opts.maxDelayedPingsPerHost ?? DEFAULTS.maxDelayedPingsPerHost
    })

    const diversity =
      opts.ipDiversity === false
        ? null
        : new IpDiversity({
            ...opts.ipDiversity,
            maxPerBucket: opts.ipDiversity?.maxPerBucket ?? DEFAULTS.maxPerSubnetPerBucket,
            maxPerTable: opts.ipDiversity?.maxPerTable ?? DEFAULTS.maxPerSubnetPerTable
          })

    this.table = new RoutingTable(randomBytes(32), {
      k: DEFAULTS.k,
      ipDiversity: diversity,
      ping: (node) => this.reping(node),
      tick: () => this._tick,
      canEvict: () => this.bootstrapped && !this.destroyed,
      onadd: (node) => this.onnodeadded(node),
      onremove: (node) => this.onnoderemoved(node),
      onreject: (_, reason) => {
        if (reason === 'ip-diversity') this.stats.table.ipDiversityRejected++
      }
    })

    const rateLimit = opts.rateLimit === false ? null : (opts.rateLimit ?? {})
    this.io = new IO(this.table, this.udx, {
      maxWindow: opts.maxWindow ?? DEFAULTS.maxWindow,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.anyPort !== undefined ? { anyPort: opts.anyPort } : {}),
      ...(opts.firewalled !== undefined ? { firewalled: opts.firewalled } : {}),
      adaptiveTimeout: opts.adaptiveTimeout ?? null,
      requestTimeout: opts.requestTimeout ?? DEFAULTS.requestTimeout,
      rateLimiter:
        rateLimit === null
          ? null
          : new RateLimiter({
              rate: rateLimit.rate ?? DEFAULTS.requestRate,
              burst: rateLimit.burst ?? DEFAULTS.requestBurst,
              maxHosts: rateLimit.maxHosts ?? DEFAULTS.rateLimitMaxHosts,
              exempt: rateLimit.exempt === undefined ? isLoopback : rateLimit.exempt
            }),
      onrequest: (req, external) => this.onrequestreceived(req, external),
      onresponse: (reply, external) => {
        // the set is almost always empty: skip making its key per datagram
        if (this._dead.size > 0) this._dead.delete(addressKey(reply.from))
        this.addNodeFromNetwork(!external, reply.from, reply.to)
      },
      ontimeout: (req) => this.onrequesttimeout(req),
      oncycle: (req) => this.onattempttimeout(req),
      // a lagging node (or a lagging us) answers after we gave up: it is alive, so lookups must
      // not skip it as dead when others list it
      onlate: (host, port) => {
        if (this._dead.size > 0) this._dead.delete(addressKey({ host, port }))
      }
    })
    this.firewalled = this.io.firewalled

    this.health = new NetworkHealth({
      counters: () => this.io.stats.requests,
      onstate: (state) => this.onhealth(state)
    })

    this.stats = {
      queries: { active: 0, total: 0 },
      requests: this.io.stats.requests,
      commands: {
        ping: this.io.stats.commands[PING] as CommandStats,
        pingNat: this.io.stats.commands[PING_NAT] as CommandStats,
        findNode: this.io.stats.commands[FIND_NODE] as CommandStats,
        downHint: this.io.stats.commands[DOWN_HINT] as CommandStats
      },
      dropped: this.io.stats.dropped,
      table: { ipDiversityRejected: 0, evictedAfterTimeouts: 0 }
    }

    // random offsets so a network's ticks do not line up
    this._tick = randomOffset(100)
    this._refreshTicks = randomOffset(REFRESH_TICKS)
    this._stableTicks = this.adaptive ? STABLE_TICKS : 0
    this.startTicking()
    this.watchNetwork()

    this._bootstrapping = this.bootstrap()
    this._bootstrapping.catch(noop)

    if (opts.nodes) {
      for (let i = opts.nodes.length - 1; i >= 0; i--) this.addNode(opts.nodes[i] as HostPort)
    }
  }

  /**
   * A bootstrap node: persistent and not firewalled from the start, with id `H(host:port)`.
   * `port`/`host` must be its public address (bind elsewhere with `opts.host`).
   */
  static bootstrapper<T extends DHT>(
    this: new (opts?: DHTOptions) => T,
    port: number,
    host: string,
    opts?: DHTOptions
  ): T {
    if (!port) throw new Error('Port is required')
    if (!host) throw new Error('Host is required')
    if (host === '0.0.0.0' || host === '::') throw new Error('Invalid host')
    if (!UDX.isIPv4(host)) throw new Error('Host must be a IPv4 address')

    const dht = new this({
      port,
      ephemeral: false,
      firewalled: false,
      anyPort: false,
      bootstrap: [],
      ...opts
    })
    dht._nat.add(host, port)
    return dht
  }

  /** Our node id while persistent, else `null`. */
  get id(): Buffer | null {
    return this.ephemeral ? null : this.table.id
  }

  /** Our public host as other nodes see it, or `null`. */
  get host(): string | null {
    return this._nat.host
  }

  /** Our public port as other nodes see it; 0 if unknown or inconsistent. */
  get port(): number {
    return this._nat.port
  }

  /** True if behind a NAT that picks a new port per destination. */
  get randomized(): boolean {
    return this._nat.host !== null && this._nat.port === 0
  }

  /** The socket requests currently leave from. */
  get socket(): UDX.Socket | null {
    return this.io.socket
  }

  /** Effective settings (hyperdht adds its own fields to this view). */
  get config(): DHTConfig {
    return {
      concurrency: this.concurrency,
      maxWindow: this.io.congestion.maxWindow,
      randomPunchInterval: Reflect.get(this, '_randomPunchInterval'),
      connectionKeepAlive: Reflect.get(this, 'connectionKeepAlive'),
      sendDownHints: this.sendDownHints,
      downHintsRateLimit: this.downHintsRateLimit
    }
  }

  /** @internal default query retransmissions, capped by `evictAfterTimeouts` */
  get _queryRetries(): number {
    return this.evictAfterTimeouts > 0
      ? Math.min(QUERY_RETRIES, this.evictAfterTimeouts - 1)
      : QUERY_RETRIES
  }

  /** Feed a datagram received on another socket (hyperdht's socket pool) into the RPC layer. */
  onmessage(socket: UDX.Socket, buf: Uint8Array, rinfo: HostPort): void {
    if (buf.byteLength > 1) this.io.onmessage(socket, buf, rinfo)
  }

  /** Bind the sockets (also done by bootstrap). */
  bind(): Promise<void> {
    return this.io.bind()
  }

  /** Resolves when the bootstrap lookup finished. */
  fullyBootstrapped(): Promise<void> {
    return this._bootstrapping
  }

  /** Deprecated alias of {@link DHT.fullyBootstrapped}. */
  ready(): Promise<void> {
    return this.fullyBootstrapped()
  }

  /** Local address of the socket requests leave from. */
  address(): UDX.SocketAddress | null {
    const socket = this.socket
    return socket ? socket.address() : null
  }

  /** This machine's LAN address with the server socket's port. */
  localAddress(): HostPort | null {
    const server = this.io.serverSocket
    if (server === null) return null
    return { host: localIP(this.udx), port: (server.address() as UDX.SocketAddress).port }
  }

  /** Our public address, if it is known, consistent and reachable (not firewalled). */
  remoteAddress(): HostPort | null {
    if (!this.host || !this.port || this.firewalled) return null
    const server = this.io.serverSocket
    if (server === null) return null
    const port = (server.address() as UDX.SocketAddress).port
    if (port !== this.port) return null
    return { host: this.host, port }
  }

  /** Add `{ host, port }` to the routing table. */
  addNode(node: HostPort): void {
    this._addNode(createNode(nodeId(node.host, node.port), node.host, node.port, this._tick))
  }

  /** The routing table as `{ host, port }`s, most recently heard from first. */
  toArray(opts?: { limit?: number }): HostPort[] {
    const limit = opts?.limit
    if (limit === 0) return []
    return this.nodes
      .toArray({ ...(limit !== undefined ? { limit } : {}), reverse: true })
      .map(({ host, port }) => ({ host, port }))
  }

  /** Look up the nodes closest to `target` (internal FIND_NODE). */
  findNode<T = Reply>(target: Uint8Array, opts?: QueryOptions<T>): Query<T> {
    if (this.destroyed) throw DHTError.NODE_DESTROYED()
    this._refreshTicks = REFRESH_TICKS
    return new Query<T>(this, target, true, FIND_NODE, null, opts)
  }

  /** Run an iterative query of an application command toward `target`. */
  query<T = Reply>({ target, command, value }: QueryInput, opts?: QueryOptions<T>): Query<T> {
    if (this.destroyed) throw DHTError.NODE_DESTROYED()
    this._refreshTicks = REFRESH_TICKS
    return new Query<T>(this, target, false, command, value ?? null, opts)
  }

  /** PING `to`; `opts.size` pads the request with that many zero bytes. */
  ping(to: HostPort, opts?: RequestOptions & { size?: number }): Promise<Reply> {
    const value = opts?.size && opts.size > 0 ? (b4a.alloc(opts.size) as Buffer) : null
    const req = this.io.createRequest(
      { id: null, host: to.host, port: to.port },
      null,
      true,
      PING,
      null,
      value,
      opts?.session ?? null,
      opts?.ttl
    )
    return this.requestToPromise(req, opts)
  }

  /** Ask `to` to answer after `delayMs` (DELAYED_PING); throws if over `maxPingDelay`. */
  delayedPing(to: HostPort, delayMs: number, opts?: RequestOptions): Promise<Reply> {
    if (delayMs > this.maxPingDelay) {
      throw new Error(`Delay exceeds max delay: ${this.maxPingDelay}ms`)
    }
    const req = this.io.createRequest(
      { id: null, host: to.host, port: to.port },
      null,
      true,
      DELAYED_PING,
      null,
      encode(delayedPingValue, delayMs),
      opts?.session ?? null,
      opts?.ttl
    )
    if (req !== null) req.timeout = delayMs + DELAYED_PING_GRACE_MS
    return this.requestToPromise(req, opts)
  }

  /** Send one application request to `to`. */
  request(
    { token = null, command, target = null, value = null }: RequestInput,
    to: HostPort,
    opts?: RequestOptions
  ): Promise<Reply> {
    const req = this.io.createRequest(
      { id: null, host: to.host, port: to.port },
      token === null ? null : asBuffer(token),
      false,
      command,
      target === null ? null : asBuffer(target),
      value === null ? null : asBuffer(value),
      opts?.session ?? null,
      opts?.ttl
    )
    return this.requestToPromise(req, opts)
  }

  /** A new session: requests and queries started through it can be cancelled together. */
  session(): Session {
    return new Session(this)
  }

  /** Look up a random table node (or our own id) in the background. */
  refresh(): void {
    const node = this.table.random()
    this.backgroundQuery(node ? node.id : this.table.id).on('error', noop)
  }

  /** Round-trip statistics of a lookup toward the most recently seen node. */
  async rttStats(): Promise<RttStats> {
    const stats: RttStats = {
      successes: 0,
      errors: 0,
      responses: { avgRtt: 0, errors: 0, avgCloserNodes: 0 },
      closestReplies: { avgRtt: 0, errors: 0, avgCloserNodes: 0 }
    }
    const latest = this.nodes.latest
    if (latest === null) return stats

    const q = this.findNode(latest.id)
    let responses = 0
    for await (const m of q) {
      stats.responses.avgRtt += m.rtt
      stats.responses.errors += m.error
      stats.responses.avgCloserNodes += m.closerNodes?.length ?? 0
      responses++
    }
    stats.responses.avgRtt /= responses
    stats.responses.avgCloserNodes /= responses

    for (const m of q.closestReplies) {
      stats.closestReplies.avgRtt += m.rtt
      stats.closestReplies.errors += m.error
      stats.closestReplies.avgCloserNodes += m.closerNodes?.length ?? 0
    }
    const closest = q.closestReplies.length
    stats.closestReplies.avgRtt /= closest
    stats.closestReplies.avgCloserNodes /= closest
    stats.successes = q.successes
    stats.errors = q.errors
    return stats
  }

  /**
   * Handle an application request. Return `false` (no listener) to answer UNKNOWN_COMMAND.
   * The default emits `'request'`; subclasses (hyperdht) override it.
   */
  onrequest(req: Request): boolean {
    return this.emit('request', req)
  }

  /** Prepare for the app going to the background: fail requests, close sockets, stop ticking. */
  async suspend({ log = noop }: { log?: (msg: string) => void } = {}): Promise<void> {
    log('Suspending waiting for io bind...')
    await this.io.bind().catch(noop)
    log('Done, continuing')
    if (this.suspended || this.destroyed) return
    this.suspended = true
    this.stopTicking()
    this._delayedReplies.clear()
    log('Done, suspending io')
    await this.io.suspend()
    log('Done, dht suspended')
    this.emit('suspend')
  }

  /** Undo {@link DHT.suspend}: rebind (same ports where possible), re-ping, refresh. */
  async resume({ log = noop }: { log?: (msg: string) => void } = {}): Promise<void> {
    if (!this.suspended || this.destroyed) return
    this.suspended = false
    this.startTicking()
    wakeup(this)
    log('Resuming io')
    await this.io.resume()
    log('Done, dht resumed')
    if (this.destroyed) return
    this.watchNetwork()
    this.refresh()
    this.emit('resume')
  }

  /** Shut down: fail every request, close the sockets, clear every timer; emits `'close'` once. */
  destroy(): Promise<void> {
    if (this.destroying !== null) return this.destroying
    this.destroyed = true
    this.stopTicking()
    this._delayedReplies.clear()
    this._dead.clear()
    this.destroying = this.io.destroy().then(() => {
      this.emit('close')
    })
    return this.destroying
  }

  // requests ------------------------------------------------------------------------------

  /** @internal send one request with callbacks (queries, maintenance) */
  _request(
    to: Peer,
    force: boolean,
    internal: boolean,
    command: number,
    target: Buffer | null,
    value: Buffer | null,
    session: QuerySession | null,
    onresponse: (reply: Reply, req: Request) => void,
    onerror: (err: Error, req: Request) => void
  ): Request | null {
    const req = this.io.createRequest(to, null, internal, command, target, value, session)
    if (req === null) return null
    req.onresponse = onresponse
    req.onerror = onerror
    try {
      req.send(force)
    } catch (err) {
      req.destroy(err as Error)
    }
    return req
  }

  /** @internal rate-limited DOWN_HINT: tell `to` that `down` did not answer */
  _sendDownHint(to: Peer, down: HostPort, session: QuerySession | null): void {
    if (!this.sendDownHints) return
    if (this.downHintsRateLimit !== -1 && this._downHintsSentPerTick >= this.downHintsRateLimit) {
      return
    }
    this._downHintsSentPerTick++
    const value = encode(downHintValue, { host: down.host, port: down.port })
    this._request(to, false, true, DOWN_HINT, null, value, session, noop, noop)
  }

  /** @internal bootstrap nodes with ids (pings `ip@host` suggestions, resolves hostnames) */
  _resolveBootstrapNodes(): AsyncGenerator<IdentifiedPeer> {
    return resolveBootstrapNodes(this.bootstrapNodes, {
      ping: (to) => this.ping(to),
      lookup: async (hostname) => (await this.udx.lookup(hostname, { family: 4 })).host
    })
  }

  private requestToPromise(req: Request | null, opts?: RequestOptions): Promise<Reply> {
    if (req === null) return Promise.reject(DHTError.NODE_DESTROYED())
    if (opts?.socket) req.socket = opts.socket
    if (opts?.retry === false) req.retries = 0
    const signal = opts?.signal ?? null

    // without a signal the settle callbacks need no wrappers (and no per-request closures)
    if (signal === null) {
      return new Promise<Reply>((resolve, reject) => {
        req.onresponse = resolve
        req.onerror = reject
        try {
          req.send()
        } catch (err) {
          req.destroy(err as Error)
        }
      })
    }

    return new Promise<Reply>((resolve, reject) => {
      let cleanup = (): void => {}
      req.onresponse = (reply) => {
        cleanup()
        resolve(reply)
      }
      req.onerror = (err) => {
        cleanup()
        reject(err)
      }
      if (signal.aborted) {
        req.destroy(abortReason(signal))
        return
      }
      cleanup = onAbort(signal, () => req.destroy(abortReason(signal)))
      try {
        req.send()
      } catch (err) {
        req.destroy(err as Error)
      }
    })
  }

  // incoming ------------------------------------------------------------------------------

  private onrequestreceived(req: Request, external: boolean): void {
    const from = req.from as Peer
    if (this._dead.size > 0) this._dead.delete(addressKey(from))
    if (from.id !== null) this.addNodeFromNetwork(!external, from, req.to)

    if (!req.internal) {
      if (this.onrequest(req) === false) {
        req.sendReply(WIRE_ERRORS.UNKNOWN_COMMAND, null, false, req.target !== null)
      }
      return
    }

    answerInternalCommand(this, req)
  }

  private onrequesttimeout(req: Request): void {
    // a live node may ignore an application command, but never a retried PING or FIND_NODE
    if (req.sent >= 2 && req.internal && (req.command === PING || req.command === FIND_NODE)) {
      this._dead.add(addressKey(req.to))
    }
    if (req.to.id === null) return
    const node = this.table.get(req.to.id)
    if (node !== null) this._removeNode(node)
  }

  // quick eviction: a table node that keeps timing out leaves before its requests run out
  private onattempttimeout(req: Request): void {
    if (this.evictAfterTimeouts <= 0 || req.to.id === null) return
    const node = this.table.get(req.to.id)
    if (node === null || ++node.timeouts < this.evictAfterTimeouts) return
    this.stats.table.evictedAfterTimeouts++
    this._dead.add(addressKey(node))
    this._removeNode(node)
  }

  // routing table ---------------------------------------------------------------------------

  private addNodeFromNetwork(sample: boolean, from: Peer, to: Peer): void {
    if (this._filterNode !== null && !this._filterNode(from)) return
    if (from.id === null) {
      this.sampleBootstrapMaybe(from, to)
      return
    }

    const known = this.table.get(from.id)
    if (known !== null) {
      if (sample && (known.sampled === 0 || this._tick - known.sampled >= OLD_NODE_TICKS)) {
        known.to = this.sharedTo(to)
        known.sampled = this._tick
        this.natAdd(to.host, to.port)
      }
      known.pinged = known.seen = this._tick
      known.timeouts = 0
      this.nodes.add(known)
      return
    }

    const node = createNode(from.id, this.sharedHost(from.host), from.port, this._tick)
    node.to = this.sharedTo(to)
    this._addNode(node)
  }

  // Table nodes live long, and most carry the same values: every peer reports (nearly) the same
  // address for us, and peers often share a host. Keeping the previous equal object or string
  // instead of one copy per node takes ~80 bytes off each table node.
  private sharedTo(to: Peer): Peer {
    const last = this.lastTo
    if (last !== null && last.host === to.host && last.port === to.port && last.id === to.id) {
      return last
    }
    this.lastTo = to
    return to
  }

  private sharedHost(host: string): string {
    if (host === this.lastHost) return this.lastHost
    this.lastHost = host
    return host
  }

  /** @internal */
  _addNode(node: DHTNode): void {
    if (this.nodes.has(node) || this.table.has(node.id) || b4a.equals(node.id, this.table.id)) {
      return
    }
    this.table.add(node)
  }

  private onnodeadded(node: DHTNode): void {
    node.added = node.pinged = node.seen = this._tick
    this.nodes.add(node)
    if (node.to !== null && node.sampled === 0) {
      node.sampled = this._tick
      this.natAdd(node.to.host, node.to.port)
    }
    this.emit('add-node', node)
  }

  private onnoderemoved(node: DHTNode): void {
    this.nodes.remove(node)
    this.emit('remove-node', node)
  }

  /** @internal drop a node from the table and the node list */
  _removeNode(node: DHTNode): void {
    if (!this.nodes.has(node)) return
    if (this.table.get(node.id) === node) this.table.remove(node.id)
    else this.nodes.remove(node)
  }

  // full-row check: does the old member still answer with its id?
  private reping(node: DHTNode): Promise<boolean> {
    return new Promise((resolve) => {
      const req = this._request(
        { id: null, host: node.host, port: node.port },
        false,
        true,
        PING,
        null,
        null,
        null,
        (reply) => resolve(reply.from.id !== null && b4a.equals(reply.from.id, node.id)),
        (err) => resolve((err as DHTError).code !== 'REQUEST_TIMEOUT')
      )
      if (req === null) resolve(true)
    })
  }

  /**
   * @internal a query gave up waiting on `peer` after a timeout: hint the nodes that listed it
   * (outside the query's session, which is being destroyed) and confirm with a ping of our own;
   * a table node that fails is dropped, any node that fails is remembered as dead for a while
   */
  _suspectNode(peer: Peer, referrers: readonly Peer[]): void {
    if (this.evictAfterTimeouts <= 0) return
    for (const ref of referrers) this._sendDownHint(ref, peer, null)
    if (this.probes >= MAX_SUSPECT_PROBES || this._dead.has(addressKey(peer))) return
    const node = peer.id === null ? null : this.table.get(peer.id)
    if (node !== null) {
      if (node.pinged < this._tick && this._checks < MAX_DOWN_HINT_CHECKS) this._check(node)
      return
    }
    this.probes++
    const done = (): void => {
      this.probes--
    }
    const to = { id: null, host: peer.host, port: peer.port }
    const req = this._request(to, false, true, PING, null, null, null, done, done)
    if (req === null) done()
    // it already missed at least one attempt in the query: two more settle it
    else req.retries = 1
  }

  /** @internal true if `node` failed every attempt of a request recently */
  _isDead(node: HostPort): boolean {
    return this.evictAfterTimeouts > 0 && this._dead.size > 0 && this._dead.has(addressKey(node))
  }

  /** @internal ping a table node; drop it if it does not answer with its id */
  _check(node: DHTNode): void {
    check(this, node)
  }

  // NAT -------------------------------------------------------------------------------------

  private natAdd(host: string, port: number): void {
    const { host: prevHost, port: prevPort } = this._nat
    this._nat.add(host, port)
    if (prevHost === this._nat.host && prevPort === this._nat.port) return
    this.emit('nat-update', this._nat.host, this._nat.port)
  }

  // senders without an id are sampled too, but only as many as there are bootstrap nodes
  private sampleBootstrapMaybe(from: Peer, to: Peer): void {
    if (this._nonPersistentSamples.length >= Math.max(1, this.bootstrapNodes.length)) return
    const key = from.host + ':' + from.port
    if (this._nonPersistentSamples.includes(key)) return
    this._nonPersistentSamples.push(key)
    this.natAdd(to.host, to.port)
  }

  /** @internal try the ephemeral -> persistent transition (§3.13) */
  _updateNetworkState(onlyFirewall = false): Promise<boolean> {
    return updateNetworkState(this, onlyFirewall)
  }

  // lifecycle -------------------------------------------------------------------------------

  private async bootstrap(): Promise<void> {
    await Promise.resolve() // let subclass constructors finish first
    await this.io.bind()
    if (this.destroyed) return
    this.emit('listening')

    // quick NAT heuristic: if the first responder can reach our server socket unsolicited,
    // run the firewall check right after the lookup
    let first = this.firewalled && this.quickFirewall && !this.forcePersistent
    let testNat = false
    const onlyFirewall = !this.forcePersistent

    const ondata = (data: unknown): void => {
      if (!first) return
      first = false
      const server = this.io.serverSocket
      if (server === null) return
      const value = encode(pingNatValue, (server.address() as UDX.SocketAddress).port)
      const to = (data as Reply).from
      this._request(to, false, true, PING_NAT, null, value, null, () => (testNat = true), noop)
    }

    for (let i = 0; i < 2; i++) {
      await this.backgroundQuery(this.table.id).on('data', ondata).finished()
      if (this.bootstrapped || (!testNat && !this.forcePersistent)) break
      if (!(await this._updateNetworkState(onlyFirewall))) break
    }

    if (this.bootstrapped || this.destroyed) return
    this.bootstrapped = true
    this.emit('ready')
  }

  private backgroundQuery(target: Buffer): Query {
    this._refreshTicks = REFRESH_TICKS
    const background = Math.min(this.concurrency, Math.max(2, Math.floor(this.concurrency / 8)))
    const q = new Query(this, target, true, FIND_NODE, null, { concurrency: background })
    // yield to other traffic: full speed only while little else is in flight
    q.on('data', () => {
      q.concurrency = this.io.inflight.length < 3 ? this.concurrency : background
    })
    return q
  }

  private startTicking(): void {
    this._lastTick = Date.now()
    this.tickInterval = setInterval(() => this._ontick(), TICK_INTERVAL_MS)
    this.tickInterval.unref()
  }

  private stopTicking(): void {
    if (this.tickInterval !== null) clearInterval(this.tickInterval)
    this.tickInterval = null
  }

  private watchNetwork(): void {
    this.io.networkInterfaces.on('change', (interfaces) => {
      this.emit('network-change', interfaces)
      this.emit('network-update')
    })
  }

  /** @internal one maintenance tick (§3.9); runs every 5 s */
  _ontick(): void {
    tick(this)
  }

  private onhealth(state: HealthState): void {
    const online = state !== 'offline'
    const degraded = state === 'degraded'
    if (this.online === online && this.degraded === degraded) return
    this.online = online
    this.degraded = degraded
    this.emit('network-update')
  }
}

function localIP(udx: UDX): string {
  let host: string | null = null
  for (const n of udx.networkInterfaces()) {
    if (n.family !== 4 || n.internal) continue
    // macOS's primary interface wins when present
    if (n.name === 'en0') return n.host
    if (host === null) host = n.host
  }
  return host ?? '127.0.0.1'
}

function randomOffset(n: number): number {
  return n - Math.floor(Math.random() * 0.5 * n)
}
