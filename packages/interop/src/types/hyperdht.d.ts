// Narrow ambient types for the real `hyperdht` 6.33.0 (CommonJS, untyped) and its `testnet`
// subpath: only the record, announce, lookup, connection, holepunch-stats and relay members the
// interop tests and the NAT lab call. Loaded with createRequire (src/hyperdht-network.ts,
// test/helpers/nat-lab/driver.ts); never imported at run time by name.

declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'
  import DHT from 'dht-rpc'

  namespace HyperDHT {
    interface KeyPair {
      publicKey: Buffer
      secretKey: Buffer
    }

    /** An ipv4 relay address as announced (`{ host, port }`). */
    interface RelayAddress {
      host: string
      port: number
    }

    /** A stored announcement: the `peer` wire record. */
    interface PeerRecord {
      publicKey: Buffer
      relayAddresses: RelayAddress[]
    }

    /** Fields every mapped reply carries. */
    interface ReplyInfo {
      token: Buffer | null
      from: DHT.Peer
      to: DHT.Peer | DHT.HostPort | null
    }

    interface LookupReply extends ReplyInfo {
      peers: PeerRecord[]
      bump: number
    }

    interface FindPeerReply extends ReplyInfo {
      peer: PeerRecord
    }

    interface ImmutableReply extends ReplyInfo {
      value: Buffer
    }

    interface MutableReply extends ReplyInfo {
      seq: number
      value: Buffer
      signature: Buffer
    }

    /** The streamx query stream `lookup`, `announce` and `findPeer` return. */
    interface Stream<T> extends AsyncIterable<T> {
      readonly closestReplies: DHT.Reply[]
      readonly closestNodes: DHT.Peer[]
      finished(): Promise<void>
      destroy(err?: Error): void
    }

    interface Options extends DHT.Options {
      keyPair?: KeyPair
      seed?: Uint8Array
      maxSize?: number
      maxAge?: number
      /** Min ms between random-NAT punches; 0 means the default (20000). */
      randomPunchInterval?: number
      /** Start the random-punch clock at construction. */
      deferRandomPunch?: boolean
      /** Secret-stream keep-alive in ms; false turns it off. */
      connectionKeepAlive?: number | false
    }

    /** `dht.stats.punches`: holepunch strategies started (open = direct connect). */
    interface PunchStats {
      consistent: number
      random: number
      open: number
    }

    /** `dht.stats.relaying`: blind-relay pairings. */
    interface RelayingStats {
      attempts: number
      successes: number
      aborts: number
    }

    interface Stats extends DHT.Stats {
      punches: PunchStats
      relaying: RelayingStats
    }

    /** A blind-relay server key, or a choice of them (`relayThrough`). */
    type RelayThrough = Uint8Array | Uint8Array[] | (() => Uint8Array | null) | null

    interface AnnounceOptions {
      bump?: number
      clear?: boolean
    }

    interface ImmutablePutResult {
      hash: Buffer
      closestNodes: DHT.Peer[]
    }

    interface MutablePutOptions {
      seq?: number
    }

    interface MutablePutResult {
      publicKey: Buffer
      closestNodes: DHT.Peer[]
      seq: number
      signature: Buffer
    }

    /** The UDX stream under a connection (only what the tests read). */
    interface RawStream {
      readonly remoteHost: string | null
      readonly remotePort: number
    }

    /** The @hyperswarm/secret-stream duplex `connect()` returns and servers emit. */
    interface Connection extends EventEmitter {
      readonly publicKey: Buffer
      readonly remotePublicKey: Buffer | null
      readonly rawStream: RawStream | null
      readonly destroyed: boolean
      write(data: Uint8Array): boolean
      end(data?: Uint8Array): this
      destroy(err?: Error): void
      pipe<T>(destination: T): T
    }

    interface ConnectOptions {
      keyPair?: KeyPair
      /** false: no LAN shortcut, holepunch even on the same host. */
      localConnection?: boolean
      relayAddresses?: RelayAddress[]
      /** Pair through this blind-relay server (data flows at once; punching goes on). */
      relayThrough?: RelayThrough
      relayKeepAlive?: number
      /** false: no low-TTL session packet before the first holepunch message. */
      fastOpen?: boolean
    }

    interface ServerOptions {
      firewall?: (
        remotePublicKey: Buffer,
        remotePayload: unknown,
        clientAddress: RelayAddress
      ) => boolean | Promise<boolean>
      holepunch?: false | (() => boolean)
      shareLocalAddress?: boolean
      /** Pair incoming connections through this blind-relay server. */
      relayThrough?: RelayThrough
      relayKeepAlive?: number
      /** keymesh extra (ignored by hyperdht). */
      rejectSilently?: boolean
    }

    interface Server extends EventEmitter {
      readonly publicKey: Buffer | null
      readonly relayAddresses: RelayAddress[]
      readonly listening: boolean
      readonly closed: boolean
      listen(keyPair?: KeyPair): Promise<Server>
      close(): Promise<void>
      address(): { publicKey: Buffer; host: string | null; port: number } | null
    }

    interface MutableGetOptions {
      seq?: number
      latest?: boolean
      /** Called with the result found; returning true re-puts it to the closest nodes. */
      refresh?: (result: MutableReply) => boolean
    }
  }

  class HyperDHT extends DHT {
    constructor(opts?: HyperDHT.Options)
    static keyPair(seed?: Uint8Array): HyperDHT.KeyPair
    static hash(data: Uint8Array): Buffer
    static bootstrapper(port: number, host: string, opts?: HyperDHT.Options): HyperDHT

    readonly defaultKeyPair: HyperDHT.KeyPair
    readonly listening: Set<HyperDHT.Server>
    override readonly stats: HyperDHT.Stats
    /** True when the node's own NAT maps each destination to a new port. */
    readonly randomized: boolean
    /** A UDX stream with a fresh id (what blind-relay's `createStream` hands out). */
    createRawStream(opts?: { framed?: boolean; firewall?: unknown }): unknown
    connect(publicKey: Uint8Array, opts?: HyperDHT.ConnectOptions): HyperDHT.Connection
    createServer(
      opts?: HyperDHT.ServerOptions,
      onconnection?: (socket: HyperDHT.Connection) => void
    ): HyperDHT.Server

    findPeer(
      publicKey: Uint8Array,
      opts?: { hash?: boolean }
    ): HyperDHT.Stream<HyperDHT.FindPeerReply>
    lookup(topic: Uint8Array): HyperDHT.Stream<HyperDHT.LookupReply>
    announce(
      topic: Uint8Array,
      keyPair: HyperDHT.KeyPair,
      relayAddresses?: HyperDHT.RelayAddress[],
      opts?: HyperDHT.AnnounceOptions
    ): HyperDHT.Stream<HyperDHT.LookupReply>
    unannounce(topic: Uint8Array, keyPair: HyperDHT.KeyPair): Promise<void>
    immutablePut(value: Uint8Array): Promise<HyperDHT.ImmutablePutResult>
    immutableGet(hash: Uint8Array): Promise<HyperDHT.ImmutableReply | null>
    mutablePut(
      keyPair: HyperDHT.KeyPair,
      value: Uint8Array,
      opts?: HyperDHT.MutablePutOptions
    ): Promise<HyperDHT.MutablePutResult>
    mutableGet(
      publicKey: Uint8Array,
      opts?: HyperDHT.MutableGetOptions
    ): Promise<HyperDHT.MutableReply | null>
    override destroy(opts?: { force?: boolean }): Promise<void>
  }

  export = HyperDHT
}

declare module 'hyperdht/testnet' {
  import HyperDHT from 'hyperdht'

  namespace createTestnet {
    interface Options {
      host?: string
      port?: number
      bootstrap?: { host: string; port: number }[]
      teardown?: (fn: () => unknown, opts?: { order?: number }) => void
    }

    interface Testnet extends Iterable<HyperDHT> {
      readonly nodes: HyperDHT[]
      readonly bootstrap: { host: string; port: number }[]
      createNode(opts?: HyperDHT.Options): HyperDHT
      destroy(): Promise<void>
    }
  }

  function createTestnet(
    size?: number,
    opts?: createTestnet.Options
  ): Promise<createTestnet.Testnet>

  export = createTestnet
}
