// Narrow ambient types for udx-native (test-only dependency): the sockets and streams the interop tests use.

declare module 'udx-native' {
  import type { Duplex } from 'streamx'

  /** A UDP socket owning udx streams. */
  class UDXSocket {
    bind(port?: number, host?: string): void
    address(): { host: string; family: number; port: number }
    close(): Promise<void>
  }

  /** A reliable udx stream; `send`/`trySend` carry unordered datagrams. */
  class UDXStream extends Duplex {
    readonly id: number
    connect(socket: UDXSocket, remoteId: number, port: number, host?: string): void
    send(buffer: Uint8Array): Promise<boolean>
    trySend(buffer: Uint8Array): void
    flush(): Promise<boolean>
  }

  /** The udx root object. */
  class UDX {
    createSocket(opts?: Record<string, unknown>): UDXSocket
    createStream(id: number, opts?: { framed?: boolean }): UDXStream
  }
  export = UDX
}
