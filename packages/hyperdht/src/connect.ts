// connect(): open an encrypted stream to the server behind a public key, through the DHT (§6.1).

import type { HostPort, Query, Session } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import { hash } from '@keymesh/crypto'
import {
  SecurePayload,
  isBogon,
  isReserved,
  localAddresses,
  matchAddress,
  relayToken
} from '@keymesh/holepunch'
import type { Holepuncher } from '@keymesh/holepunch'
import { NoiseSecretStream } from '@keymesh/secret-stream'
import { FIREWALL, PAYLOAD_ERRORS } from '@keymesh/wire'
import type { NoisePayload } from '@keymesh/wire'
import type UDX from 'udx-native'
import { punchFromClient } from './client-holepunch.js'
import type { ConnectionPool } from './connection-pool.js'
import { CONNECTION_REFUSED_ERROR, HyperDHTError } from './errors.js'
import type { ConnectHost, HandshakeState, HolepunchVeto, PunchingClient } from './connect-host.js'
import { defaultCreateHandshake } from './noise-wrap.js'
import type { HandshakeResult, PeerHandshake } from './noise-wrap.js'
import { peerHandshake } from './peer-requests.js'
import { RelayLink, changeToDirect, chooseRelay } from './relay-link.js'
import { parseRemoteKey } from './remote-key.js'
import { sameAddress } from './same-address.js'
import { selectRelay } from './select-relay.js'
import type { RelayThrough } from './select-relay.js'
import { Semaphore } from './semaphore.js'
import { Sleeper } from './sleeper.js'

export type { HandshakeState, HolepunchVeto } from './connect-host.js'

/** Makes the stream `connect()` returns (hyperdht's `createSecretStream` option). */
export type CreateSecretStream = (
  isInitiator: boolean,
  rawStream: null,
  opts: { publicKey: Uint8Array; remotePublicKey: Uint8Array; autoStart: false; keepAlive: number }
) => NoiseSecretStream

/** Options of `dht.connect(publicKey, opts)`: hyperdht's, plus `signal` (keymesh extra). */
export interface ConnectOptions {
  /** Our static key pair. @default dht.defaultKeyPair */
  keyPair?: KeyPair
  /** Nodes to try the handshake through before (and while) looking the key up. */
  relayAddresses?: HostPort[]
  /** Blind-relay server key(s) to pair through when punching may fail (the server's choice wins). */
  relayThrough?: RelayThrough
  /** Keep-alive of the relay connection in ms. @default 5000 */
  relayKeepAlive?: number
  /** Let the server reuse the socket for later connections. @default false */
  reusableSocket?: boolean
  /** Try a direct LAN connection when both sides share a public IP. @default true */
  localConnection?: boolean
  /** Open a low-TTL session to the server before the first holepunch message. @default true */
  fastOpen?: boolean
  /** Veto holepunching after the probe round. */
  holepunch?: HolepunchVeto
  /** Deduplicate connections per remote key. */
  pool?: ConnectionPool
  /** Custom Noise handshake (hyperdht's test hook). */
  createHandshake?: (keyPair: KeyPair, remotePublicKey: Uint8Array | null) => PeerHandshake
  /** Custom stream factory. */
  createSecretStream?: CreateSecretStream
  /** keymesh extra: destroys the stream with `signal.reason` when aborted. */
  signal?: AbortSignal
}

const PASSIVE_CONNECT_TIMEOUT = 10000
const RELAY_KEEP_ALIVE_MS = 5000

/**
 * Connect to `remotePublicKey`. Returns the NoiseSecretStream at once; it opens when a path is
 * found and is destroyed with a HyperDHTError (`PEER_NOT_FOUND`, `SERVER_ERROR`,
 * `CONNECTION_REFUSED`, `HOLEPUNCH_ABORTED`, ...) otherwise.
 */
