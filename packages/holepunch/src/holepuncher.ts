// Holepuncher: one side of one holepunch attempt, from NAT analysis to connection (§7.4, §7.5).

import type UDX from 'udx-native'
import {
  BIRTHDAY_SETTLE_MS,
  BIRTHDAY_SOCKETS,
  RANDOM_PROBE_INTERVAL_MS,
  CONSISTENT_INTERVAL_MS,
  CONSISTENT_ROUNDS,
  FIREWALL,
  MAX_REOPENS,
  RANDOM_INTERVAL_MS,
  RANDOM_PINGS,
  RANDOM_PORT_MIN,
  UNVERIFIED_EVERY
} from './constants.js'
import { sendHolepunchPing } from './holepunch-ping.js'
import type { HostPort } from './host-port.js'
import { NatAnalyzer } from './nat-analyzer.js'
import { RandomPunchLimiter } from './random-punch-limiter.js'
import { Sleeper } from './sleeper.js'
import type { SocketPool } from './socket-pool.js'
import type { SocketRef } from './socket-ref.js'
import type { HolepunchTransport } from './transport.js'

/** Punch counters by strategy, hyperdht's `dht.stats.punches`. */
export interface PunchStats {
  consistent: number
  random: number
  open: number
}

/** A remote address the peer advertised; `verified` once its host was proven by a token (§7.3). */
export interface RemoteAddress extends HostPort {
  verified: boolean
}

/** The peer's state as carried by its last holepunch payload. */
export interface RemoteState {
  punching: boolean
  firewall: number
  addresses: HostPort[] | null
  /** The host the peer's token proved, or null. */
  verified: string | null
}

/** Options of {@link Holepuncher}. */
export interface HolepuncherOptions {
  /** The DHT's socket pool; the puncher acquires its sockets there. */
  pool: SocketPool
  /** The DHT's injected view, used to sample the NAT. */
  transport: HolepunchTransport
  /** True on the connecting side (client), false on the server. */
  isInitiator: boolean
  /**
   * The peer's firewall class, if already known.
   * @default FIREWALL.UNKNOWN
   */
  remoteFirewall?: number
  /** Counters to bump per started strategy; a private object by default. */
  stats?: PunchStats
  /** The DHT-wide random-punch counters; a private limiter by default. */
  limiter?: RandomPunchLimiter
}

/**
 * hyperdht's `Holepuncher`. Owns a fresh pool socket whose NAT it samples, tracks the peer's
 * advertised state, and runs the punch strategy the two firewall classes call for. On the
 * initiator the first 1-byte datagram on any of its sockets means connected (`onconnect`); on
 * the responder every 1-byte datagram is answered with one. A punch that runs out of attempts
 * destroys the puncher (`onabort`).
 */
export class Holepuncher {
  /** The NAT view of the current main socket; replaced when the socket is reopened. */
  nat: NatAnalyzer
  /** True on the connecting side. */
  readonly isInitiator: boolean
  /** True while a strategy is running. */
  punching = false
  /** True once a 1-byte datagram arrived on the initiator. */
  connected = false
  /** True once destroyed. */
  destroyed = false
  /** True while this puncher is counted as a running random punch. */
  randomized = false
  /** The peer's firewall class. */
  remoteFirewall: number
  /** The peer's advertised addresses. */
  remoteAddresses: RemoteAddress[] = []
  /** Whether the peer said it is punching. */
  remoteHolepunching = false
  /** Called once on the initiator with the socket and the peer address that answered. */
  onconnect: (socket: UDX.Socket, port: number, host: string) => void = noop
  /** Called once when the puncher is destroyed without having connected. */
  onabort: () => void = noop

  private readonly pool: SocketPool
  private readonly transport: HolepunchTransport
  private readonly stats: PunchStats
  private readonly limiter: RandomPunchLimiter
  private readonly sleeper = new Sleeper()
  private reopening: Promise<boolean> | null = null
  private punchResult: Promise<boolean> | null = null
  // Every socket in use: the main one first, then birthday sockets; just the winner once connected.
  private holders: SocketRef[] = []
  private holder: SocketRef

  /**
   * Acquires the main socket and starts sampling its NAT.
   * @throws HolepunchError `POOL_DESTROYED` when the pool is destroyed
   */
  constructor(opts: HolepuncherOptions) {
    this.pool = opts.pool
    this.transport = opts.transport
    this.isInitiator = opts.isInitiator
    this.remoteFirewall = opts.remoteFirewall ?? FIREWALL.UNKNOWN
    this.stats = opts.stats ?? { consistent: 0, random: 0, open: 0 }
    this.limiter = opts.limiter ?? new RandomPunchLimiter()

    const holder = this.pool.acquire()
    this.nat = new NatAnalyzer(this.transport, holder.socket)
    this.nat.autoSample()
    this.holder = this.addRef(holder)
  }

