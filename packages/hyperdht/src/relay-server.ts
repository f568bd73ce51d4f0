// RelayServer: a server that relays for others with the blind-relay protocol (§9), a keymesh extra.

import { EventEmitter } from 'node:events'
import type { KeyPair } from '@keymesh/crypto'
import { BlindRelayServer } from '@keymesh/holepunch'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type { RelayPath } from '@keymesh/holepunch'
import type UDX from 'udx-native'
import { safetyCatch } from './safety-catch.js'
import type { Server, ServerOptions } from './server.js'

/** Options of `dht.createRelayServer(opts)`. */
export interface RelayServerOptions {
  /** Refuse peers, as a server's firewall does. @default relay for everyone */
  firewall?: ServerOptions['firewall']
  /** Most peers served at once; more are disconnected at once. @default 1024 */
  maxSessions?: number
  /** How long close() lets sessions end before dropping them, in ms. @default 2000 */
  closeTimeout?: number
}

/** What a relay server needs from its node. */
export interface RelayServerHost {
  createServer(opts: ServerOptions, onconnection: (socket: NoiseSecretStream) => void): Server
  createRawStream(opts?: UDX.StreamOptions): UDX.Stream
}

const DEFAULT_MAX_SESSIONS = 1024
const DEFAULT_CLOSE_TIMEOUT_MS = 2000

/**
 * A blind relay reachable at a public key: peers connect to it like to any server, pair their
 * raw streams by token, and it forwards their (encrypted) packets without seeing the content.
 * Clients and servers use it with `relayThrough: relay.publicKey`; real hyperdht peers can too.
 */
export class RelayServer extends EventEmitter<{ close: [] }> {
  /** The hyperdht server peers connect to. */
  readonly server: Server
  /** The blind-relay protocol state (sessions, pairings, streams). */
  readonly relay: BlindRelayServer
  private readonly maxSessions: number
  private readonly closeTimeout: number
  private readonly sockets = new Set<NoiseSecretStream>()
  private closing: Promise<void> | null = null

  constructor(dht: RelayServerHost, opts: RelayServerOptions = {}) {
    super()
    this.maxSessions = opts.maxSessions ?? DEFAULT_MAX_SESSIONS
    this.closeTimeout = opts.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS
    // the relay's own streams need no framing: relayTo forwards whole packets
    this.relay = new BlindRelayServer({ createStream: (o) => dht.createRawStream(o) })
    const serverOpts: ServerOptions = opts.firewall !== undefined ? { firewall: opts.firewall } : {}
    this.server = dht.createServer(serverOpts, (socket) => this.onconnection(socket))
  }

  /** The key peers pass as `relayThrough` (null until listening). */
  get publicKey(): Buffer | null {
    const address = this.server.address()
    return address === null ? null : (address.publicKey as Buffer)
  }

  /** Sessions, pairings and relayed streams, as blind-relay counts them. */
  get stats(): BlindRelayServer['stats'] {
    return this.relay.stats
  }

  /** Start relaying at `keyPair` (default: the node's key pair). */
  async listen(keyPair?: KeyPair): Promise<this> {
    await this.server.listen(keyPair)
    return this
  }

  /** Stop accepting, end every session (dropping those that linger), then emit 'close'. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow()
    return this.closing
  }

  private async closeNow(): Promise<void> {
    await this.server.close()
    let timer: NodeJS.Timeout | null = null
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.closeTimeout)
    })
    await Promise.race([this.relay.close().catch(safetyCatch), expired])
    if (timer !== null) clearTimeout(timer)
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    this.emit('close')
  }

  private onconnection(socket: NoiseSecretStream): void {
    socket.on('error', safetyCatch) // a peer going away is routine for a relay
    if (this.closing !== null || this.sockets.size >= this.maxSessions) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    // the peer's relayed packets arrive where its connection does: its streams connect there
    // at once, so nothing the other side sends first is dropped
    try {
      const session = this.relay.accept(socket, {
        id: socket.remotePublicKey ?? undefined,
        path: () => pathOf(socket)
      })
      session.on('error', safetyCatch) // malformed input ends that session only
    } catch {
      socket.destroy() // the stream died before its channel could open
    }
  }
}

/** The socket and address a connection's packets arrive on, once it is connected. */
function pathOf(socket: NoiseSecretStream): RelayPath | null {
  const raw = socket.rawStream as UDX.Stream | null
  if (raw === null || raw.socket === null || raw.remoteHost === null) return null
  return { socket: raw.socket, port: raw.remotePort, host: raw.remoteHost }
}