export function connect(
  dht: ConnectHost,
  remotePublicKey: Uint8Array | string,
  opts: ConnectOptions = {}
): NoiseSecretStream {
  const { publicKey, nodes } = parseRemoteKey(remotePublicKey)
  const pool = opts.pool ?? null
  if (pool !== null) {
    const existing = pool.get(publicKey)
    if (existing !== null) return existing
  }
  const keyPair = opts.keyPair ?? dht.defaultKeyPair
  const create = opts.createSecretStream ?? defaultCreateSecretStream
  const stream = create(true, null, {
    publicKey: keyPair.publicKey,
    remotePublicKey: publicKey,
    autoStart: false,
    keepAlive: dht.connectionKeepAlive
  })

  if (dht.suspended || !dht._connectable || dht.destroyed) {
    stream.destroy(new HyperDHTError(dht.destroyed ? 'NODE_DESTROYED' : 'SUSPENDED'))
    return stream
  }
  if (pool !== null) pool._attachStream(stream, false)

  const c = new ClientConnection(dht, stream, publicKey, keyPair, {
    ...opts,
    relayAddresses: opts.relayAddresses?.length ? opts.relayAddresses : nodes
  })
  const signal = opts.signal
  if (signal !== undefined) {
    if (signal.aborted) stream.destroy(signal.reason as Error)
    else {
      const onabort = (): void => {
        stream.destroy(signal.reason as Error)
      }
      signal.addEventListener('abort', onabort, { once: true })
      stream.once('close', () => signal.removeEventListener('abort', onabort))
    }
  }
  if (!stream.destroying) c.run().catch((err: unknown) => c.fail(err))
  return stream
}

/** @internal One connection attempt: handshake through the DHT, then the path (§6.1 step 4). */
export class ClientConnection implements PunchingClient {
  readonly dht: ConnectHost
  readonly stream: NoiseSecretStream
  readonly session: Session
  readonly target: Buffer
  readonly remotePublicKey: Buffer
  readonly sleeper = new Sleeper()
  readonly opts: ConnectOptions
  /** Bumped on every PEER_HOLEPUNCH sent. */
  round = 0
  /** Our class as sent in message 1. */
  firewall: number = FIREWALL.UNKNOWN
  rawStream: UDX.Stream | null
  handshakeState: HandshakeState | null = null
  puncher: Holepuncher | null = null
  payload: SecurePayload | null = null
  /** The blind-relay pairing token in use: ours until the server's reply names another. */
  relayToken: Buffer | null
  /** The relay we offer the server (`relayThrough`), chosen once per attempt. */
  private readonly relayThrough: Buffer | null
  /** Our pairing through a blind relay, while one is in use. */
  private relay: RelayLink | null = null
  private readonly id: string
  private readonly lan: boolean
  private readonly relayAddresses: HostPort[]
  private readonly remoteRelayAddresses: HostPort[] = []
  private handshake: PeerHandshake | null
  private request: Promise<Uint8Array> | null = null
  private query: Query<unknown> | null = null
  private passiveTimer: NodeJS.Timeout | null = null
  private serverSocket: { socket: UDX.Socket; port: number; host: string } | null = null
  private onsocket: ((socket: UDX.Socket, port: number, host: string) => void) | null = null

  constructor(
    dht: ConnectHost,
    stream: NoiseSecretStream,
    remotePublicKey: Buffer,
    keyPair: KeyPair,
    opts: ConnectOptions & { relayAddresses: HostPort[] }
  ) {
    this.dht = dht
    this.stream = stream
    this.opts = opts
    this.session = dht.session()
    this.remotePublicKey = remotePublicKey
    this.target = hash(remotePublicKey)
    this.id = remotePublicKey.toString('hex')
    this.lan = opts.localConnection !== false
    this.relayAddresses = opts.relayAddresses
    this.relayThrough = selectRelay(opts.relayThrough)
    this.relayToken = this.relayThrough !== null ? relayToken() : null
    this.handshake = (opts.createHandshake ?? defaultCreateHandshake)(keyPair, remotePublicKey)
    // the server may reach our raw stream before its reply reaches us: remember where from
    this.rawStream = dht.createRawStream({
      framed: true,
      firewall: (socket, port, host) => {
        // relayed traffic before our stream is connected to the relay is not the direct path
        if (this.relay !== null && this.relay.viaRelay(socket, port, host)) return false
        if (this.onsocket !== null) this.onsocket(socket, port, host)
        else this.serverSocket = { socket, port, host }
        return false
      }
    })
    const early = (err: Error): void => this.maybeDestroy(err)
    this.rawStream.on('error', early)
    this.rawStream.once('connect', () => this.rawStream?.removeListener('error', early))
    stream.once('close', () => this.cleanup())
  }

  /** True once nothing more should happen: destroyed, or a path is established. */
  isDone(): boolean {
    if (this.stream.destroying || (this.puncher !== null && this.puncher.connected)) return true
    if (this.stream.rawStream === null) return false
    // relayed: keep punching for the direct path while the puncher is still at it
    const punching = this.puncher !== null && !this.puncher.connected && !this.puncher.destroyed
    return !(this.relay !== null && punching)
  }

