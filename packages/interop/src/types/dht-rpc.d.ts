// Narrow ambient types for the real `dht-rpc` 6.27.0 (CommonJS, untyped): only the members this
// package uses. Loaded with createRequire in src/impls.ts; never imported at run time by name.

declare module 'dht-rpc' {
  import { EventEmitter } from 'node:events'

  namespace DHT {
    interface HostPort {
      host: string
      port: number
    }

    interface Peer {
      id: Buffer | null
      host: string
      port: number
    }

    interface Reply {
      tid: number
      rtt: number
      from: Peer
      to: HostPort | null
      token: Buffer | null
      closerNodes: HostPort[] | null
      error: number
      value: Buffer | null
    }

    interface Request {
      from: Peer
      to: HostPort | null
      token: Buffer | null
      internal: boolean
      command: number
      target: Buffer | null
      value: Buffer | null
      reply(value: Uint8Array | null, opts?: { token?: boolean; closerNodes?: boolean }): void
      error(code: number, opts?: { token?: boolean; closerNodes?: boolean }): void
    }

    interface Query extends AsyncIterable<Reply> {
      readonly closestReplies: Reply[]
      readonly closestNodes: Peer[]
      finished(): Promise<void>
      on(event: 'data', listener: (reply: Reply) => void): this
      on(event: 'error', listener: (err: Error) => void): this
      destroy(err?: Error): void
    }

    interface QueryOptions {
      concurrency?: number
      commit?: boolean | ((reply: Reply, dht: DHT, query: Query) => Promise<unknown>)
      nodes?: HostPort[]
    }

    interface Session {
      request(
        request: {
          token?: Uint8Array | null
          command: number
          target?: Uint8Array | null
          value?: Uint8Array | null
        },
        to: HostPort,
        opts?: RequestOptions
      ): Promise<Reply>
      ping(to: HostPort, opts?: RequestOptions): Promise<Reply>
      destroy(err?: Error): void
    }

    interface RequestOptions {
      retry?: boolean
      session?: Session
    }

    interface CommandCounters {
      tx: number
      rx: number
    }

    interface Stats {
      queries: { active: number; total: number }
      requests: {
        active: number
        total: number
        responses: number
        timeouts: number
        retries: number
      }
      commands: {
        ping: CommandCounters
        pingNat: CommandCounters
        findNode: CommandCounters
        downHint: CommandCounters
      }
    }

    interface Options {
      bootstrap?: HostPort[] | false
      ephemeral?: boolean
      firewalled?: boolean
      host?: string
      port?: number
      anyPort?: boolean
      /** Options of other implementations (e.g. keymesh extras), ignored by dht-rpc. */
      [extra: string]: unknown
    }
  }

  class DHT extends EventEmitter {
    constructor(opts?: DHT.Options)
    static bootstrapper(port: number, host: string, opts?: DHT.Options): DHT
    static OK: number
    static ERROR_UNKNOWN_COMMAND: number
    static ERROR_INVALID_TOKEN: number

    readonly id: Buffer | null
    readonly ephemeral: boolean
    readonly firewalled: boolean
    readonly bootstrapped: boolean
    readonly destroyed: boolean
    readonly stats: DHT.Stats

    ready(): Promise<void>
    fullyBootstrapped(): Promise<void>
    address(): { host: string; family: number; port: number } | null
    localAddress(): DHT.HostPort | null
    remoteAddress(): DHT.HostPort | null
    toArray(opts?: { limit?: number }): DHT.HostPort[]
    addNode(node: DHT.HostPort): void
    query(
      query: { target: Uint8Array; command: number; value?: Uint8Array | null },
      opts?: DHT.QueryOptions
    ): DHT.Query
    findNode(target: Uint8Array, opts?: DHT.QueryOptions): DHT.Query
    request(
      request: {
        token?: Uint8Array | null
        command: number
        target?: Uint8Array | null
        value?: Uint8Array | null
      },
      to: DHT.HostPort,
      opts?: DHT.RequestOptions
    ): Promise<DHT.Reply>
    ping(to: DHT.HostPort, opts?: DHT.RequestOptions): Promise<DHT.Reply>
    delayedPing(to: DHT.HostPort, delayMs: number, opts?: DHT.RequestOptions): Promise<DHT.Reply>
    session(): DHT.Session
    onrequest(req: DHT.Request): boolean
    destroy(): Promise<void>
  }

  export = DHT
}
