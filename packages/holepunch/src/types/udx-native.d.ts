// Narrow ambient types for the parts of udx-native 1.21.3 (untyped, CommonJS) this package calls.

declare module 'udx-native' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'

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
      readonly bound: boolean
      readonly closing: boolean
      /** True while no UDX stream uses the socket. */
      readonly idle: boolean
      /** Bind to `port` (0 = random) on `host`; throws synchronously (e.g. EADDRINUSE). */
      bind(port?: number, host?: string): void
      address(): SocketAddress | null
      /** Fire-and-forget send with an optional IP TTL; throws for a host that is not an IP. */
      trySend(buffer: Uint8Array, port: number, host?: string, ttl?: number): void
      /** Resolves `true` once flushed, `false` on error or if closing; rejects a non-IP host. */
      send(buffer: Uint8Array, port: number, host?: string, ttl?: number): Promise<boolean>
      /** Sets the IP TTL of every later datagram. */
      setTTL(ttl: number): void
      /** Closes once idle; resolves on `'close'`. Idempotent. */
      close(): Promise<void>
      on(event: 'message', listener: (buffer: Buffer, rinfo: RemoteInfo) => void): this
      on(event: 'close' | 'listening' | 'idle' | 'busy', listener: () => void): this
      removeListener(event: 'message', listener: (buffer: Buffer, rinfo: RemoteInfo) => void): this
      removeListener(event: 'close' | 'listening' | 'idle' | 'busy', listener: () => void): this
    }

    /** A stream's hook for the first packet from an unknown path: return true to drop it. */
    type StreamFirewall = (socket: Socket, port: number, host: string, family: number) => boolean

    /** Options of `udx.createStream()`. */
    interface StreamOptions {
      framed?: boolean
      firewall?: StreamFirewall
    }

    /** A reliable ordered UDX stream (a streamx duplex), plus unordered datagram messages. */
    interface Stream extends Duplex {
      readonly id: number
      readonly socket: Socket | null
      readonly remoteId: number
      readonly remoteHost: string | null
      readonly remotePort: number
      connect(socket: Socket, remoteId: number, port: number, host?: string): void
      changeRemote(socket: Socket, remoteId: number, port: number, host?: string): Promise<void>
      /** Forward every packet this stream receives out through `destination`. */
      relayTo(destination: Stream): void
      send(buffer: Uint8Array): Promise<boolean>
      trySend(buffer: Uint8Array): void
    }
  }

  class UDX {
    constructor()
    createSocket(opts?: { ipv6Only?: boolean; reuseAddress?: boolean }): UDX.Socket
    /** A stream with local id `id` (unique per UDX instance), not connected yet. */
    createStream(id: number, opts?: UDX.StreamOptions): UDX.Stream
    networkInterfaces(): UDX.NetworkInterface[]
  }

  export = UDX
}
