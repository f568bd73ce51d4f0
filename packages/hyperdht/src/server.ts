// Server: listens on a key pair; announces it and hands incoming handshakes to its slots (§6.2).

import { EventEmitter } from 'node:events'
import type { HostPort } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import { hash } from '@keymesh/crypto'
import { localAddresses } from '@keymesh/holepunch'
import { NoiseSecretStream } from '@keymesh/secret-stream'
import type { PeerAddress } from '@keymesh/wire'
import b4a from 'b4a'
import type UDX from 'udx-native'
import { Announcer } from './announcer.js'
import type { AnnouncerStats } from './announcer.js'
import type { HolepunchVeto } from './holepunch-veto.js'
import type { ConnectionPool } from './connection-pool.js'
import { HyperDHTError } from './errors.js'
import type { ServerHost } from './server-host.js'
import { defaultCreateHandshake } from './noise-wrap.js'
import type { HandshakeResult, PeerHandshake } from './noise-wrap.js'
import { safetyCatch } from './safety-catch.js'
import { ServerHandshakes } from './server-handshakes.js'
import type {
  CreateServerSecretStream,
  RelayThrough,
  ServerAddress,
  ServerEvents,
  ServerFirewall,
  ServerListenOptions,
  ServerOptions
} from './server-options.js'

export type {
  CreateServerSecretStream,
  RelayThrough,
  ServerAddress,
  ServerEvents,
  ServerFirewall,
  ServerListenOptions,
  ServerOptions
}

/** How long a finished handshake slot is kept (its reply reused for copies of message 1). */
const HANDSHAKE_CLEAR_WAIT_MS = 10_000
/** Keep-alive of the connection to a blind relay. */
const RELAY_KEEP_ALIVE_MS = 5000

/**
 * A server accepting encrypted connections to one key pair, hyperdht's `Server`. `listen()`
 * installs it in the node's router and announces it; each handshake gets a slot that decides how
 * the client will reach us (directly, over the LAN, or by holepunching) and emits `'connection'`
 * once a UDX stream arrives. Closing stops accepting: open connections stay up, as in hyperdht.
 */
export class Server extends EventEmitter<ServerEvents> {
  /** The node this server listens on. */
  readonly dht: ServerHost
  /** H(publicKey) while listening. */
  target: Buffer | null = null
  closed = false
  suspended = false
  readonly firewall: ServerFirewall
  readonly holepunch: HolepunchVeto
  readonly relayThrough: RelayThrough
  readonly relayKeepAlive: number
  readonly pool: ConnectionPool | null
  readonly createHandshake: (keyPair: KeyPair, remotePublicKey: Uint8Array | null) => PeerHandshake
  readonly createSecretStream: CreateServerSecretStream
  readonly handshakeClearWait: number
  /** keymesh extra: see {@link ServerOptions.rejectSilently}. */
  readonly rejectSilently: boolean

  /** @internal the handshake slots; its hooks are this server's router entry */
  readonly _handshakes: ServerHandshakes
  private keyPair: KeyPair | null = null
  private announcer: Announcer | null = null
  private listenPromise: Promise<void> | null = null
  private closing: Promise<void> | null = null

