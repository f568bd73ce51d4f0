// Narrow ambient types for `udx-native` 1.21.3 (CommonJS, untyped): the raw UDP socket the fuzzer
// sends from. Loaded with createRequire in src/udp.ts.

declare module 'udx-native' {
  import { EventEmitter } from 'node:events'

  namespace UDX {
    interface Address {
      host: string
      family: number
      port: number
    }

    interface Socket extends EventEmitter {
      bind(port?: number, host?: string): void
      address(): Address | null
      /** Resolves once the datagram left the socket (true) or the socket was closing (false). */
      send(buffer: Uint8Array, port: number, host?: string): Promise<boolean>
      trySend(buffer: Uint8Array, port: number, host?: string): void
      close(): Promise<void>
      on(event: 'message', listener: (buffer: Buffer, from: Address) => void): this
      off(event: 'message', listener: (buffer: Buffer, from: Address) => void): this
    }
  }

  class UDX {
    createSocket(): UDX.Socket
  }

  export = UDX
}