  /** Destroy the stream with `err` unless a path exists or something is still trying. */
  maybeDestroy(err: unknown): void {
    if (this.isDone()) return
    if (this.stream.rawStream !== null) return // relayed already
    if (this.relay !== null) return // the relay may still pair
    if (this.puncher !== null && !this.puncher.destroyed) return
    this.session.destroy()
    this.stream.destroy(err as Error)
  }

  /** Unexpected failure of the attempt itself (a bug, not a network condition). */
  fail(err: unknown): void {
    if (!this.stream.destroying) this.stream.destroy(err as Error)
  }

  async run(): Promise<void> {
    const route =
      this.opts.reusableSocket === true
        ? this.dht._socketPool.routes.get(this.remotePublicKey)
        : null
    if (route !== null) {
      await this.retryRoute(route)
      if (this.isDone()) return
    }
    await this.findAndConnect()
    if (this.isDone()) return
    if (this.handshakeState === null) {
      this.maybeDestroy(new HyperDHTError('HANDSHAKE_INVALID'))
      return
    }
    await this.choosePath(this.handshakeState)
  }

  private async retryRoute(route: { socket: UDX.Socket; address: HostPort }): Promise<void> {
    const ref = this.dht._socketPool.lookup(route.socket)
    if (ref === null) {
      if (route.socket === this.dht.socket)
        await this.connectThroughNode(route.address, route.socket)
      return
    }
    ref.active()
    try {
      await this.connectThroughNode(route.address, route.socket)
    } finally {
      ref.inactive()
    }
  }

  private async findAndConnect(): Promise<void> {
    let hints: HostPort[] | null = this.relayAddresses.length > 0 ? this.relayAddresses : null
    if (hints === null) hints = this.dht._relayAddressesCache.get(this.id) ?? null
    if (this.dht._persistent !== null) {
      // we may be the node the server announced through
      const entry = this.dht._router.get(this.target)
      if (entry !== null && entry.relay !== null) hints = [entry.relay]
    }

    const preConnect = hints !== null && hints.length > 0
    const sem = new Semaphore(preConnect ? 3 : 2)
    const release = (): void => sem.signal()
    let attempts = 0

    if (preConnect && hints !== null) {
      await sem.wait()
      this.connectThroughNodes(hints).then(release, release)
    }

    try {
      const tries = hints !== null ? 2 : 1
      for (let i = 0; i < tries && !this.isDone() && this.handshakeState === null; i++) {
        const query = this.dht.findPeer(this.target, {
          hash: false,
          session: this.session,
          ...(hints !== null ? { nodes: hints } : {}),
          retries: 3
        })
        this.query = query as Query<unknown>
        for await (const data of query) {
          if (!(await sem.wait()) || this.isDone()) return
          if (this.handshakeState !== null) {
            sem.signal()
            break
          }
          if (preConnect && hints !== null && hints.some((h) => sameAddress(h, data.from))) {
            sem.signal()
            continue
          }
          const from = { host: data.from.host, port: data.from.port }
          this.remoteRelayAddresses.push(from)
          attempts++
          this.connectThroughNode(from, null).then(release, release)
        }
        hints = null
        if (attempts > 0) await sem.flush()
      }
      this.query = null
      if (this.isDone()) return
      await sem.flush()
      if (this.isDone()) return
    } catch (err) {
      this.query = null
      this.maybeDestroy(err)
      return
    } finally {
      sem.destroy()
    }

    if (this.handshakeState === null) {
      this.maybeDestroy(
        new HyperDHTError(attempts > 0 ? 'PEER_CONNECTION_FAILED' : 'PEER_NOT_FOUND')
      )
    }
  }

  private async connectThroughNodes(addresses: HostPort[]): Promise<void> {
    for (const address of addresses) {
      if (this.isDone() || this.handshakeState !== null) return
      this.remoteRelayAddresses.push(address)
      await this.connectThroughNode(address, null)
    }
  }

