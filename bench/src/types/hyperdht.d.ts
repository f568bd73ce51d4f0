// Narrow ambient types for the real `hyperdht` 6.33.0 (CommonJS, untyped): only the members the
// benchmark calls. Loaded with createRequire in src/impl.ts, never imported by name at run time.

declare module 'hyperdht' {
  namespace HyperDHT {
    interface KeyPair {
      publicKey: Buffer
      secretKey: Buffer
    }

    interface HostPort {
      host: string
      port: number
    }

    /** A udx-native socket, as far as sending goes. */
    interface UdxSocket {
      trySend(buffer: Uint8Array, port: number, host?: string, ttl?: number): void
      send(buffer: Uint8Array, port: number, host?: string, ttl?: number): Promise<boolean>
    }

    /** dht-rpc's IO: the two sockets of a node (bound once the node is ready). */
    interface IO {
      serverSocket: UdxSocket | null
      clientSocket: UdxSocket | null
    }

    /** A dht-rpc query stream (a streamx Readable). */
    interface Query<T> extends AsyncIterable<T> {
      finished(): Promise<void>
      destroy(err?: Error): void
    }

    interface LookupReply {
      from: HostPort
      token: Buffer | null
      peers: Array<{ publicKey: Buffer; relayAddresses: HostPort[] }>
    }

    interface MutableGetResult {
      from: HostPort
      seq: number
      value: Buffer
      signature: Buffer
    }

    interface ImmutableGetResult {
      from: HostPort
      value: Buffer
    }

    /** A UDX instance's native counters. */
    interface Udx {
      readonly packetsTransmitted: number
      readonly packetsReceived: number
      readonly bytesReceived: number
    }

    /** @hyperswarm/secret-stream's NoiseSecretStream (a streamx Duplex), as far as used. */
    interface NoiseSecretStream {
      readonly destroyed: boolean
      write(data: Uint8Array): boolean
      end(): this
      destroy(err?: Error): void
      pipe(destination: NoiseSecretStream): NoiseSecretStream
      on(event: 'data', listener: (data: Buffer) => void): this
      on(event: 'error', listener: (err: Error) => void): this
      on(event: 'open' | 'close' | 'drain' | 'end', listener: () => void): this
      once(event: 'data', listener: (data: Buffer) => void): this
      once(event: 'error', listener: (err: Error) => void): this
      once(event: 'open' | 'close' | 'drain' | 'end', listener: () => void): this
      removeListener(event: 'data', listener: (data: Buffer) => void): this
      removeListener(event: 'error', listener: (err: Error) => void): this
      removeListener(event: 'open' | 'close' | 'drain' | 'end', listener: () => void): this
    }

    /** hyperdht's Server. */
    interface Server {
      listen(keyPair?: KeyPair): Promise<void>
      close(): Promise<void>
    }

    interface Options {
      bootstrap?: HostPort[] | false
      ephemeral?: boolean
      firewalled?: boolean
      host?: string
      port?: number
    }
  }

  class HyperDHT {
    constructor(opts?: HyperDHT.Options)
    static keyPair(seed?: Uint8Array): HyperDHT.KeyPair
    static hash(data: Uint8Array): Buffer

    readonly io: HyperDHT.IO
    readonly udx: HyperDHT.Udx
    readonly destroyed: boolean

    ready(): Promise<void>
    fullyBootstrapped(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
    mutablePut(
      keyPair: HyperDHT.KeyPair,
      value: Uint8Array,
      opts?: { seq?: number }
    ): Promise<{ publicKey: Buffer; seq: number; signature: Buffer }>
    mutableGet(
      publicKey: Uint8Array,
      opts?: { seq?: number; latest?: boolean }
    ): Promise<HyperDHT.MutableGetResult | null>
    immutablePut(value: Uint8Array): Promise<{ hash: Buffer; closestNodes: HyperDHT.HostPort[] }>
    immutableGet(hash: Uint8Array): Promise<HyperDHT.ImmutableGetResult | null>
    announce(
      topic: Uint8Array,
      keyPair: HyperDHT.KeyPair,
      relayAddresses?: HyperDHT.HostPort[]
    ): HyperDHT.Query<HyperDHT.LookupReply>
    lookup(topic: Uint8Array): HyperDHT.Query<HyperDHT.LookupReply>
    connect(
      publicKey: Uint8Array,
      opts?: { keyPair?: HyperDHT.KeyPair }
    ): HyperDHT.NoiseSecretStream
    createServer(onconnection: (socket: HyperDHT.NoiseSecretStream) => void): HyperDHT.Server
  }

  export = HyperDHT
}

declare module 'hyperdht/testnet' {
  import type HyperDHT from 'hyperdht'

  namespace createTestnet {
    /** hyperdht's Testnet: the nodes (first = bootstrap), and ephemeral nodes on demand. */
    interface Testnet {
      nodes: HyperDHT[]
      bootstrap: HyperDHT.HostPort[]
      createNode(opts?: HyperDHT.Options): HyperDHT
      destroy(): Promise<void>
    }

    interface TestnetOptions {
      host?: string
      port?: number
      bootstrap?: HyperDHT.HostPort[]
    }
  }

  function createTestnet(
    size?: number,
    opts?: createTestnet.TestnetOptions
  ): Promise<createTestnet.Testnet>

  export = createTestnet
}
