// The storer side of watches: registrations with expiry and caps, rate-limited NOTIFY pushes.

import type { HostPort, Reply, Request, RequestInput, RequestOptions } from '@keymesh/dht-rpc'
import {
  KEYMESH_COMMANDS,
  KEYMESH_WIRE_ERRORS,
  MAX_NOTIFY_PEERS,
  WATCH_KINDS,
  WIRE_ERRORS,
  encode,
  notifyMessage,
  peer,
  tryDecode,
  unwatchRequest,
  watchReply,
  watchRequest,
  type Peer
} from '@keymesh/wire'

/** Options of the watch registry (the `watch` option of `new HyperDHT`). */
export interface WatchRegistryOptions {
  /** Registrations held in total. @default 4096 */
  maxWatches?: number
  /** Registrations one source IP may hold. @default 64 */
  maxWatchesPerSource?: number
  /** Registrations on one target. @default 256 */
  maxWatchesPerTarget?: number
  /** Longest lifetime granted to a registration, in ms; watchers refresh before it ends. @default 120000 */
  maxWatchTtl?: number
  /** NOTIFY datagrams per second to one destination IP (a token bucket). @default 10 */
  notifyRate?: number
  /** Burst of that bucket. @default 20 */
  notifyBurst?: number
  /** ms between sweeps that expire registrations and notice expired topic records. @default 5000 */
  sweepInterval?: number
  /** Clock in ms. @default Date.now */
  now?: () => number
}

/** Defaults of {@link WatchRegistryOptions}. */
export const WATCH_REGISTRY_DEFAULTS = Object.freeze({
  maxWatches: 4096,
  maxWatchesPerSource: 64,
  maxWatchesPerTarget: 256,
  maxWatchTtl: 120_000,
  notifyRate: 10,
  notifyBurst: 20,
  sweepInterval: 5000
})

/** Shortest lifetime granted, so a registration outlives its own round trip. */
const MIN_WATCH_TTL_MS = 1000

/** Counters of the registry. */
export interface WatchRegistryStats {
  /** Live registrations. */
  watches: number
  /** Registrations refused by a cap. */
  refused: number
  /** Registrations that ended: expired, unwatched, or their watcher stopped answering. */
  ended: number
  /** NOTIFY requests sent. */
  notified: number
  /** NOTIFY requests postponed by the rate limit (coalesced into a later one). */
  delayed: number
}

/** What the registry needs from its node. */
export interface WatchRegistryHost {
  request(req: RequestInput, to: HostPort, opts?: RequestOptions): Promise<Reply>
  /** The socket NOTIFY is sent from (the one watchers registered with), if bound. */
  notifySocket(): NonNullable<RequestOptions['socket']> | null
  /** Every record under a topic the node stores. */
  topicRecords(targetHex: string): Buffer[]
}

interface Registration {
  readonly idHex: string
  readonly id: Buffer
  readonly kind: number
  readonly target: Buffer
  readonly watched: Watched
  readonly to: HostPort
  expires: number
  /** MUTABLE/NAMED: the newest record not yet sent. */
  record: Buffer | null
  /** TOPIC: changes not yet sent, by public key hex. */
  added: Map<string, Buffer>
  removed: Set<string>
  overflow: boolean
  queued: boolean
}

interface Watched {
  readonly key: string
  readonly kind: number
  readonly targetHex: string
  readonly regs: Set<Registration>
  /** TOPIC: the records last seen, by public key hex. */
  snapshot: Map<string, Buffer> | null
}

interface Bucket {
  tokens: number
  last: number
  readonly queue: Registration[]
  timer: NodeJS.Timeout | null
}

const noop = (): void => {}

/**
 * Holds WATCH registrations from other nodes and pushes NOTIFY to them when a watched record
 * changes here. A stranger cannot turn this into unbounded traffic: a registration needs a
 * round-trip token (so it names its sender's own address), notifications only go to that
 * address, at most `notifyRate` per second per IP (changes in between are coalesced), every
 * registration expires unless refreshed, and global, per-source and per-target caps hold. A
 * watcher that does not answer a NOTIFY (or answers WATCH_UNKNOWN) loses its registration.
 */
export class WatchRegistry {
  readonly stats: WatchRegistryStats = { watches: 0, refused: 0, ended: 0, notified: 0, delayed: 0 }
  private readonly host: WatchRegistryHost
  private readonly opts: Required<Omit<WatchRegistryOptions, 'now'>>
  private readonly now: () => number
  private readonly byId = new Map<string, Registration>()
  private readonly watched = new Map<string, Watched>()
  private readonly perSource = new Map<string, number>()
  private readonly buckets = new Map<string, Bucket>()
  private sweepTimer: NodeJS.Timeout | null = null
  private destroyed = false