  /**
   * @param dht - the node accepting the connections
   * @param opts - see {@link ServerOptions}
   */
  constructor(dht: ServerHost, opts: ServerOptions = {}) {
    super()
    this.dht = dht
    this.firewall = opts.firewall || (() => false)
    this.holepunch = opts.holepunch || (() => true)
    this.relayThrough = opts.relayThrough || null
    // hyperdht compat: `||`, so 0 means the default
    this.relayKeepAlive = opts.relayKeepAlive || RELAY_KEEP_ALIVE_MS
    this.pool = opts.pool || null
    this.createHandshake = opts.createHandshake || defaultCreateHandshake
    this.createSecretStream = opts.createSecretStream || defaultCreateSecretStream
    this.handshakeClearWait = opts.handshakeClearWait || HANDSHAKE_CLEAR_WAIT_MS
    this.rejectSilently = opts.rejectSilently === true
    const server = this
    const host = {
      get keyPair() {
        return server.keyPair
      },
      get stopping() {
        return server.closing !== null || server.suspended
      },
      get closing() {
        return server.closing !== null
      },
      get relays() {
        return server.announcer === null ? [] : server.announcer.relays
      },
      get relayAddresses() {
        return server.relayAddresses
      },
      isRelay: (addr: HostPort) => server.announcer !== null && server.announcer.isRelay(addr),
      localAddresses: () => server.ourLocalAddresses(),
      onconnection: (socket: NoiseSecretStream) => server.onconnection(socket)
    }
    this._handshakes = new ServerHandshakes(dht, host, {
      firewall: this.firewall,
      holepunch: this.holepunch,
      neverPunch: opts.holepunch === false, // fully disables punching
      relayThrough: this.relayThrough,
      relayKeepAlive: this.relayKeepAlive,
      shareLocalAddress: opts.shareLocalAddress !== false,
      reusableSocket: !!opts.reusableSocket,
      handshakeClearWait: this.handshakeClearWait,
      createHandshake: this.createHandshake,
      createSecretStream: this.createSecretStream,
      rejectSilently: this.rejectSilently
    })
  }

  /** True from `listen()` until `close()` (or a failed listen). */
  get listening(): boolean {
    return this.listenPromise !== null
  }

  /** The key pair's public key while listening, else null. */
  get publicKey(): Buffer | null {
    return this.keyPair === null ? null : (this.keyPair.publicKey as Buffer)
  }

  /** Where clients can route handshakes to us: our stable address, then our relays. */
  get relayAddresses(): PeerAddress[] {
    return this.announcer === null ? [] : this.announcer.relayAddresses
  }

  /** keymesh extra: the announcer's counters, or null when not listening. */
  get announcerStats(): AnnouncerStats | null {
    return this.announcer === null ? null : this.announcer.stats
  }

  /** Emits `'connection'`; override to intercept connections (hyperdht's hook). */
  onconnection(encryptedSocket: NoiseSecretStream): void {
    this.emit('connection', encryptedSocket)
  }

  /**
   * Announce `keyPair` and accept connections to it; resolves with the server.
   * @throws HyperDHTError `ALREADY_LISTENING`, `NODE_DESTROYED`, `KEYPAIR_ALREADY_USED`
   */
  async listen(
    keyPair: KeyPair = this.dht.defaultKeyPair,
    opts: ServerListenOptions = {}
  ): Promise<this> {
    if (this.listenPromise !== null) throw new HyperDHTError('ALREADY_LISTENING')
    if (this.dht.destroyed) throw new HyperDHTError('NODE_DESTROYED')
    // keymesh: a closed server stays closed (hyperdht would re-register it with the node and
    // leave it there, never announced)
    if (this.closing !== null) return this
    const { signal } = opts
    signal?.throwIfAborted()
    const listening = this.startListening(keyPair, opts)
    this.listenPromise = listening
    const onabort = (): void => {
      // the listen is still running: cut its announce short; startListening then throws
      if (this.announcer !== null) this.announcer.stop().catch(safetyCatch)
    }
    signal?.addEventListener('abort', onabort, { once: true })
    try {
      await listening
    } finally {
      signal?.removeEventListener('abort', onabort)
    }
    return this
  }

  /** Stop accepting: unannounce, drop pending handshakes, emit `'close'`. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow()
    return this.closing
  }

  /** Re-announce now (hyperdht calls this on network changes). */
  refresh(): void {
    if (this.announcer !== null && !this.suspended) this.announcer.refresh()
  }

  /** The node is back online: let the announcer continue. */
  notifyOnline(): void {
    if (this.announcer !== null) this.announcer.online.notify()
  }

