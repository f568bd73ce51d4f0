// The options, events and result types of Server (createServer / listen / address).

import type { HostPort } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type { NoisePayload } from '@keymesh/wire'
import type UDX from 'udx-native'
import type { AnnounceSigner } from './announce.js'
import type { HolepunchVeto } from './holepunch-veto.js'
import type { ConnectionPool } from './connection-pool.js'
import type { HandshakeResult, PeerHandshake } from './noise-wrap.js'
import type { RelayThrough } from './select-relay.js'

/**
 * The server firewall: return (or resolve) true to refuse the client. `remotePayload` is the
 * client's decoded noisePayload, `clientAddress` where its handshake came from.
 */
export type ServerFirewall = (
  remotePublicKey: Buffer,
  remotePayload: NoisePayload,
  clientAddress: HostPort
) => boolean | Promise<boolean>

export type { RelayThrough }

/** Makes the server side's stream (hyperdht's `createSecretStream` option). */
export type CreateServerSecretStream = (
  isInitiator: false,
  rawStream: UDX.Stream,
  opts: { handshake: HandshakeResult; keepAlive: number }
) => NoiseSecretStream

/** Options of `dht.createServer(opts, onconnection)`: hyperdht's, plus keymesh's marked extras. */
export interface ServerOptions {
  /** Refuse clients: return true (or a promise of true) to reject. @default accept everyone */
  firewall?: ServerFirewall
  /** Veto a holepunch per attempt, or `false` to never punch (clients must reach us). */
  holepunch?: HolepunchVeto | false
  /** Blind relay(s) to pair through when punching may fail; the server's choice wins. @default null */
  relayThrough?: RelayThrough
  /** Keep-alive of the relay connection in ms. @default 5000 */
  relayKeepAlive?: number
  /** Offer our validated LAN addresses to clients. @default true */
  shareLocalAddress?: boolean
  /** Let clients reuse the socket of a connection for later ones. @default false */
  reusableSocket?: boolean
  /** ms a finished handshake is remembered (answers duplicates). @default 10000 */
  handshakeClearWait?: number
  /** Register incoming connections with this pool. */
  pool?: ConnectionPool
  /** Custom Noise handshake (hyperdht's test hook). */
  createHandshake?: (keyPair: KeyPair, remotePublicKey: Uint8Array | null) => PeerHandshake
  /** Custom stream factory. */
  createSecretStream?: CreateServerSecretStream
  /** `'connection'` listener (same as the second argument of `createServer`). */
  onconnection?: (socket: NoiseSecretStream) => void
  /**
   * keymesh extra: answer a firewall rejection with nothing, as hyperdht does (the client then
   * times out). By default the client gets a completed handshake with payload error 4, which
   * keymesh clients report as `CONNECTION_REFUSED` and hyperdht clients as `SERVER_ERROR`
   * (docs/decisions/0005-firewall-rejection-reply.md).
   * @default false
   */
  rejectSilently?: boolean
}

/** Options of `server.listen(keyPair, opts)`. */
export interface ServerListenOptions {
  /** Signs each ANNOUNCE for its storing node. */
  signAnnounce?: AnnounceSigner
  /** Signs each UNANNOUNCE for its storing node. */
  signUnannounce?: AnnounceSigner
  /**
   * keymesh extra: abort the listen. Before it resolves, the server stops listening and the
   * promise rejects with `signal.reason`; once listening, use `close()`.
   */
  signal?: AbortSignal
}

/** `server.address()`. */
export interface ServerAddress {
  publicKey: Buffer
  host: string | null
  port: number
}

/** Events of {@link Server}. */
export interface ServerEvents {
  /** Announced and reachable. */
  listening: []
  /** A client connected; the stream is the server side of the encrypted connection. */
  connection: [socket: NoiseSecretStream]
  /** Closed (emitted once). */
  close: []
}