  constructor(host: WatchRegistryHost, opts: WatchRegistryOptions = {}) {
    this.host = host
    const d = WATCH_REGISTRY_DEFAULTS
    this.opts = {
      maxWatches: positive(opts.maxWatches, d.maxWatches),
      maxWatchesPerSource: positive(opts.maxWatchesPerSource, d.maxWatchesPerSource),
      maxWatchesPerTarget: positive(opts.maxWatchesPerTarget, d.maxWatchesPerTarget),
      maxWatchTtl: Math.max(MIN_WATCH_TTL_MS, positive(opts.maxWatchTtl, d.maxWatchTtl)),
      notifyRate: positive(opts.notifyRate, d.notifyRate),
      notifyBurst: positive(opts.notifyBurst, d.notifyBurst),
      sweepInterval: positive(opts.sweepInterval, d.sweepInterval)
    }
    this.now = opts.now ?? Date.now
  }

  /** WATCH: register (or refresh) a watch for the sender; replies with the granted ttl. */
  onwatch(req: Request): void {
    if (this.destroyed || req.target === null || req.from === null || req.value === null) return
    if (req.token === null) return req.error(WIRE_ERRORS.INVALID_TOKEN, { closerNodes: false })
    const w = tryDecode(watchRequest, req.value)
    if (w === null || !isKind(w.kind)) return
    const ttl = Math.min(Math.max(w.ttl, MIN_WATCH_TTL_MS), this.opts.maxWatchTtl)
    const idHex = w.id.toString('hex')
    const targetHex = req.target.toString('hex')
    const from = { host: req.from.host, port: req.from.port }
    const existing = this.byId.get(idHex)
    if (existing !== undefined) {
      const same =
        existing.to.host === from.host &&
        existing.to.port === from.port &&
        existing.kind === w.kind &&
        existing.watched.targetHex === targetHex
      if (!same) return this.refuse(req)
      existing.expires = this.now() + ttl
      return req.reply(encode(watchReply, ttl), { token: false, closerNodes: false })
    }
    const key = w.kind + ':' + targetHex
    const watched = this.watched.get(key)
    if (
      this.byId.size >= this.opts.maxWatches ||
      (this.perSource.get(from.host) ?? 0) >= this.opts.maxWatchesPerSource ||
      (watched?.regs.size ?? 0) >= this.opts.maxWatchesPerTarget
    ) {
      return this.refuse(req)
    }
    const reg: Registration = {
      idHex,
      id: Buffer.from(w.id),
      kind: w.kind,
      target: Buffer.from(req.target),
      watched: watched ?? this.watch(key, w.kind, targetHex),
      to: from,
      expires: this.now() + ttl,
      record: null,
      added: new Map(),
      removed: new Set(),
      overflow: false,
      queued: false
    }
    reg.watched.regs.add(reg)
    this.byId.set(idHex, reg)
    this.perSource.set(from.host, (this.perSource.get(from.host) ?? 0) + 1)
    this.stats.watches = this.byId.size
    this.armSweep()
    req.reply(encode(watchReply, ttl), { token: false, closerNodes: false })
  }

  /** UNWATCH: drop the sender's registration with that id. */
  onunwatch(req: Request): void {
    if (this.destroyed || req.from === null || req.value === null) return
    const id = tryDecode(unwatchRequest, req.value)
    const reg = id === null ? undefined : this.byId.get(id.toString('hex'))
    if (reg !== undefined && reg.to.host === req.from.host && reg.to.port === req.from.port) {
      this.end(reg)
    }
    req.reply(null, { token: false, closerNodes: false })
  }

  /** A mutable record (MUTABLE) or named record (NAMED) under `targetHex` got a newer value. */
  recordChanged(kind: number, targetHex: string, record: Buffer): void {
    const watched = this.watched.get(kind + ':' + targetHex)
    if (watched === undefined) return
    for (const reg of watched.regs) {
      reg.record = record
      this.schedule(reg)
    }
  }

  /** The records under topic `targetHex` may have changed: diff and queue the changes. */
  topicChanged(targetHex: string): void {
    const watched = this.watched.get(WATCH_KINDS.TOPIC + ':' + targetHex)
    if (watched === undefined) return
    const current = byPublicKey(this.host.topicRecords(targetHex))
    const before = watched.snapshot ?? new Map<string, Buffer>()
    watched.snapshot = current
    const added: [string, Buffer][] = []
    const removed: string[] = []
    for (const [k, rec] of current) {
      const old = before.get(k)
      if (old === undefined || !old.equals(rec)) added.push([k, rec])
    }
    for (const k of before.keys()) if (!current.has(k)) removed.push(k)
    if (added.length === 0 && removed.length === 0) return
    for (const reg of watched.regs) {
      for (const [k, rec] of added) {
        reg.removed.delete(k)
        reg.added.set(k, rec)
      }
      for (const k of removed) {
        reg.added.delete(k)
        reg.removed.add(k)
      }
      this.schedule(reg)
    }
  }

  /** Drop every registration and timer. */
  destroy(): void {
    this.destroyed = true
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    for (const b of this.buckets.values()) if (b.timer !== null) clearTimeout(b.timer)
    this.buckets.clear()
    this.byId.clear()
    this.watched.clear()
    this.perSource.clear()
    this.stats.watches = 0
  }

