// ConnectHost and PunchingClient: what connect() needs from its node and what the client's punch rounds need from a connection.

import type {
  HostPort,
  Query,
  Reply,
  RequestInput,
  RequestOptions,
  Session
} from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import type { Holepuncher, RouteStream, SecurePayload, SocketRef } from '@keymesh/holepunch'
import type { NoisePayload } from '@keymesh/wire'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type UDX from 'udx-native'
import type { HolepunchVeto } from './holepunch-veto.js'
import type { RecentMap } from './recent-map.js'
import type { FindPeerResult } from './reply-maps.js'
import type { Router } from './router.js'
import type { Sleeper } from './sleeper.js'

export type { HolepunchVeto } from './holepunch-veto.js'

/** The HyperDHT members connect() and its helpers use, declared apart so they never import it. */
export interface ConnectHost {
  readonly suspended: boolean
  readonly destroyed: boolean
  readonly defaultKeyPair: KeyPair
  readonly connectionKeepAlive: number
  readonly socket: UDX.Socket | null
  readonly udx: UDX
  readonly io: { readonly serverSocket: UDX.Socket | null }
  readonly stats: {
    punches: { open: number }
    relaying: { attempts: number; successes: number; aborts: number }
  }
  /** Opens a connection (relay links connect to their blind relay this way). */
  connect(publicKey: Uint8Array): NoiseSecretStream
  /** @internal */
  readonly _connectable: boolean
  /** @internal non-null once the node stores records (and so may be a server's relay) */
  readonly _persistent: object | null
  /** @internal */
  readonly _router: Pick<Router, 'get'>
  /** @internal */
  readonly _relayAddressesCache: RecentMap<HostPort[]>
  /** @internal */
  readonly _punchLimiter: { throttled(): boolean; punches: number }
  /** @internal */
  readonly _socketPool: {
    readonly routes: {
      get(publicKey: Uint8Array): { socket: UDX.Socket; address: HostPort } | null
      add(publicKey: Uint8Array, stream: RouteStream): void
    }
    lookup(socket: UDX.Socket): SocketRef | null
  }
  /** @internal */
  _createHolepuncher(isInitiator: boolean, remoteFirewall: number, session?: Session): Holepuncher
  session(): Session
  remoteAddress(): HostPort | null
  ping(to: HostPort): Promise<Reply>
  request(req: RequestInput, to: HostPort, opts?: RequestOptions): Promise<Reply>
  createRawStream(opts?: UDX.StreamOptions): UDX.Stream
  findPeer(
    target: Uint8Array,
    opts: { hash: false; session: Session; nodes?: HostPort[]; retries: number }
  ): Query<FindPeerResult>
}

/** Where the handshake left us: what the server said and how we reached it. */
export interface HandshakeState {
  relayed: boolean
  relayAddress: HostPort
  clientAddress: HostPort
  serverAddress: HostPort
  payload: NoisePayload
}

/** What the client's probe and punch rounds read and drive on a connection attempt. */
export interface PunchingClient {
  readonly dht: ConnectHost
  readonly session: Session
  readonly target: Buffer
  readonly sleeper: Sleeper
  readonly opts: { fastOpen?: boolean; holepunch?: HolepunchVeto }
  round: number
  puncher: Holepuncher | null
  payload: SecurePayload | null
  relayToken: Buffer | null
  handshakeState: HandshakeState | null
  isDone(): boolean
  maybeDestroy(err: unknown): void
  onpunched(socket: UDX.Socket, port: number, host: string): void
}