  /** The main socket (the one the NAT view describes). */
  get socket(): UDX.Socket {
    return this.holder.socket
  }

  /** Adopts the peer's payload state; an address stays verified once verified. */
  updateRemote(r: RemoteState): void {
    const remoteAddresses: RemoteAddress[] = []
    for (const addr of r.addresses ?? []) {
      remoteAddresses.push({
        host: addr.host,
        port: addr.port,
        verified: r.verified === addr.host || this.isVerified(addr.host)
      })
    }
    this.remoteFirewall = r.firewall
    this.remoteAddresses = remoteAddresses
    this.remoteHolepunching = r.punching
  }

  /** A holepunch ping (1 byte, TTL 64) from `socket` (the main one by default). Never rejects. */
  ping(addr: HostPort, socket: UDX.Socket = this.holder.socket): Promise<void> {
    return sendHolepunchPing(socket, addr, false)
  }

  /** An "open session" ping (1 byte, TTL 5): opens our NAT mapping only. Never rejects. */
  openSession(addr: HostPort, socket: UDX.Socket = this.holder.socket): Promise<void> {
    return sendHolepunchPing(socket, addr, true)
  }

  /**
   * Waits for the NAT analysis. True when the pair can punch; when unstable (local UNKNOWN, or
   * both RANDOM) false, unless `allowReopen`: then the socket is replaced and re-sampled up to 3
   * times (once per puncher), resolving true only if the local class ends CONSISTENT/OPEN.
   */
  async analyze(allowReopen: boolean): Promise<boolean> {
    await this.nat.analyzing
    if (!this.unstable()) return true
    if (!allowReopen) return false
    if (!this.reopening) this.reopening = this.reopen()
    return this.reopening
  }

  /**
   * Starts the strategy for the two classes (OPEN counts as CONSISTENT), once; resolves when it
   * has started, false when none applies: no remote addresses, done already, or a random side
   * without a verified remote address. The strategies run in the background.
   */
  punch(): Promise<boolean> {
    if (!this.punchResult) this.punchResult = this.startPunch()
    return this.punchResult
  }

  /**
   * Stops punching, releases every socket and clears every timer; `onabort` unless connected.
   * Idempotent.
   */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.punching = false

    for (const ref of this.holders) ref.release()
    this.holders = []
    this.nat.destroy()
    this.sleeper.destroy()

