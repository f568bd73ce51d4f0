// Narrow ambient types for the real `blind-relay` 1.6.1 (CommonJS, untyped): the client, server,
// session and request members the interop test calls. Loaded with createRequire; never imported
// at run time by name.

declare module 'blind-relay' {
  import { EventEmitter } from 'node:events'
  import type Protomux from 'protomux'

  /** Options the server passes to `createStream`: the stream's firewall hook. */
  export interface CreateStreamOptions {
    firewall(socket: unknown, port: number, host: string): boolean
  }

  /** A pending `pair` (a streamx Readable): one 'data' with the relay's stream id, or 'error'. */
  export interface BlindRelayRequest extends EventEmitter {
    readonly isInitiator: boolean
    readonly token: Buffer
    readonly stream: { id: number }
    destroy(err?: Error): void
  }

  export class Client extends EventEmitter {
    static from(stream: Protomux.FramedStream, opts?: { id?: Uint8Array }): Client
    constructor(stream: Protomux.FramedStream, opts?: { id?: Uint8Array })
    readonly closed: boolean
    readonly mux: Protomux
    pair(isInitiator: boolean, token: Uint8Array, stream: { id: number }): BlindRelayRequest
    unpair(token: Uint8Array): void
    end(): Promise<void>
    destroy(err?: Error): void
  }

  export interface BlindRelaySession extends EventEmitter {
    readonly closed: boolean
    end(): Promise<void>
    destroy(err?: Error): void
  }

  export interface Stats {
    sessions: { accepted: number; opened: number; closed: number; readonly active: number }
    pairings: {
      requested: number
      matched: number
      cancelled: number
      pending: number
      active: number
    }
    streams: { opened: number; closed: number; errors: number; readonly active: number }
  }

  export class Server extends EventEmitter {
    constructor(opts: { createStream(opts: CreateStreamOptions): unknown })
    readonly stats: Stats
    readonly sessions: IterableIterator<BlindRelaySession>
    accept(stream: Protomux.FramedStream, opts?: { id?: Uint8Array }): BlindRelaySession
    close(): Promise<void>
  }

  /** A random 32-byte token (into `buf` if given). */
  export function token(buf?: Uint8Array): Buffer
}
