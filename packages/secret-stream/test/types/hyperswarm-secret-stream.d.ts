// Narrow ambient types for @hyperswarm/secret-stream, the reference implementation used as a test peer.

declare module '@hyperswarm/secret-stream' {
  import type { Duplex } from 'streamx'

  /** The members of the real NoiseSecretStream the interop tests touch. */
  class NoiseSecretStream extends Duplex {
    constructor(isInitiator: boolean, rawStream?: unknown, opts?: Record<string, unknown>)
    static keyPair(seed?: Uint8Array): { publicKey: Buffer; secretKey: Buffer }
    static id(handshakeHash: Uint8Array, isInitiator: boolean): Buffer
    readonly isInitiator: boolean
    readonly rawStream: Duplex & { pipe<T>(dest: T): T }
    readonly opened: Promise<boolean>
    publicKey: Buffer | null
    remotePublicKey: Buffer | null
    handshakeHash: Buffer | null
    connected: boolean
    keepAlive: number
    rawBytesRead: number
    rawBytesWritten: number
    setKeepAlive(ms: number): void
    setTimeout(ms: number): void
    start(rawStream?: unknown, opts?: Record<string, unknown>): void
    send(buffer: Uint8Array): Promise<boolean> | undefined
    trySend(buffer: Uint8Array): void
    alloc(len: number): Buffer
  }
  export = NoiseSecretStream
}
