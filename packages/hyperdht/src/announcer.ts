// Announcer: keeps a listening server announced on the nodes closest to H(publicKey) (§4.9).

import type {
  HostPort,
  Peer as RpcPeer,
  Query,
  Reply,
  RequestOptions,
  SessionHost
} from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import type { PeerAddress, RelayInfo } from '@keymesh/wire'
import { COMMANDS, encode, peer } from '@keymesh/wire'
import type { AnnounceSigner } from './announce.js'
import {
  defaultSignAnnounce,
  defaultSignUnannounce,
  requestAnnounce,
  requestUnannounce
} from './announce.js'
import type { FindPeerResult } from './reply-maps.js'
import { safetyCatch } from './safety-catch.js'
import { Signal } from './signal.js'
import { Sleeper } from './sleeper.js'

/** Relays (storing nodes) announced to per cycle: the first of the FIND_PEER's closest replies. */
const ANNOUNCE_NODES = 3
/** Relay addresses handed to clients at most (the storing nodes keep 3 too, §4.5). */
const MAX_RELAY_ADDRESSES = 3
/** Fewer live relays than this (or than we have, if fewer) triggers a re-announce. */
const MIN_ACTIVE = 3
/** Keep-alive ping period: keeps the NAT mappings towards the relays open. */
const KEEP_ALIVE_INTERVAL_MS = 3000
/** Keep-alive rounds between unconditional re-announces (~5 minutes). */
const ROUNDS_PER_ANNOUNCE = 100

/** What the announcer needs from the node (a HyperDHT). */
export interface AnnouncerHost {
  readonly destroyed: boolean
  readonly online: boolean
  readonly firewalled: boolean
  remoteAddress(): HostPort | null
  findPeer(
    target: Uint8Array,
    opts?: { hash?: boolean; nodes?: readonly HostPort[] }
  ): Query<FindPeerResult>
  request: SessionHost['request']
  ping(to: HostPort, opts?: RequestOptions): Promise<Reply>
}

/** Options of {@link Announcer}: `listen()`'s signing hooks. */
export interface AnnouncerOptions {
  /** Signs each ANNOUNCE for its storing node. @default defaultSignAnnounce */
  signAnnounce?: AnnounceSigner | undefined
  /** Signs each UNANNOUNCE for its storing node. @default defaultSignUnannounce */
  signUnannounce?: AnnounceSigner | undefined
}

/** Counters of one announcer (keymesh extra; `server.announcerStats`). */
export interface AnnouncerStats {
  /** Announce cycles completed. */
  cycles: number
  /** ANNOUNCEs acknowledged. */
  announces: number
  /** UNANNOUNCEs sent to relays that left the set, or at suspend/close. */
  unannounces: number
  /** Keep-alive ping rounds. */
  keepAlives: number
}

/**
 * Announces `keyPair.publicKey` under `target` (= H(publicKey)) to the 3 closest nodes, pings them
 * every 3 s to keep the NAT open, re-announces when relays go quiet or every ~5 minutes, and
 * unannounces relays it stops using. `relays`/`relayAddresses` are what the server hands to
 * clients in its handshake replies.
 */
export class Announcer {
  readonly keyPair: KeyPair
  readonly target: Buffer
  /** The encoded `peer` record, served to FIND_PEER from the local router entry. */
  readonly record: Buffer
  /** Relays of the last cycle: each storing node and our address as it sees us. */
  relays: RelayInfo[] = []
  /** Addresses clients may route handshakes through: our public address if stable, then relays. */
  relayAddresses: PeerAddress[] = []
  stopped = false
  suspended = false
  /** Notified when the node comes back online (hyperdht's `server.notifyOnline()`). */
  readonly online = new Signal()
  /** keymesh extra: see {@link AnnouncerStats}. */
  readonly stats: AnnouncerStats = { cycles: 0, announces: 0, unannounces: 0, keepAlives: 0 }