  /** Unannounce and drop pending handshakes until {@link Server.resume}. */
  async suspend({ log = noop }: { log?: (msg: string) => void } = {}): Promise<void> {
    log('Suspending hyperdht server')
    await this.listenSettled()
    log('Suspending hyperdht server (post listening)')
    this.suspended = true
    this._handshakes.clearAll()
    if (this.announcer !== null) await this.announcer.suspend({ log })
  }

  /** Announce again after {@link Server.suspend}. */
  async resume(): Promise<void> {
    await this.listenSettled()
    this.suspended = false
    if (this.announcer !== null) this.announcer.resume()
  }

  /** `{ publicKey, host, port }` of the node while listening, else null. */
  address(): ServerAddress | null {
    if (this.keyPair === null) return null
    return { publicKey: this.keyPair.publicKey as Buffer, host: this.dht.host, port: this.dht.port }
  }

  private async listenSettled(): Promise<void> {
    if (this.listenPromise === null) return
    try {
      await this.listenPromise
    } catch {
      // a failed listen leaves nothing to suspend or resume
    }
  }

  private async startListening(keyPair: KeyPair, opts: ServerListenOptions): Promise<void> {
    // from here on the node closes this server when it is destroyed
    this.dht.listening.add(this)
    try {
      await this.dht.bind()
      if (this.closing !== null) return
      opts.signal?.throwIfAborted()
      for (const s of this.dht.listening) {
        if (s.publicKey !== null && b4a.equals(s.publicKey, keyPair.publicKey)) {
          throw new HyperDHTError('KEYPAIR_ALREADY_USED')
        }
      }
      this.target = hash(keyPair.publicKey)
      this.keyPair = keyPair
      const announcer = new Announcer(this.dht, keyPair, this.target, {
        signAnnounce: opts.signAnnounce,
        signUnannounce: opts.signUnannounce
      })
      this.announcer = announcer
      this.dht._router.set(this.target, {
        relay: null,
        record: announcer.record,
        local: true,
        onpeerhandshake: this._handshakes.onpeerhandshake,
        onpeerholepunch: this._handshakes.onpeerholepunch
      })
      this.ourLocalAddresses().catch(safetyCatch) // warm the validation cache
      await announcer.start()
      opts.signal?.throwIfAborted()
    } catch (err) {
      await this.stopListening()
      this.gc()
      throw err
    }

    if (this.closing !== null) return
    if (this.suspended && this.announcer !== null) await this.announcer.suspend()
    if (this.closing !== null) return
    if (this.dht.destroyed) throw new HyperDHTError('NODE_DESTROYED')
    if (this.pool !== null) this.pool._attachServer(this)
    this.emit('listening')
  }

  private async closeNow(): Promise<void> {
    if (this.listenPromise !== null) {
      // do not wait for a first announce that nobody needs any more
      if (this.announcer !== null) this.announcer.stop().catch(safetyCatch)
      await this.listenSettled()
      this.gc()
      this._handshakes.clearAll()
      await this.stopListening()
    }
    this.closed = true
    this.emit('close')
  }

  private gc(): void {
    this.dht.listening.delete(this)
    if (this.target !== null) this.dht._router.delete(this.target)
  }

  private async stopListening(): Promise<void> {
    try {
      if (this.announcer !== null) await this.announcer.stop()
    } catch (err) {
      safetyCatch(err)
    }
    this.announcer = null
    this.listenPromise = null
    this.keyPair = null
  }

  private async ourLocalAddresses(): Promise<HostPort[]> {
    const socket = this.dht.io.serverSocket
    if (socket === null) return []
    return this.dht.validateLocalAddresses(localAddresses(socket, this.dht.udx))
  }
}

function defaultCreateSecretStream(
  isInitiator: false,
  rawStream: UDX.Stream,
  opts: { handshake: HandshakeResult; keepAlive: number }
): NoiseSecretStream {
  return new NoiseSecretStream(isInitiator, rawStream, opts)
}

const noop = (): void => {}