  /** Message 1 is built once and sent through every node tried. */
  private message1(): Promise<Uint8Array> {
    if (this.request !== null) return this.request
    const remote = this.dht.remoteAddress()
    const addresses4: HostPort[] = []
    if (remote !== null) addresses4.push(remote)
    const serverSocket = this.dht.io.serverSocket
    if (this.lan && serverSocket !== null) {
      addresses4.push(...localAddresses(serverSocket, this.dht.udx))
    }
    this.firewall = remote !== null ? FIREWALL.OPEN : FIREWALL.UNKNOWN
    const handshake = this.handshake as PeerHandshake
    this.request = Promise.resolve(
      handshake.send({
        version: 1,
        error: PAYLOAD_ERRORS.NONE,
        firewall: this.firewall,
        holepunch: null,
        addresses4,
        addresses6: [],
        udx: {
          version: 1,
          reusableSocket: this.opts.reusableSocket === true,
          id: (this.rawStream as UDX.Stream).id,
          seq: 0
        },
        secretStream: { version: 1 },
        relayThrough:
          this.relayThrough !== null && this.relayToken !== null
            ? { version: 1, publicKey: this.relayThrough, token: this.relayToken }
            : null,
        relayAddresses: null
      })
    )
    return this.request
  }

  /** One handshake through `address`; errors mean "this node did not work out" and are dropped. */
  private async connectThroughNode(address: HostPort, socket: UDX.Socket | null): Promise<void> {
    try {
      await this.handshakeThrough(address, socket)
    } catch {
      // timeouts, bad replies and undecryptable messages: another node may still succeed
    }
  }

  private async handshakeThrough(address: HostPort, socket: UDX.Socket | null): Promise<void> {
    if (this.handshake === null) return
    const noise = await this.message1()
    if (this.isDone()) return
    const res = await peerHandshake(this.dht, this.target, { noise }, address, {
      socket,
      session: this.session
    })
    if (this.isDone() || this.handshakeState !== null || this.handshake === null) return

    const handshake = this.handshake
    const payload = await handshake.recv(res.noise)
    if (this.isDone() || this.handshakeState !== null) return

    if (payload.version !== 1) {
      this.maybeDestroy(new HyperDHTError('SERVER_INCOMPATIBLE'))
      return
    }
    if (payload.error !== PAYLOAD_ERRORS.NONE) {
      this.maybeDestroy(
        payload.error === CONNECTION_REFUSED_ERROR
          ? new HyperDHTError('CONNECTION_REFUSED')
          : new HyperDHTError('SERVER_ERROR')
      )
      return
    }
    if (payload.udx === null) {
      this.maybeDestroy(new HyperDHTError('SERVER_ERROR', 'Server did not send UDX data'))
      return
    }

    const hs = handshake.final()
    this.handshake = null
    this.handshakeState = {
      relayed: res.relayed,
      relayAddress: address,
      clientAddress: res.clientAddress,
      serverAddress: res.serverAddress,
      payload
    }
    this.payload = new SecurePayload(hs.holepunchSecret)
    this.onsocket = (sock, port, host) => this.attach(sock, port, host, hs, payload)
    if (payload.relayThrough !== null || this.relayThrough !== null) this.startRelay(payload, hs)

    if (this.serverSocket !== null) {
      const s = this.serverSocket
      this.onsocket(s.socket, s.port, s.host)
      return
    }
    if (!res.relayed)
      this.onsocket(socket ?? (this.dht.socket as UDX.Socket), address.port, address.host)
    this.session.destroy()
  }

  /** The path is found: connect the raw stream there and start the secret stream. */
  private attach(
    socket: UDX.Socket,
    port: number,
    host: string,
    hs: HandshakeResult,
    payload: NoisePayload
  ): void {
    const rawStream = this.rawStream
    if (rawStream === null || payload.udx === null) return // already attached
    this.rawStream = null
    if (rawStream.connected) {
      // relayed so far: move to the direct path, drop the relay once traffic arrives there
      changeToDirect(rawStream, this.relay, socket, payload.udx.id, port, host)
    } else {
      if (payload.relayAddresses !== null && payload.relayAddresses.length > 0) {
        this.dht._relayAddressesCache.set(this.id, payload.relayAddresses)
      } else if (this.remoteRelayAddresses.length > 0) {
        this.dht._relayAddressesCache.set(this.id, this.remoteRelayAddresses)
      }
      try {
        rawStream.connect(socket, payload.udx.id, port, host)
      } catch (err) {
        rawStream.destroy()
        this.stream.destroy(err as Error)
        return
      }
      this.stream.start(rawStream, { handshake: hs })
    }
    if (this.opts.reusableSocket === true && payload.udx.reusableSocket) {
      this.dht._socketPool.routes.add(this.remotePublicKey, rawStream)
    }
    if (this.puncher !== null) {
      this.puncher.onabort = noop
      this.puncher.destroy()
    }
    this.clearPassiveTimer()
  }