  private readonly dht: AnnouncerHost
  private readonly signAnnounce: AnnounceSigner
  private readonly signUnannounce: AnnounceSigner
  private readonly sleeper = new Sleeper()
  private readonly resumed = new Signal()
  private refreshing = false
  private closestNodes: RpcPeer[] | null = null
  private active: Promise<void> | null = null
  private stopping: Promise<void> | null = null
  private updating: Promise<void> | null = null
  private activeQuery: Query<FindPeerResult> | null = null
  private unannouncing: Promise<unknown> | null = null
  // relays by `host:port` over three cycles: [older, previous, current]; a relay seen in any of
  // them may still forward for us, so its holepunch messages are trusted (isRelay)
  private serverRelays: [Map<string, RpcPeer>, Map<string, RpcPeer>, Map<string, RpcPeer>] = [
    new Map(),
    new Map(),
    new Map()
  ]

  constructor(dht: AnnouncerHost, keyPair: KeyPair, target: Buffer, opts: AnnouncerOptions = {}) {
    this.dht = dht
    this.keyPair = keyPair
    this.target = target
    this.record = encode(peer, { publicKey: keyPair.publicKey, relayAddresses: [] })
    this.signAnnounce = opts.signAnnounce || defaultSignAnnounce
    this.signUnannounce = opts.signUnannounce || defaultSignUnannounce
  }

  /** Whether `addr` announced us in one of the last three cycles. */
  isRelay(addr: HostPort): boolean {
    const key = addr.host + ':' + addr.port
    return this.serverRelays.some((m) => m.has(key))
  }

  /** First announce; resolves when it is done, then keeps announcing in the background. */
  async start(): Promise<void> {
    if (this.stopped) return
    this.active = this.runUpdate()
    await this.active
    if (this.stopped) return
    this.active = this.background()
  }

  /** Stop announcing and unannounce from the current relays. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping === null) this.stopping = this.stopNow()
    return this.stopping
  }

  private async stopNow(): Promise<void> {
    this.stopped = true
    if (this.activeQuery !== null) this.activeQuery.destroy()
    this.wakeAll()
    await this.active
    await this.unannounceCurrent()
  }

  /** Stop announcing for now and unannounce; {@link Announcer.resume} starts again. */
  async suspend({ log = noop }: { log?: (msg: string) => void } = {}): Promise<void> {
    if (this.suspended) return
    this.suspended = true
    log('Suspending announcer')
    if (this.activeQuery !== null) this.activeQuery.destroy()
    this.online.notify() // suspend waits on its own; do not hang on the offline wait
    this.sleeper.resume()
    if (this.updating !== null) await this.updating
    log('Suspending announcer (post update)')
    if (!this.suspended || this.stopped) return
    log('Suspending announcer (pre unannounce)')
    await this.unannounceCurrent()
    log('Suspending announcer (post unannounce)')
  }

  /** Re-announce now and resume the keep-alive loop. */
  resume(): void {
    if (!this.suspended) return
    this.suspended = false
    this.refresh()
    this.resumed.notify()
  }

  /** Re-announce at the next opportunity (network change, lost relays). */
  refresh(): void {
    if (this.stopped) return
    this.refreshing = true
    // keymesh: wake the keep-alive pause so the re-announce is not held back up to 3 s
    this.sleeper.resume()
  }

  private wakeAll(): void {
    this.online.notify()
    this.sleeper.resume()
    this.resumed.notify()
  }

  private async background(): Promise<void> {
    while (!this.dht.destroyed && !this.stopped) {
      try {
        this.refreshing = false
        for (
          let i = 0;
          i < ROUNDS_PER_ANNOUNCE && !this.stopped && !this.refreshing && !this.suspended;
          i++
        ) {
          const relays = [...this.serverRelays[2].values()]
          const answered = await countFulfilled(relays.map((node) => this.dht.ping(node)))
          this.stats.keepAlives++
          if (answered < Math.min(relays.length, MIN_ACTIVE)) this.refresh()
          if (this.stopped) return
          if (!this.suspended && !this.refreshing) await this.sleeper.pause(KEEP_ALIVE_INTERVAL_MS)
        }
        while (!this.stopped && this.suspended) await this.resumed.wait()
        if (!this.stopped) await this.runUpdate()
        // offline, a cycle ends at once; wait for the network instead of spinning
        while (!this.dht.online && !this.stopped && !this.suspended) await this.online.wait()
      } catch (err) {
        safetyCatch(err)
      }
    }
  }