    if (!this.connected) {
      this.decrementRandomized()
      this.onabort()
    }
  }

  private isVerified(host: string): boolean {
    return this.remoteAddresses.some((addr) => addr.verified && addr.host === host)
  }

  private unstable(): boolean {
    const local = this.nat.firewall
    return (
      (this.remoteFirewall >= FIREWALL.RANDOM && local >= FIREWALL.RANDOM) ||
      local === FIREWALL.UNKNOWN
    )
  }

  private done(): boolean {
    return this.destroyed || this.connected
  }

  private async reopen(): Promise<boolean> {
    for (let i = 0; this.unstable() && i < MAX_REOPENS && !this.done() && !this.punching; i++) {
      if (this.pool.destroyed) break
      this.reset()
      await this.nat.analyzing
    }
    return coerceFirewall(this.nat.firewall) === FIREWALL.CONSISTENT
  }

  // Swaps the main socket for a fresh one (a new NAT mapping) and samples it.
  private reset(): void {
    const prev = this.holder
    this.holders.pop()
    this.holder = this.addRef(this.pool.acquire())
    prev.release()
    this.nat.destroy()
    this.nat = new NatAnalyzer(this.transport, this.holder.socket)
    this.nat.autoSample()
  }

  private addRef(ref: SocketRef): SocketRef {
    this.holders.push(ref)
    ref.onholepunchmessage = this.onholepunchmessage
    return ref
  }

  private readonly onholepunchmessage = (_buf: Buffer, rinfo: HostPort, ref: SocketRef): void => {
    if (!this.isInitiator) {
      // The responder cannot tell which ping belongs to whom, so it answers every one.
      void sendHolepunchPing(ref.socket, rinfo, false)
      return
    }
    if (this.connected) return

    this.connected = true
    this.punching = false
    for (const r of this.holders) {
      if (r !== ref) r.release()
    }
    this.holders = [ref]

    this.decrementRandomized()
    this.onconnect(ref.socket, rinfo.port, rinfo.host)
  }

  private async startPunch(): Promise<boolean> {
    if (this.done() || this.remoteAddresses.length === 0) return false

    this.punching = true

    const local = coerceFirewall(this.nat.firewall)
    const remote = coerceFirewall(this.remoteFirewall)
    const verified = this.remoteAddresses.find((addr) => addr.verified) ?? null

    if (local === FIREWALL.CONSISTENT && remote === FIREWALL.CONSISTENT) {
      this.stats.consistent++
      this.background(this.consistentProbe())
      return true
    }

    // The random strategies aim at one proven host; an unproven one could be a victim.
    if (!verified) return false

    if (local === FIREWALL.CONSISTENT && remote >= FIREWALL.RANDOM) {
      this.stats.random++
      this.incrementRandomized()
      this.background(this.randomProbes(verified))
      return true
    }

    if (local >= FIREWALL.RANDOM && remote === FIREWALL.CONSISTENT) {
      this.stats.random++
      this.incrementRandomized()
      await this.openBirthdaySockets(verified)
      if (this.punching) this.background(this.keepAliveRandomNat(verified))
      return true
    }

    return false
  }

  // Both mappings are stable: ping every address once a second.
  private async consistentProbe(): Promise<void> {
    // The responder's fast path has just pinged, so it waits a round first.
    if (!this.isInitiator) await this.sleeper.pause(CONSISTENT_INTERVAL_MS)

    let tries = 0
    while (this.punching && tries++ < CONSISTENT_ROUNDS) {
      for (const addr of this.remoteAddresses) {
        if (!addr.verified && tries % UNVERIFIED_EVERY !== 0) continue
        await sendHolepunchPing(this.holder.socket, addr, false)
      }
      if (this.punching) await this.sleeper.pause(CONSISTENT_INTERVAL_MS)
    }

    this.autoDestroy()
  }

  // The remote NAT picks a new port per destination: guess ports on its verified host.
  private async randomProbes(remoteAddr: HostPort): Promise<void> {
    let tries = RANDOM_PINGS
    while (this.punching && tries-- > 0) {
      const addr = { host: remoteAddr.host, port: randomPort() }
      await sendHolepunchPing(this.holder.socket, addr, false)
      if (this.punching) await this.sleeper.pause(RANDOM_PROBE_INTERVAL_MS)
    }

    this.autoDestroy()
  }

  // Our NAT picks a new port per socket: open many mappings so the peer's pings hit one.
  private async openBirthdaySockets(remoteAddr: HostPort): Promise<void> {
    while (this.punching && this.holders.length < BIRTHDAY_SOCKETS && !this.pool.destroyed) {
      const ref = this.addRef(this.pool.acquire())
      await sendHolepunchPing(ref.socket, remoteAddr, true)
    }
  }

  // Keeps every birthday mapping alive; the first pass stays low-TTL like the burst.
  private async keepAliveRandomNat(remoteAddr: HostPort): Promise<void> {
    let i = 0
    let lowTTLRounds = 1

    await this.sleeper.pause(BIRTHDAY_SETTLE_MS)

    let tries = RANDOM_PINGS
    while (this.punching && tries-- > 0) {
      if (i >= this.holders.length) {
        i = 0
        if (lowTTLRounds > 0) lowTTLRounds--
      }
      const ref = this.holders[i++]
      if (!ref) break
      await sendHolepunchPing(ref.socket, remoteAddr, lowTTLRounds > 0)
      if (this.punching) await this.sleeper.pause(RANDOM_INTERVAL_MS)
    }

    this.autoDestroy()
  }

  private autoDestroy(): void {
    if (!this.connected) this.destroy()
  }

  // The strategies never reject by design; if one does, the attempt is over.
  private background(task: Promise<void>): void {
    task.catch(() => this.destroy())
  }

  private incrementRandomized(): void {
    if (this.randomized) return
    this.randomized = true
    this.limiter.punches++
  }

  private decrementRandomized(): void {
    if (!this.randomized) return
    this.limiter.lastPunch = Date.now()
    this.randomized = false
    this.limiter.punches--
  }
}

// 1000..65535: ports below 1000 are rarely NAT mappings.
function randomPort(): number {
  return (RANDOM_PORT_MIN + Math.random() * (65536 - RANDOM_PORT_MIN)) | 0
}

function coerceFirewall(firewall: number): number {
  return firewall === FIREWALL.OPEN ? FIREWALL.CONSISTENT : firewall
}

function noop(): void {}
