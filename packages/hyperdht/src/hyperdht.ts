// HyperDHT: the dht-rpc node plus hyperdht's record commands, client operations and statics.

import { DHT } from '@keymesh/dht-rpc'
import type {
  DHTStats,
  HostPort,
  Peer as RpcPeer,
  Query,
  QueryOptions,
  Request,
  Session
} from '@keymesh/dht-rpc'
import { Holepuncher, RandomPunchLimiter, SocketPool } from '@keymesh/holepunch'
import type { HolepunchTransport } from '@keymesh/holepunch'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type UDX from 'udx-native'
import type { KeyPair } from '@keymesh/crypto'
import { hash, keyPair as createKeyPair } from '@keymesh/crypto'
import type { PeerAddress } from '@keymesh/wire'
import { COMMANDS, FIREWALL, KEYMESH_COMMAND_BASE } from '@keymesh/wire'
import { defaultSignAnnounce, defaultSignUnannounce, requestAnnounce } from './announce.js'
import { requestUnannounce } from './announce.js'
import type { AnnounceSigner } from './announce.js'
import { connect } from './connect.js'
import type { ConnectOptions } from './connect.js'
import { ConnectionPool } from './connection-pool.js'
import { BOOTSTRAP_NODES, DEFAULTS, DEFAULT_PORT } from './constants.js'
import { HyperDHTError } from './errors.js'
import { Extensions, type ExtensionStats } from './extension-commands.js'
import { immutableGet, immutablePut } from './immutable.js'
import { namedGet, namedPut, signNamed } from './named-record.js'
import type { NamedPutResult, NamedRecord, NamedResult, NamedSetOptions } from './named-record.js'
import type { Watch, WatchOptions, WatchTarget } from './watch.js'
import type { ImmutablePutOptions, ImmutablePutResult, RecordQueryOptions } from './immutable.js'
import { mutableGet, mutablePut } from './mutable.js'
import type { MutableGetOptions, MutablePutOptions, MutablePutResult } from './mutable.js'
import type { HyperDHTOptions, HyperDHTStats } from './options.js'
import { Persistent } from './persistent.js'
import { onPeerHandshake, onPeerHolepunch } from './peer-routing.js'
import { RawStreamSet } from './raw-stream-set.js'
import { RecentMap } from './recent-map.js'
import { RelayServer } from './relay-server.js'
import type { RelayServerOptions } from './relay-server.js'
import { mapFindPeer, mapLookup } from './reply-maps.js'
import type { FindPeerResult, ImmutableResult, LookupResult, MutableResult } from './reply-maps.js'
import { Router } from './router.js'
import { Server } from './server.js'
import type { ServerOptions } from './server.js'
import { validateLocalAddresses } from './validate-local-addresses.js'
import { NodeStorage } from './node-storage.js'
import { StorageBinding } from './storage-binding.js'
import { Republisher, republishSettings } from './republisher.js'
import { announceKey } from './published-record.js'
import type { RepublishedRecord } from './published-record.js'
import type { HostPort as NodeAddress } from '@keymesh/dht-rpc'

/** Options of `lookup()` and `findPeer()`: dht-rpc query options. */
export type LookupOptions = Omit<QueryOptions<never>, 'map'>

/** Options of `findPeer()`. */
export interface FindPeerOptions extends LookupOptions {
  /** `false`: `publicKey` is already the target (no hashing). @default true */
  hash?: boolean
}

/** Options of `announce()`. */
export interface AnnounceOptions extends LookupOptions {
  /** Unannounce from nodes that hold an older record of ours first. */
  clear?: boolean
  /** Freshness hint stored with the topic (unsigned). @default 0 */
  bump?: number
  signAnnounce?: AnnounceSigner
  signUnannounce?: AnnounceSigner
  /**
   * keymesh extra: keep re-announcing until `unannounce` or `republisher.cancel(key)` (see
   * `republish` options); with `storage`, also after a restart. @default false
   */
  keepAlive?: boolean
}

/** Options of `unannounce()` and `lookupAndUnannounce()`. */
export interface UnannounceOptions extends LookupOptions {
  signUnannounce?: AnnounceSigner
}

