// Narrow ambient types for the parts of udx-native 1.21.3 (untyped, CommonJS) this package calls.

declare module 'udx-native' {
  import { EventEmitter } from 'node:events'

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
      readonly idle: boolean
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
    networkInterfaces(): UDX.NetworkInterface[]
    watchNetworkInterfaces(
      onchange?: (interfaces: UDX.NetworkInterface[]) => void
    ): UDX.NetworkInterfaces
    lookup(host: string, opts?: { family?: number }): Promise<{ host: string; family: number }>
  }

  export = UDX
}