  private async runUpdate(): Promise<void> {
    this.updating = this.update()
    try {
      await this.updating
    } finally {
      this.updating = null
    }
  }

  private async update(): Promise<void> {
    while (this.unannouncing !== null) await this.unannouncing
    this.cycle()

    const query = this.dht.findPeer(this.target, {
      hash: false,
      ...(this.closestNodes !== null ? { nodes: this.closestNodes } : {})
    })
    this.activeQuery = query
    try {
      await query.finished()
    } catch {
      // a failed or destroyed lookup still leaves its closest replies to announce to
    }
    this.activeQuery = null
    if (this.stopped || this.suspended) return

    const relays: RelayInfo[] = []
    const relayAddresses: PeerAddress[] = []
    if (!this.dht.firewalled) {
      const addr = this.dht.remoteAddress()
      if (addr !== null) relayAddresses.push(addr)
    }
    const replies = query.closestReplies.slice(0, ANNOUNCE_NODES)
    await Promise.allSettled(replies.map((r) => this.commit(r, relays, relayAddresses)))
    if (this.stopped || this.suspended) return

    this.closestNodes = query.closestNodes
    this.relays = relays
    this.relayAddresses = relayAddresses
    this.stats.cycles++

    const removed: RpcPeer[] = []
    for (const [key, node] of this.serverRelays[1]) {
      if (!this.serverRelays[2].has(key)) removed.push(node)
    }
    await this.unannounceAll(removed)
  }

  private async commit(
    reply: Reply,
    relays: RelayInfo[],
    relayAddresses: PeerAddress[]
  ): Promise<void> {
    const res = await requestAnnounce(this.dht, {
      keyPair: this.keyPair,
      target: this.target,
      token: reply.token,
      from: reply.from,
      relayAddresses: [],
      sign: this.signAnnounce,
      bump: 0
    })
    if (res.error !== 0) return
    this.stats.announces++
    const relayAddress = { host: reply.from.host, port: reply.from.port }
    if (relayAddresses.length < MAX_RELAY_ADDRESSES) relayAddresses.push(relayAddress)
    relays.push({ relayAddress, peerAddress: { host: reply.to.host, port: reply.to.port } })
    this.serverRelays[2].set(reply.from.host + ':' + reply.from.port, reply.from)
  }

  private async unannounceCurrent(): Promise<void> {
    while (this.unannouncing !== null) await this.unannouncing
    const unannouncing = this.unannounceAll([...this.serverRelays[2].values()])
    this.unannouncing = unannouncing
    await unannouncing
    if (this.unannouncing === unannouncing) this.unannouncing = null
  }

  private unannounceAll(relays: readonly RpcPeer[]): Promise<unknown> {
    return Promise.allSettled(relays.map((r) => this.unannounce(r)))
  }

  // a fresh FIND_PEER for a token, then the UNANNOUNCE signed for that node
  private async unannounce(to: RpcPeer): Promise<void> {
    const { from, token, value } = await this.dht.request(
      { token: null, command: COMMANDS.FIND_PEER, target: this.target, value: null },
      to
    )
    if (token === null || from.id === null || value === null) return
    await requestUnannounce(this.dht, {
      keyPair: this.keyPair,
      target: this.target,
      token,
      from,
      sign: this.signUnannounce
    })
    this.stats.unannounces++
  }

  // rotate the generations: the oldest map is cleared and becomes the current one
  private cycle(): void {
    const [older, previous, current] = this.serverRelays
    older.clear()
    this.serverRelays = [previous, current, older]
  }
}

// how many of `promises` fulfil; never rejects
async function countFulfilled(promises: readonly Promise<unknown>[]): Promise<number> {
  const results = await Promise.allSettled(promises)
  return results.filter((r) => r.status === 'fulfilled').length
}

const noop = (): void => {}