// always skip these misconfigured testnet nodes of the public network, as hyperdht does
function mainnetFilter(node: RpcPeer): boolean {
  return (
    !(node.port === 49738 && (node.host === '134.209.28.98' || node.host === '167.99.142.185')) &&
    !(node.port === 9400 && node.host === '35.233.47.252') &&
    node.host !== '150.136.142.116'
  )
}

const noop = (): void => {}

/**
 * A HyperDHT node: a drop-in for the `hyperdht` package's default export (connections, records,
 * announces and lookups). Extends the {@link DHT} routing node.
 */
export class HyperDHT extends DHT {
  /** `HyperDHT.DEFAULTS`: dht-rpc's plus `connectionKeepAlive` and `randomPunchInterval`. */
  static override readonly DEFAULTS = DEFAULTS
  /** The public bootstrap nodes. */
  static readonly BOOTSTRAP = BOOTSTRAP_NODES
  /** Firewall classes (UNKNOWN, OPEN, CONSISTENT, RANDOM). */
  static readonly FIREWALL = FIREWALL

  /** Key pair used by `createServer().listen()` and `connect()` when none is given. */
  readonly defaultKeyPair: KeyPair
  /** Servers of this node that are listening (or starting to). */
  readonly listening = new Set<Server>()
  /** Secret-stream keep-alive in ms (0 = off). */
  readonly connectionKeepAlive: number
  /** Registered plugins by name. */
  readonly plugins = new Map<string, unknown>()
  /** keymesh extra: refreshes what this node published with `keepAlive: true`. */
  readonly republisher: Republisher
  /** @internal the open `storage`, or null */
  readonly _storage: StorageBinding | null
  declare stats: HyperDHTStats

  /** @internal self-announced and local servers */
  readonly _router: Router
  /** @internal the record store; created when the node becomes persistent */
  _persistent: Persistent | null = null
  /** @internal keymesh extension commands: watches and named records */
  readonly _extensions: Extensions
  /** UDX streams of this node's connections. */
  readonly rawStreams: RawStreamSet
  /** @internal holepunch sockets */
  readonly _socketPool: SocketPool
  /** @internal random-NAT punches: one at a time, `randomPunchInterval` apart */
  readonly _punchLimiter: RandomPunchLimiter
  /** @internal each server's last relay addresses, for the next connect */
  readonly _relayAddressesCache: RecentMap<HostPort[]>
  /** @internal false while suspending: no new connections */
  _connectable = true
  private readonly storeOptions: HyperDHTOptions
  private readonly deferRandomPunch: boolean
  private readonly validatedLocal = new Map<string, Promise<boolean>>()

