// Narrow ambient types for the parts of udx-native 1.21.3 (untyped, CommonJS) hyperdht calls: sockets and streams.

declare module 'udx-native' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'streamx'

  namespace UDX {
    /** Where a datagram came from, as passed to `'message'` listeners. */
    interface RemoteInfo {
      host: string
      family: number
      port: number
    }

    /** A bound socket's local address. */
    interface SocketAddress {
      host: string
      family: number
      port: number
    }

    /** One entry of `udx.networkInterfaces()`. */
    interface NetworkInterface {
      name: string
      host: string
      family: number
      internal: boolean
    }

    /** A UDP socket. Received buffers are views into a slab shared by the whole UDX instance. */
    interface Socket extends EventEmitter {
      readonly udx: UDX
      readonly bound: boolean
      readonly closing: boolean
      readonly idle: boolean
      readonly busy: boolean
      readonly bytesTransmitted: number
      readonly packetsTransmitted: number
      readonly bytesReceived: number
      readonly packetsReceived: number
      /** Bind to `port` (0 = random) on `host`; throws synchronously (e.g. EADDRINUSE). */
      bind(port?: number, host?: string): void
      address(): SocketAddress | null
      /** Fire-and-forget send; throws synchronously for a host that is not an IP. */
      trySend(buffer: Uint8Array, port: number, host?: string, ttl?: number): void
      send(buffer: Uint8Array, port: number, host?: string, ttl?: number): Promise<boolean>
      close(): Promise<void>
      on(event: 'message', listener: (buffer: Buffer, rinfo: RemoteInfo) => void): this
      on(event: 'close' | 'listening' | 'idle' | 'busy', listener: () => void): this
      removeListener(event: 'message', listener: (buffer: Buffer, rinfo: RemoteInfo) => void): this
    }

    /** `firewall(socket, port, host)` of a stream: return true to drop the first packet. */
    type StreamFirewall = (socket: Socket, port: number, host: string, family: number) => boolean

    /** Options of `udx.createStream()`. */
    interface StreamOptions {
      framed?: boolean
      seq?: number
      firewall?: StreamFirewall
    }

    /** A reliable, ordered UDX stream with unordered datagram messages on the side. */
    interface Stream extends Duplex {
      readonly udx: UDX
      readonly id: number
      socket: Socket | null
      remoteId: number
      remoteHost: string | null
      remotePort: number
      remoteFamily: number
      /** The local port when connected, else 0. */
      readonly connected: number
      readonly rtt: number
      readonly bytesTransmitted: number
      readonly packetsTransmitted: number
      readonly bytesReceived: number
      readonly packetsReceived: number
      readonly retransmits: number
      userData: unknown
      connect(socket: Socket, remoteId: number, port: number, host?: string): void
      changeRemote(socket: Socket, remoteId: number, port: number, host?: string): Promise<void>
      relayTo(destination: Stream): void
      setKeepalive(ms: number): void
      send(buffer: Uint8Array): Promise<boolean>
      trySend(buffer: Uint8Array): void
      flush(): Promise<boolean>
    }

    /** Watches the machine's network interfaces. */
    interface NetworkInterfaces extends EventEmitter {
      interfaces: NetworkInterface[]
      on(event: 'change', listener: (interfaces: NetworkInterface[]) => void): this
      on(event: 'close', listener: () => void): this
      destroy(): Promise<void>
    }
  }

  class UDX {
    constructor()
    static isIPv4(host: string): boolean
    createSocket(opts?: { ipv6Only?: boolean; reuseAddress?: boolean }): UDX.Socket
    createStream(id: number, opts?: UDX.StreamOptions): UDX.Stream
    networkInterfaces(): UDX.NetworkInterface[]
    watchNetworkInterfaces(
      onchange?: (interfaces: UDX.NetworkInterface[]) => void
    ): UDX.NetworkInterfaces
    lookup(host: string, opts?: { family?: number }): Promise<{ host: string; family: number }>
  }

  export = UDX
}