  /**
   * Pair through a blind relay (§9): the server's relayThrough if it sent one (we pair as
   * responder), else ours (as initiator). The stream starts over the relay as soon as both
   * sides are paired; holepunching goes on and may move it to the direct path later.
   */
  private startRelay(payload: NoisePayload, hs: HandshakeResult): void {
    const ours =
      this.relayThrough !== null && this.relayToken !== null
        ? { publicKey: this.relayThrough, token: this.relayToken }
        : null
    const chosen = chooseRelay(ours, payload.relayThrough, false)
    const rawStream = this.rawStream
    if (chosen === null || rawStream === null) return
    this.relayToken = chosen.token
    const relay = new RelayLink(this.dht, {
      ...chosen,
      keepAlive: this.opts.relayKeepAlive || RELAY_KEEP_ALIVE_MS,
      rawStream,
      claim: () => (this.stream.destroying ? null : this.rawStream),
      onrelayed: (raw) => {
        this.clearPassiveTimer()
        this.stream.start(raw, { handshake: hs })
      },
      onabort: (err) => {
        if (this.relay === relay) this.relay = null
        this.maybeDestroy(err)
      }
    })
    this.relay = relay
  }

  /** §6.1 step 4 once the handshake is through and the server has not reached us yet. */
  private async choosePath(state: HandshakeState): Promise<void> {
    const { payload, serverAddress, relayAddress, clientAddress } = state
    const holepunchable = payload.holepunch !== null && payload.holepunch.relays.length > 0
    const relayed = !sameAddress(serverAddress, relayAddress)

    if (payload.firewall === FIREWALL.OPEN || (relayed && !holepunchable)) {
      const addr = payload.addresses4.find((a) => !isBogon(a.host)) ?? serverAddress
      this.dht.stats.punches.open++
      this.onpunched(this.dht.socket as UDX.Socket, addr.port, addr.host)
      return
    }

    if (this.firewall === FIREWALL.OPEN) {
      // the server connects to us; give it the same time hyperdht does
      this.passiveTimer = setTimeout(() => {
        this.passiveTimer = null
        this.session.destroy()
        this.maybeDestroy(new HyperDHTError('HOLEPUNCH_ABORTED'))
      }, PASSIVE_CONNECT_TIMEOUT)
      return
    }

    if (this.lan && relayed && clientAddress.host === serverAddress.host) {
      const candidates = payload.addresses4.filter((a) => !isReserved(a.host))
      const serverSocket = this.dht.io.serverSocket
      if (candidates.length > 0 && serverSocket !== null) {
        const mine = localAddresses(serverSocket, this.dht.udx)
        const addr = matchAddress(mine, candidates) ?? (candidates[0] as HostPort)
        // race the LAN shortcut with holepunching; whichever lands first claims the stream
        this.dht.ping(addr).then(
          () => {
            if (!this.isDone()) this.onpunched(serverSocket, addr.port, addr.host)
          },
          () => {
            if (!holepunchable) this.maybeDestroy(new HyperDHTError('HOLEPUNCH_ABORTED'))
          }
        )
        if (!holepunchable) return
      }
    }

    if (!holepunchable) {
      this.maybeDestroy(new HyperDHTError('CANNOT_HOLEPUNCH'))
      return
    }
    await punchFromClient(this, state)
  }

  /** A path was found (direct, LAN or punched): attach the stream there, once. */
  onpunched(socket: UDX.Socket, port: number, host: string): void {
    if (this.onsocket !== null) this.onsocket(socket, port, host)
  }

  private clearPassiveTimer(): void {
    if (this.passiveTimer !== null) clearTimeout(this.passiveTimer)
    this.passiveTimer = null
  }

  private cleanup(): void {
    this.clearPassiveTimer()
    if (this.relay !== null) this.relay.destroy()
    this.relay = null
    if (this.query !== null) this.query.destroy()
    if (this.puncher !== null) this.puncher.destroy()
    if (this.rawStream !== null) this.rawStream.destroy()
    this.session.destroy()
    this.sleeper.resume()
  }
}

function defaultCreateSecretStream(
  isInitiator: boolean,
  rawStream: null,
  opts: { publicKey: Uint8Array; remotePublicKey: Uint8Array; autoStart: false; keepAlive: number }
): NoiseSecretStream {
  return new NoiseSecretStream(isInitiator, rawStream, opts)
}

function noop(): void {}