  /** @param opts - see {@link HyperDHTOptions} */
  constructor(opts: HyperDHTOptions = {}) {
    const userFilter = opts.filterNode ?? null
    // checked before anything opens, so a bad option leaves nothing behind
    const republish = republishSettings(opts.republish)
    const storage = opts.storage === undefined ? null : NodeStorage.open(opts.storage)
    // keymesh extra: a node that was persistent before its restart tries to be so again at once
    const wasPersistent = storage !== null && storage.wasPersistent && opts.ephemeral === undefined
    super({
      ...opts,
      port: opts.port || DEFAULT_PORT,
      bootstrap: opts.bootstrap === false ? [] : opts.bootstrap || BOOTSTRAP_NODES,
      nodes: [
        ...(opts.nodes || []),
        ...(storage === null ? [] : StorageBinding.warmNodes(storage))
      ],
      ...(wasPersistent ? { ephemeral: false } : {}),
      // hyperdht replaces the filter; keymesh also applies the caller's (an extra)
      filterNode:
        userFilter === null ? mainnetFilter : (node) => mainnetFilter(node) && userFilter(node)
    })
    this.defaultKeyPair = opts.keyPair || createKeyPair(opts.seed)
    this.connectionKeepAlive =
      opts.connectionKeepAlive === false
        ? 0
        : opts.connectionKeepAlive || DEFAULTS.connectionKeepAlive
    this.stats = {
      punches: { consistent: 0, random: 0, open: 0 },
      relaying: { attempts: 0, successes: 0, aborts: 0 },
      records: null,
      // the routing layer's counters, which it keeps updating in place
      ...(this.stats as DHTStats)
    }
    this.storeOptions = opts
    this.rawStreams = new RawStreamSet(this.udx)
    this._socketPool = new SocketPool({
      udx: this.udx,
      host: opts.host || '0.0.0.0',
      onmessage: (socket, buf, rinfo) => this.onmessage(socket, buf, rinfo)
    })
    this.deferRandomPunch = opts.deferRandomPunch === true
    this._punchLimiter = new RandomPunchLimiter({
      interval: opts.randomPunchInterval || DEFAULTS.randomPunchInterval,
      defer: this.deferRandomPunch
    })
    this._relayAddressesCache = new RecentMap(Math.min(opts.maxSize || 65536, 512))
    this._router = new Router({
      ...(opts.maxSize !== undefined ? { maxSize: opts.maxSize } : {}),
      ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {})
    })
    this._extensions = new Extensions(this, opts.watch ?? {})
    // an id (persistence) is what makes other nodes store records here (§4.4)
    this._storage = storage === null ? null : new StorageBinding(this, storage)
    this.republisher = new Republisher(this, storage?.published ?? null, republish)
    this.once('persistent', () => {
      if (this.destroyed) return
      this._persistent = new Persistent(this, this._router, {
        ...storeOptionsOf(this.storeOptions),
        journal: this._storage?.journal ?? null
      })
      this.stats.records = this._persistent.stats
    })
    this.on('network-change', () => {
      for (const server of this.listening) server.refresh()
    })
    this.on('network-update', () => {
      if (!this.online) return
      for (const server of this.listening) server.notifyOnline()
    })
  }

  /**
   * Open an encrypted connection to the server listening on `remotePublicKey` (bytes, hex,
   * z-base32 or a hyperdht address). Returns the stream at once; see {@link ConnectOptions}.
   */
  connect(remotePublicKey: Uint8Array | string, opts: ConnectOptions = {}): NoiseSecretStream {
    return connect(this, remotePublicKey, opts)
  }

  /** A server for incoming connections; `listen(keyPair)` makes it reachable. */
  createServer(
    opts?: ServerOptions | ((socket: NoiseSecretStream) => void),
    onconnection?: (socket: NoiseSecretStream) => void
  ): Server {
    if (typeof opts === 'function') return this.createServer({}, opts)
    const options = opts ?? {}
    const handler = options.onconnection ?? onconnection
    const server = new Server(this, options)
    if (handler !== undefined) server.on('connection', handler)
    return server
  }

  /**
   * keymesh extra: a blind relay for others (§9). `await relay.listen(keyPair)`, then peers pass
   * `relay.publicKey` as `relayThrough` to connect() or createServer().
   */
  createRelayServer(opts: RelayServerOptions = {}): RelayServer {
    return new RelayServer(this, opts)
  }

  /** A pool that keeps one connection per remote key. */
  pool(): ConnectionPool {
    return new ConnectionPool()
  }

  /** A UDX stream with a fresh id, for protocols that open extra raw streams. */
  createRawStream(opts: UDX.StreamOptions = {}): UDX.Stream {
    return this.rawStreams.add(opts)
  }

  /** Connect `rawStream` to `remoteId` over the same path as `encryptedStream`. */
  static connectRawStream(
    encryptedStream: NoiseSecretStream,
    rawStream: UDX.Stream,
    remoteId: number
  ): void {
    const stream = encryptedStream.rawStream as UDX.Stream | null
    if (stream === null || !stream.connected || stream.socket === null) {
      throw new HyperDHTError('STREAM_NOT_CONNECTED')
    }
    rawStream.connect(stream.socket, remoteId, stream.remotePort, stream.remoteHost ?? undefined)
  }

  /** The subset of `addresses` this machine can really send to itself on (cached per host). */
  validateLocalAddresses(addresses: readonly HostPort[]): Promise<HostPort[]> {
    return validateLocalAddresses(this.udx, this.validatedLocal, addresses)
  }

  /** @internal a holepuncher whose NAT sampling and pings run in `session` */
  _createHolepuncher(isInitiator: boolean, remoteFirewall: number, session?: Session): Holepuncher {
    return new Holepuncher({
      pool: this._socketPool,
      transport: this._holepunchTransport(session ?? this.session()),
      isInitiator,
      remoteFirewall,
      stats: this.stats.punches,
      limiter: this._punchLimiter
    })
  }

  private _holepunchTransport(session: Session): HolepunchTransport {
    const nodes = this.nodes
    const dht = this
    return {
      get firewalled() {
        return dht.firewalled
      },
      get nodeCount() {
        return nodes.length
      },
      *nodes() {
        for (let node = nodes.latest; node !== null; node = node.prev) yield node
      },
      async ping(node, socket) {
        const res = await session.ping(node, { socket, retry: false })
        return {
          to: { host: res.to.host, port: res.to.port },
          from: { host: res.from.host, port: res.from.port }
        }
      }
    }
  }

  /** Unannounce servers, fail connections and sockets, then suspend the routing node. */
  override async suspend({ log = noop }: { log?: (msg: string) => void } = {}): Promise<void> {
    this._connectable = false
    await Promise.allSettled([...this.listening].map((s) => s.suspend()))
    await this.rawStreams.clear()
    await super.suspend({ log })
    await this.rawStreams.clear()
    this._connectable = true
  }

  /** Resume the routing node, then the servers. */
  override async resume({ log = noop }: { log?: (msg: string) => void } = {}): Promise<void> {
    if (this.deferRandomPunch) this._punchLimiter.defer()
    await super.resume({ log })
    await Promise.allSettled([...this.listening].map((s) => s.resume()))
  }

  /** An Ed25519 key pair, random or from a 32-byte seed. */
  static keyPair(seed?: Uint8Array): KeyPair {
    return createKeyPair(seed)
  }

  /** BLAKE2b-256, the hash of topics, targets and immutable values. */
  static hash(data: Uint8Array): Buffer {
    return hash(data)
  }

  /** Find the server announced under `publicKey` (a stream of {@link FindPeerResult}). */
  findPeer(publicKey: Uint8Array, opts: FindPeerOptions = {}): Query<FindPeerResult> {
    const { hash: hashIt, ...rest } = opts
    const target = hashIt === false ? publicKey : hash(publicKey)
    return this.query({ target, command: COMMANDS.FIND_PEER, value: null }, {
      ...rest,
      map: mapFindPeer
    } as QueryOptions<FindPeerResult>)
  }

  /** Find the peers announced on `topic` (a stream of {@link LookupResult}). */
  lookup(topic: Uint8Array, opts: LookupOptions = {}): Query<LookupResult> {
    return this.query({ target: topic, command: COMMANDS.LOOKUP, value: null }, {
      ...opts,
      map: mapLookup
    } as QueryOptions<LookupResult>)
  }

  /**
   * Announce `keyPair.publicKey` on `topic` to the closest nodes; returns the LOOKUP stream,
   * whose `finished()` resolves once the announces were committed.
   */
  announce(
    topic: Uint8Array,
    keyPair: KeyPair,
    relayAddresses: readonly PeerAddress[] = [],
    opts: AnnounceOptions = {}
  ): Query<LookupResult> {
    const sign = opts.signAnnounce || defaultSignAnnounce
    const bump = opts.bump || 0
    const signal = opts.signal
    const { clear, bump: _, signAnnounce: __, keepAlive, ...rest } = opts
    const kept = keepAlive === true ? this.keepAnnounce(topic, keyPair, relayAddresses, opts) : null
    const next = {
      ...rest,
      commit: async (reply: { token: Buffer | null; from: RpcPeer }) => {
        // keymesh extra: kept (durably, with storage) before the first announce goes out
        if (kept !== null) await kept()
        return requestAnnounce(this, {
          keyPair,
          target: topic,
          token: reply.token,
          from: reply.from,
          relayAddresses: relayAddresses || [],
          sign,
          bump,
          signal
        })
      }
    }
    return clear
      ? this.lookupAndUnannounce(topic, keyPair, next)
      : this.lookup(topic, next as LookupOptions)
  }

  /**
   * LOOKUP `topic` and UNANNOUNCE `keyPair` from every node that lists it (or is full); the
   * returned stream is the lookup's. Also drops our own stored record for it.
   */
  lookupAndUnannounce(
    topic: Uint8Array,
    keyPair: KeyPair,
    opts: UnannounceOptions = {}
  ): Query<LookupResult> {
    const unannounces: Promise<unknown>[] = []
    const sign = opts.signUnannounce || defaultSignUnannounce
    const userCommit = opts.commit
    const signal = opts.signal
    const { signUnannounce: _, ...rest } = opts
    if (this._persistent !== null) this._persistent.unannounce(topic, keyPair.publicKey)
    // keymesh extra: an unannounce also stops keeping the announce alive (durably, with storage)
    unannounces.push(this.republisher.cancel(announceKey(topic, keyPair.publicKey)).catch(noop))

    const map = (reply: Parameters<typeof mapLookup>[0]): LookupResult | null => {
      const data = mapLookup(reply)
      if (data === null || data.token === null || data.from.id === null) return data
      const listed =
        data.peers.length >= 20 || data.peers.some((p) => p.publicKey.equals(keyPair.publicKey))
      if (!listed) return data
      unannounces.push(
        requestUnannounce(this, {
          keyPair,
          target: topic,
          token: data.token,
          from: data.from,
          sign,
          signal
        }).catch(noop)
      )
      return data
    }

    const commit: QueryOptions['commit'] = async (reply, dht, query) => {
      await Promise.all(unannounces)
      if (typeof userCommit === 'function') return userCommit(reply, dht, query)
      return null
    }
    return this.query({ target: topic, command: COMMANDS.LOOKUP, value: null }, {
      ...rest,
      map,
      commit
    } as QueryOptions<LookupResult>)
  }

  /** Remove `keyPair`'s announce on `topic` from the nodes that hold it. */
  async unannounce(
    topic: Uint8Array,
    keyPair: KeyPair,
    opts: UnannounceOptions = {}
  ): Promise<void> {
    await this.lookupAndUnannounce(topic, keyPair, opts).finished()
  }

  /** Store `value` under `H(value)`; see {@link ImmutablePutResult}. */
  async immutablePut(
    value: Uint8Array,
    opts: ImmutablePutOptions = {}
  ): Promise<ImmutablePutResult> {
    const { keepAlive, ...rest } = opts
    if (keepAlive === true && value instanceof Uint8Array) {
      this.republisher._checkRoom(`immutable:${hash(value).toString('hex')}`)
    }
    const result = await immutablePut(this, value, rest)
    if (keepAlive === true) {
      await this.republisher.keep({
        type: 'immutable',
        hash: result.hash,
        value: Buffer.from(value)
      })
    }
    return result
  }

  /** Fetch the value whose hash is `target`, or null. */
  immutableGet(target: Uint8Array, opts: RecordQueryOptions = {}): Promise<ImmutableResult | null> {
    return immutableGet(this, target, opts)
  }

  /** Store a signed record under `H(keyPair.publicKey)`; see {@link MutablePutOptions}. */
  async mutablePut(
    keyPair: KeyPair,
    value: Uint8Array,
    opts: MutablePutOptions = {}
  ): Promise<MutablePutResult> {
    const { keepAlive, ...rest } = opts
    if (keepAlive === true && keyPair?.publicKey instanceof Uint8Array) {
      this.republisher._checkRoom(`mutable:${Buffer.from(keyPair.publicKey).toString('hex')}`)
    }
    const result = await mutablePut(this, keyPair, value, rest)
    const { publicKey, seq, signature } = result
    const record = {
      type: 'mutable',
      publicKey,
      seq,
      value: Buffer.from(value),
      signature
    } as const
    // keymesh extra: keep it alive; a newer seq of a kept record replaces the kept one
    if (keepAlive === true) await this.republisher.keep(record)
    else await this.republisher.supersede(record)
    return result
  }

  /**
   * keymesh extra: `{ nodes, records }` as bittorrent-dht's `toJSON()`: the routing table (give it
   * back as the `nodes` option or to `addNode()`) and the records kept alive (no secret keys).
   */
  toJSON(): { nodes: NodeAddress[]; records: RepublishedRecord[] } {
    return { nodes: this.toArray(), records: this.republisher.list() }
  }

  // the keep of a keepAlive announce, made once, at its first commit (after a clear's cancel)
  private keepAnnounce(
    topic: Uint8Array,
    keyPair: KeyPair,
    relayAddresses: readonly PeerAddress[],
    opts: AnnounceOptions
  ): () => Promise<void> {
    let kept: Promise<void> | null = null
    const record = {
      type: 'announce',
      topic: Buffer.from(topic),
      keyPair,
      relayAddresses: relayAddresses.map(({ host, port }) => ({ host, port }))
    } as const
    return () => (kept ??= this.republisher.keep(record, opts.signAnnounce ?? null))
  }

  /** Fetch the record of `publicKey`; see {@link MutableGetOptions}. */
  mutableGet(publicKey: Uint8Array, opts: MutableGetOptions = {}): Promise<MutableResult | null> {
    return mutableGet(this, publicKey, opts)
  }

  /**
   * keymesh extra: follow a mutable record (`{ publicKey }`), a topic (`{ topic }`) or a named
   * record (`{ key }`); iterate the returned {@link Watch} for each change.
   */
  watch(target: WatchTarget, opts: WatchOptions = {}): Watch {
    return this._extensions.watch(target, opts)
  }

  /** keymesh extra: sign `value` with `opts.keyPair` and store it as the named record `key`. */
  set(key: string, value: Uint8Array, opts: NamedSetOptions): Promise<NamedPutResult> {
    const { keyPair, seq, expTime, ...rest } = opts
    const record = signNamed(key, value, seq ?? Date.now(), expTime ?? 0, keyPair)
    return namedPut(this, record, rest)
  }

  /** keymesh extra: store a named record its owner signed elsewhere (see `signNamed`). */
  namedPut(
    record: NamedRecord<Uint8Array>,
    opts: RecordQueryOptions = {}
  ): Promise<NamedPutResult> {
    return namedPut(this, record, opts)
  }

  /** keymesh extra: the live named record `key`, or null. */
  get(key: string, opts: RecordQueryOptions = {}): Promise<NamedResult | null> {
    return namedGet(this, key, opts)
  }

  /** keymesh extra: counters of watches and named records (live view). */
  get extensionStats(): ExtensionStats {
    return this._extensions.stats
  }

  /** Routes handshakes for everyone; answers the record commands once persistent. */
  override onrequest(req: Request): boolean {
    if (req.command >= KEYMESH_COMMAND_BASE) return this._extensions.onrequest(req)
    switch (req.command) {
      case COMMANDS.PEER_HANDSHAKE:
        void onPeerHandshake(this._router, req)
        return true
      case COMMANDS.PEER_HOLEPUNCH:
        void onPeerHolepunch(this._router, req)
        return true
    }
    const store = this._persistent
    if (store === null || this.id === null) return false
    switch (req.command) {
      case COMMANDS.FIND_PEER:
        store.onfindpeer(req)
        return true
      case COMMANDS.LOOKUP:
        store.onlookup(req)
        return true
      case COMMANDS.ANNOUNCE:
        store.onannounce(req)
        return true
      case COMMANDS.UNANNOUNCE:
        store.onunannounce(req)
        return true
      case COMMANDS.MUTABLE_PUT:
        store.onmutableput(req)
        return true
      case COMMANDS.MUTABLE_GET:
        store.onmutableget(req)
        return true
      case COMMANDS.IMMUTABLE_PUT:
        store.onimmutableput(req)
        return true
      case COMMANDS.IMMUTABLE_GET:
        store.onimmutableget(req)
        return true
    }
    return false
  }

  /** Close listening servers (unless `force`), drop the stores, then destroy the node. */
  override async destroy({ force = false }: { force?: boolean } = {}): Promise<void> {
    if (!force) await Promise.allSettled([...this.listening].map((s) => s.close()))
    this.republisher.destroy()
    this._router.destroy()
    this._extensions.destroy()
    if (this._persistent !== null) this._persistent.destroy()
    // snapshots the routing table now, then waits for pending writes and closes the store
    const storageClosed = this._storage?.close()
    await this.rawStreams.clear()
    await this._socketPool.destroy()
    await super.destroy()
    if (storageClosed !== undefined) await storageClosed
  }
}

function storeOptionsOf(opts: HyperDHTOptions): ConstructorParameters<typeof Persistent>[2] {
  const out: Record<string, number> = {}
  for (const key of [
    'maxSize',
    'maxAge',
    'maxStorageBytes',
    'maxStorageBytesPerSource',
    'maxRecordsPerTopic'
  ] as const) {
    const v = opts[key]
    if (typeof v === 'number' && v > 0) out[key] = v
  }
  return out
}
