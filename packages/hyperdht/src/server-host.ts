// ServerHost: what a Server needs from its node, declared apart so server files never import it.

import type { HostPort } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import type { Holepuncher, RouteStream } from '@keymesh/holepunch'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type UDX from 'udx-native'
import type { AnnouncerHost } from './announcer.js'
import type { Router } from './router.js'

/** A server as the node lists it in `dht.listening`. */
export interface ListedServer {
  readonly publicKey: Uint8Array | null
  close(): Promise<void>
}

/** The HyperDHT members a Server and its handshake slots use. */
export interface ServerHost extends AnnouncerHost {
  readonly host: string | null
  readonly port: number
  /** The socket requests leave from (replies to aborted punches go out here). */
  readonly socket: UDX.Socket | null
  readonly udx: UDX
  readonly io: { readonly serverSocket: UDX.Socket | null }
  readonly connectionKeepAlive: number
  readonly defaultKeyPair: KeyPair
  /** Servers the node closes when it is destroyed. */
  readonly listening: Set<ListedServer>
  readonly stats: {
    punches: { open: number }
    relaying: { attempts: number; successes: number; aborts: number }
  }
  /** Opens a connection (relay links connect to their blind relay this way). */
  connect(publicKey: Uint8Array): NoiseSecretStream
  /** @internal */
  readonly _router: Router
  /** @internal */
  readonly _punchLimiter: { throttled(): boolean }
  /** @internal */
  readonly _socketPool: {
    readonly routes: { add(publicKey: Uint8Array, stream: RouteStream): void }
  }
  /** @internal */
  _createHolepuncher(isInitiator: boolean, remoteFirewall: number): Holepuncher
  bind(): Promise<void>
  validateLocalAddresses(addresses: readonly HostPort[]): Promise<HostPort[]>
  createRawStream(opts?: UDX.StreamOptions): UDX.Stream
}
