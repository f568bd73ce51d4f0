// RelayLink: one side's blind-relay pairing for one connection (§9, §7.7).

import { BlindRelayClient } from '@keymesh/holepunch'
import type { BlindRelayRequest } from '@keymesh/holepunch'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type UDX from 'udx-native'
import { HyperDHTError } from './errors.js'
import { safetyCatch } from './safety-catch.js'

/** Pairing must complete within this long, as in hyperdht (`RELAY_ABORTED` otherwise). */
export const RELAY_PAIRING_TIMEOUT_MS = 15_000

/** What a relay link needs from its node. */
export interface RelayLinkHost {
  connect(publicKey: Uint8Array): NoiseSecretStream
  readonly stats: { relaying: { attempts: number; successes: number; aborts: number } }
}

/** A relay one side offered: its key and the pairing token. */
export interface RelayChoice {
  publicKey: Uint8Array
  token: Buffer
}

/**
 * The relay a connection pairs through: the server's choice wins over the client's, and the side
 * whose choice it is pairs as initiator. Null when neither side offered one.
 */
export function chooseRelay(
  ours: RelayChoice | null,
  theirs: RelayChoice | null,
  weAreServer: boolean
): (RelayChoice & { isInitiator: boolean }) | null {
  const useOurs = ours !== null && (weAreServer || theirs === null)
  const chosen = useOurs ? ours : theirs
  return chosen === null ? null : { ...chosen, isInitiator: useOurs }
}

/** One pairing: who relays, with which token, in which role, for which raw stream. */
export interface RelayLinkOptions extends RelayChoice {
  isInitiator: boolean
  keepAlive: number
  rawStream: UDX.Stream
  /** Paired: the raw stream to connect to the relay, or null if a direct path already won. */
  claim(): UDX.Stream | null
  /** The claimed raw stream is connected to the relay: start the connection on it. */
  onrelayed(rawStream: UDX.Stream): void
  /** Pairing failed or timed out; the link is already torn down. */
  onabort(err: Error): void
}

/** Move a connection's raw stream to the direct path; a relay in use retires once it works. */
export function changeToDirect(
  rawStream: UDX.Stream,
  relay: RelayLink | null,
  socket: UDX.Socket,
  remoteId: number,
  port: number,
  host: string
): void {
  const changing = rawStream.changeRemote(socket, remoteId, port, host)
  if (relay !== null) relay.confirmDirect(rawStream, changing)
  else changing.catch(safetyCatch)
}

/**
 * A connection to the relay server, a `pair` request for our raw stream's id and a 15 s deadline.
 * Once paired the connection's data flows through the relay; if holepunching later finds the
 * direct path, `confirmDirect` closes the relay once traffic arrives there.
 */
export class RelayLink {
  readonly token: Buffer
  paired = false
  /**
   * False while the only packets seen may have come through the relay: the first packet after a
   * move to the direct path then does not count as proof of it.
   */
  validUpgrade = true
  private readonly host: RelayLinkHost
  private socket: NoiseSecretStream | null
  private request: BlindRelayRequest | null = null
  private timer: NodeJS.Timeout | null
  private readonly opts: RelayLinkOptions

  constructor(host: RelayLinkHost, opts: RelayLinkOptions) {
    this.host = host
    this.opts = opts
    this.token = opts.token
    host.stats.relaying.attempts++
    const socket = host.connect(opts.publicKey)
    this.socket = socket
    socket.on('error', safetyCatch) // its close aborts the pairing; the error itself is not ours
    socket.setKeepAlive(opts.keepAlive)
    const onexpire = (): void => this.abort(new HyperDHTError('RELAY_ABORTED'))
    this.timer = setTimeout(onexpire, RELAY_PAIRING_TIMEOUT_MS)
    try {
      const client = BlindRelayClient.from(socket, { id: socket.publicKey ?? undefined })
      const request = client.pair(opts.isInitiator, opts.token, opts.rawStream)
      this.request = request
      request.on('error', (err: Error) => this.abort(err))
      request.on('data', (remoteId: number) => this.onpair(remoteId))
    } catch (err) {
      // the same token twice on one relay connection, or a destroyed channel
      queueMicrotask(() => this.abort(err as Error))
    }
  }

  /**
   * A packet reached the connection's stream from (socket, port, host), outside its current
   * path: true if it came through the relay. Otherwise it is the direct path, and later
   * traffic there may retire the relay.
   */
  viaRelay(socket: UDX.Socket, port: number, host: string): boolean {
    const relayed = this.isRelay(socket, port, host)
    this.validUpgrade = !relayed
    return relayed
  }

  private isRelay(socket: UDX.Socket, port: number, host: string): boolean {
    const stream = this.socket?.rawStream as UDX.Stream | null | undefined
    if (stream === null || stream === undefined) return false
    return stream.socket === socket && stream.remotePort === port && stream.remoteHost === host
  }

  /**
   * The connection moved to the direct path (`changing` settles when it has): send an empty UDX
   * message so the peer sees the path, and close the relay once traffic arrives directly.
   */
  confirmDirect(rawStream: UDX.Stream, changing: Promise<void>): void {
    const ondirect = (): void => {
      if (!this.validUpgrade) {
        this.validUpgrade = true
        return
      }
      cleanup()
      this.close()
    }
    const cleanup = (): void => {
      rawStream.removeListener('data', ondirect)
      rawStream.removeListener('message', ondirect)
      rawStream.removeListener('close', cleanup)
    }
    changing.then(
      () => {
        rawStream.on('data', ondirect)
        rawStream.on('message', ondirect)
        rawStream.once('close', cleanup)
        rawStream.trySend(Buffer.alloc(0))
      },
      (err: unknown) => safetyCatch(err)
    )
  }

  /** Close the relay connection gracefully (the direct path works). */
  close(): void {
    const socket = this.reset()
    if (socket !== null) socket.end()
  }

  /** Tear the relay connection down at once. */
  destroy(): void {
    const socket = this.reset()
    if (socket !== null) socket.destroy()
  }

  private onpair(remoteId: number): void {
    this.clearTimer()
    const socket = this.socket
    const relayStream = socket?.rawStream as UDX.Stream | null | undefined
    if (socket === null || relayStream === null || relayStream === undefined) return
    if (relayStream.socket === null || relayStream.remoteHost === null) {
      this.abort(new HyperDHTError('RELAY_ABORTED'))
      return
    }
    this.paired = true
    this.host.stats.relaying.successes++
    const raw = this.opts.claim()
    if (raw === null) {
      this.destroy() // a direct path won the race: the relay is not needed
      return
    }
    raw.once('close', () => this.destroy())
    raw.connect(relayStream.socket, remoteId, relayStream.remotePort, relayStream.remoteHost)
    this.opts.onrelayed(raw)
  }

  private abort(err: Error): void {
    if (this.socket === null) return
    if (!this.paired) this.host.stats.relaying.aborts++
    this.destroy()
    this.opts.onabort(err)
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private reset(): NoiseSecretStream | null {
    this.clearTimer()
    const socket = this.socket
    this.socket = null
    const request = this.request
    this.request = null
    if (request !== null) request.removeAllListeners('data')
    return socket
  }
}