  private refuse(req: Request): void {
    this.stats.refused++
    req.error(KEYMESH_WIRE_ERRORS.WATCH_LIMIT, { closerNodes: false })
  }

  private watch(key: string, kind: number, targetHex: string): Watched {
    const w: Watched = { key, kind, targetHex, regs: new Set(), snapshot: null }
    if (kind === WATCH_KINDS.TOPIC) w.snapshot = byPublicKey(this.host.topicRecords(targetHex))
    this.watched.set(key, w)
    return w
  }

  private end(reg: Registration): void {
    if (this.byId.get(reg.idHex) !== reg) return
    this.byId.delete(reg.idHex)
    reg.watched.regs.delete(reg)
    if (reg.watched.regs.size === 0) this.watched.delete(reg.watched.key)
    const n = (this.perSource.get(reg.to.host) ?? 1) - 1
    if (n <= 0) this.perSource.delete(reg.to.host)
    else this.perSource.set(reg.to.host, n)
    this.stats.watches = this.byId.size
    this.stats.ended++
  }

  // one token bucket per destination IP; a registration waits in its queue when it is empty
  private schedule(reg: Registration): void {
    if (reg.queued || this.destroyed) return
    const b = this.bucket(reg.to.host)
    if (b.queue.length === 0 && this.take(b)) return this.send(reg)
    reg.queued = true
    b.queue.push(reg)
    this.stats.delayed++
    if (b.timer === null) this.drainLater(reg.to.host, b)
  }

  private bucket(host: string): Bucket {
    let b = this.buckets.get(host)
    if (b === undefined) {
      b = { tokens: this.opts.notifyBurst, last: this.now(), queue: [], timer: null }
      this.buckets.set(host, b)
    }
    return b
  }

  private take(b: Bucket): boolean {
    const now = this.now()
    b.tokens = Math.min(
      this.opts.notifyBurst,
      b.tokens + ((now - b.last) * this.opts.notifyRate) / 1000
    )
    b.last = now
    if (b.tokens < 1) return false
    b.tokens--
    return true
  }

  private drainLater(host: string, b: Bucket): void {
    const wait = Math.max(1, Math.ceil(((1 - b.tokens) * 1000) / this.opts.notifyRate))
    b.timer = setTimeout(() => {
      b.timer = null
      while (b.queue.length > 0 && this.take(b)) {
        const reg = b.queue.shift() as Registration
        reg.queued = false
        if (this.byId.get(reg.idHex) === reg) this.send(reg)
      }
      if (b.queue.length > 0) this.drainLater(host, b)
      else if (b.tokens >= this.opts.notifyBurst - 1) this.buckets.delete(host)
    }, wait)
    b.timer.unref()
  }

  private send(reg: Registration): void {
    const socket = this.host.notifySocket()
    if (socket === null) return
    let added: Peer[] = []
    let removed: Buffer[] = []
    if (reg.kind === WATCH_KINDS.TOPIC) {
      const a = [...reg.added.values()]
      const r = [...reg.removed]
      reg.overflow = reg.overflow || a.length > MAX_NOTIFY_PEERS || r.length > MAX_NOTIFY_PEERS
      added = a.slice(0, MAX_NOTIFY_PEERS).flatMap((rec) => tryDecode(peer, rec) ?? [])
      removed = r.slice(0, MAX_NOTIFY_PEERS).map((k) => Buffer.from(k, 'hex'))
      reg.added.clear()
      reg.removed.clear()
    }
    const value = encode(notifyMessage, {
      id: reg.id,
      kind: reg.kind,
      record: reg.record,
      added,
      removed,
      overflow: reg.overflow
    })
    reg.record = null
    reg.overflow = false
    this.stats.notified++
    this.host
      .request({ command: KEYMESH_COMMANDS.NOTIFY, target: reg.target, value }, reg.to, { socket })
      .then(
        (reply) => {
          // WATCH_UNKNOWN, UNKNOWN_COMMAND, ...: the watcher no longer wants it
          if (reply.error !== 0) this.end(reg)
        },
        () => this.end(reg)
      )
      .catch(noop)
  }

  private armSweep(): void {
    if (this.sweepTimer !== null) return
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepInterval)
    this.sweepTimer.unref()
  }

  private sweep(): void {
    const now = this.now()
    for (const reg of [...this.byId.values()]) if (reg.expires <= now) this.end(reg)
    // topic records expire lazily in the store: look for the ones that went
    for (const w of [...this.watched.values()]) {
      if (w.kind === WATCH_KINDS.TOPIC) this.topicChanged(w.targetHex)
    }
    if (this.byId.size === 0 && this.sweepTimer !== null) {
      clearInterval(this.sweepTimer)
      this.sweepTimer = null
    }
  }
}

function byPublicKey(records: Buffer[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const r of records) if (r.byteLength >= 32) out.set(r.subarray(0, 32).toString('hex'), r)
  return out
}

function isKind(kind: number): boolean {
  return kind === WATCH_KINDS.MUTABLE || kind === WATCH_KINDS.TOPIC || kind === WATCH_KINDS.NAMED
}

function positive(v: number | undefined, d: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d
}
