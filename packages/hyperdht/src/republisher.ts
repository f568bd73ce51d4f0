// Republisher: keeps a node's own records and announces alive by refreshing them before expiry.

import { EventEmitter } from 'node:events'
import type { KeyPair } from '@keymesh/crypto'
import type { Database } from 'lmdb'
import type { AnnounceSigner } from './announce.js'
import { HyperDHTError, PutRefusedError } from './errors.js'
import type { MutableSigner } from './mutable-signature.js'
import {
  fromRow,
  publishedJSON,
  publishedKey,
  toRow,
  type Published,
  type RepublishedRecord
} from './published-record.js'

/** Options of the republisher (`new HyperDHT({ republish })`). All times in ms. */
export interface RepublishOptions {
  /**
   * Time between refreshes of an announce. hyperdht nodes keep announces 20 min (`maxAge`), so
   * the default refreshes at half their lifetime. @default 600000 (10 min)
   */
  announceInterval?: number
  /**
   * Time between refreshes of a mutable or immutable record. hyperdht nodes keep them 48 h;
   * hourly (Kademlia's tRepublish) also moves them onto nodes that joined near the target.
   * @default 3600000 (1 h)
   */
  valueInterval?: number
  /** Each wait is shortened by up to this fraction, at random, so refreshes spread out. @default 0.1 */
  jitter?: number
  /** Wait after a failed refresh (capped at the interval). @default 60000 */
  retryInterval?: number
  /** Most records kept alive; more reject with `REPUBLISH_LIMIT`. @default 1024 */
  maxRecords?: number
  /** Refreshes run at the same time. @default 4 */
  concurrency?: number
}

/** Defaults of {@link RepublishOptions}. */
export const REPUBLISH_DEFAULTS = Object.freeze({
  announceInterval: 10 * 60 * 1000,
  valueInterval: 60 * 60 * 1000,
  jitter: 0.1,
  retryInterval: 60 * 1000,
  maxRecords: 1024,
  concurrency: 4
})

/** {@link RepublishOptions} with every default applied and checked. */
export type RepublishSettings = { readonly [K in keyof typeof REPUBLISH_DEFAULTS]: number }

/**
 * Apply the defaults to `opts` and check them; throws `INVALID_ARGUMENT` for an interval below
 * {@link MIN_REPUBLISH_INTERVAL_MS}. A node calls this before it starts anything.
 */
export function republishSettings(opts: RepublishOptions = {}): RepublishSettings {
  const d = REPUBLISH_DEFAULTS
  return {
    announceInterval: interval(opts.announceInterval, d.announceInterval, 'announceInterval'),
    valueInterval: interval(opts.valueInterval, d.valueInterval, 'valueInterval'),
    retryInterval: interval(opts.retryInterval, d.retryInterval, 'retryInterval'),
    jitter: Math.min(1, Math.max(0, opts.jitter ?? d.jitter)),
    maxRecords: Math.max(0, opts.maxRecords ?? d.maxRecords),
    concurrency: Math.max(1, opts.concurrency ?? d.concurrency)
  }
}

/** Shortest accepted interval: tests use tiny lifetimes, but a zero would spin. */
export const MIN_REPUBLISH_INTERVAL_MS = 10

/** Events of {@link Republisher}. */
export interface RepublisherEvents {
  /** A record was refreshed on the nodes closest to it. */
  republish: [record: RepublishedRecord]
  /** A refresh failed; it is retried, unless the record was superseded (then it is dropped). */
  'republish-error': [record: RepublishedRecord, err: Error]
}

/** Counters of the republisher (live view). */
export interface RepublisherStats {
  /** Records kept alive. */
  records: number
  /** Successful refreshes. */
  republished: number
  /** Failed refreshes. */
  failures: number
  /** Mutable records dropped because the network holds a newer seq. */
  superseded: number
}

/** The operations a refresh runs, without `keepAlive` (the HyperDHT node). */
export interface RepublishHost {
  mutablePut(
    keyPair: KeyPair,
    value: Uint8Array,
    opts: { seq: number; signMutable: MutableSigner }
  ): Promise<unknown>
  immutablePut(value: Uint8Array): Promise<unknown>
  announce(
    topic: Uint8Array,
    keyPair: KeyPair,
    relayAddresses: readonly { host: string; port: number }[],
    opts: { signAnnounce?: AnnounceSigner }
  ): { finished(): Promise<unknown> }
  /** Resolves once the node is bootstrapped: refreshing starts then. */
  ready(): Promise<void>
}

interface Entry {
  readonly key: string
  record: Published
  /** Custom announce signer: it cannot go to disk, so such an announce is not persisted. */
  readonly signAnnounce: AnnounceSigner | null
  nextAt: number
  lastAt: number | null
  refreshes: number
  failures: number
  running: boolean
}

const NO_SECRET = Buffer.alloc(0)

/**
 * Refreshes each kept-alive record (`keepAlive: true` on `mutablePut`, `immutablePut`,
 * `announce`) every `valueInterval` / `announceInterval`, minus jitter, until `cancel(key)` or
 * `unannounce`. With storage, each record is committed to disk before the put resolves and
 * restored on the next start. One unref'd timer, set for the earliest refresh.
 */
export class Republisher extends EventEmitter<RepublisherEvents> {
  private readonly host: RepublishHost
  private readonly db: Database<unknown, string> | null
  private readonly entries = new Map<string, Entry>()
  private readonly announceInterval: number
  private readonly valueInterval: number
  private readonly jitter: number
  private readonly retryInterval: number
  private readonly maxRecords: number
  private readonly concurrency: number
  private readonly now: () => number
  private readonly counters = { republished: 0, failures: 0, superseded: 0 }
  private timer: NodeJS.Timeout | null = null
  private running = 0
  private started = false
  private destroyed = false

  /**
   * @param host - the node whose operations refresh records
   * @param db - the storage's `published` table, or null without storage
   * @param settings - from {@link republishSettings}
   */
  constructor(
    host: RepublishHost,
    db: Database<unknown, string> | null,
    settings: RepublishSettings = republishSettings(),
    now: () => number = Date.now
  ) {
    super()
    this.host = host
    this.db = db
    this.announceInterval = settings.announceInterval
    this.valueInterval = settings.valueInterval
    this.retryInterval = settings.retryInterval
    this.jitter = settings.jitter
    this.maxRecords = settings.maxRecords
    this.concurrency = settings.concurrency
    this.now = now
    if (db !== null) this.restore(db)
    host.ready().then(
      () => {
        this.started = true
        this.schedule()
      },
      () => {}
    )
  }

  /** Live counters. */
  get stats(): RepublisherStats {
    return { records: this.entries.size, ...this.counters }
  }

  /** Every kept-alive record (JSON-safe, no secret keys). */
  list(): RepublishedRecord[] {
    return [...this.entries.values()].map((e) => this.view(e))
  }

  /** Same as {@link list}. */
  toJSON(): RepublishedRecord[] {
    return this.list()
  }

  /** True if `key` is kept alive. */
  has(key: string): boolean {
    return this.entries.has(key)
  }

  /**
   * Stop refreshing `key` (and forget it on disk; resolves once that is committed). The storing
   * nodes drop the record when its lifetime runs out. False if it was not kept alive.
   */
  async cancel(key: string): Promise<boolean> {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.entries.delete(key)
    if (this.db !== null && this.persisted(entry)) await this.db.remove(key)
    this.schedule()
    return true
  }

  /** @internal throws `REPUBLISH_LIMIT` if `key` is new and the republisher is full */
  _checkRoom(key: string): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxRecords) {
      throw new HyperDHTError('REPUBLISH_LIMIT', `at most ${this.maxRecords} records`)
    }
  }

  /**
   * @internal keep `record` alive (just put by the caller), replacing an older version; with
   * storage, resolves once it is on disk (committed and flushed).
   */
  async keep(record: Published, signAnnounce: AnnounceSigner | null = null): Promise<void> {
    if (this.destroyed) throw new HyperDHTError('NODE_DESTROYED')
    const key = publishedKey(record)
    this._checkRoom(key)
    const old = this.entries.get(key)
    const now = this.now()
    const entry: Entry = {
      key,
      record,
      signAnnounce,
      nextAt: now + this.wait(record),
      lastAt: now,
      refreshes: old?.refreshes ?? 0,
      failures: 0,
      running: false
    }
    this.entries.set(key, entry)
    this.schedule()
    if (this.db !== null) {
      if (this.persisted(entry)) {
        await this.db.put(key, toRow(record, now))
        await this.db.flushed
      } else if (old !== undefined) {
        await this.db.remove(key)
      }
    }
  }

  /**
   * @internal a mutable record was put without `keepAlive`: if an older seq of it is kept alive,
   * keep this one instead (refreshing the old one would only be refused).
   */
  async supersede(record: Published): Promise<void> {
    if (record.type !== 'mutable') return
    const old = this.entries.get(publishedKey(record))
    if (old === undefined || old.record.type !== 'mutable') return
    if (old.record.seq === record.seq && old.record.signature.equals(record.signature)) return
    if (old.record.seq > record.seq) return
    await this.keep(record)
  }

  /** Stop every timer; pending refreshes finish on their own. Kept records stay on disk. */
  destroy(): void {
    this.destroyed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private restore(db: Database<unknown, string>): void {
    const now = this.now()
    for (const { key, value } of db.getRange()) {
      const row = fromRow(value)
      if (row === null || typeof key !== 'string' || publishedKey(row.record) !== key) {
        void db.remove(key)
        continue
      }
      if (this.entries.size >= this.maxRecords) break
      const last = row.lastRefresh ?? 0
      // refresh when due, or at once (spread by jitter) if it fell due while we were down
      const due = last + this.wait(row.record)
      const nextAt = due > now ? due : now + this.jitterOf(Math.min(this.retryInterval, 1000))
      this.entries.set(key, {
        key,
        record: row.record,
        signAnnounce: null,
        nextAt,
        lastAt: row.lastRefresh,
        refreshes: 0,
        failures: 0,
        running: false
      })
    }
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (!this.started || this.destroyed) return
    const now = this.now()
    let next = Infinity
    for (const entry of this.entries.values()) {
      if (entry.running) continue
      if (entry.nextAt <= now) {
        // when all slots are busy, the next `done` schedules again
        if (this.running < this.concurrency) this.run(entry)
        continue
      }
      if (entry.nextAt < next) next = entry.nextAt
    }
    if (next === Infinity) return
    this.timer = setTimeout(() => this.schedule(), Math.max(0, next - now))
    this.timer.unref()
  }

  private run(entry: Entry): void {
    entry.running = true
    this.running++
    this.refresh(entry.record, entry.signAnnounce).then(
      () => this.done(entry, null),
      (err: unknown) => this.done(entry, err instanceof Error ? err : new Error(String(err)))
    )
  }

  private refresh(r: Published, signAnnounce: AnnounceSigner | null): Promise<unknown> {
    switch (r.type) {
      case 'mutable': {
        // republish the record exactly as signed: no secret key needed
        const signature = r.signature
        return this.host.mutablePut({ publicKey: r.publicKey, secretKey: NO_SECRET }, r.value, {
          seq: r.seq,
          signMutable: () => signature
        })
      }
      case 'immutable':
        return this.host.immutablePut(r.value)
      case 'announce':
        return this.host
          .announce(r.topic, r.keyPair, r.relayAddresses, signOpts(signAnnounce))
          .finished()
    }
  }

  private done(entry: Entry, err: Error | null): void {
    entry.running = false
    this.running--
    if (this.destroyed || this.entries.get(entry.key) !== entry) return
    const now = this.now()
    if (err === null) {
      entry.lastAt = now
      entry.refreshes++
      entry.failures = 0
      entry.nextAt = now + this.wait(entry.record)
      this.counters.republished++
      if (this.db !== null && this.persisted(entry)) {
        this.db.put(entry.key, toRow(entry.record, now)).catch(() => {})
      }
      this.emit('republish', this.view(entry))
    } else if (err instanceof PutRefusedError) {
      // the network holds a newer seq of this key: ours can never be stored again
      this.counters.failures++
      this.counters.superseded++
      this.entries.delete(entry.key)
      if (this.db !== null) this.db.remove(entry.key).catch(() => {})
      this.emit('republish-error', this.view(entry), err)
    } else {
      entry.failures++
      entry.nextAt = now + this.jitterOf(Math.min(this.retryInterval, this.wait(entry.record)))
      this.counters.failures++
      this.emit('republish-error', this.view(entry), err)
    }
    this.schedule()
  }

  private wait(r: Published): number {
    return this.jitterOf(r.type === 'announce' ? this.announceInterval : this.valueInterval)
  }

  private jitterOf(ms: number): number {
    return Math.max(MIN_REPUBLISH_INTERVAL_MS, Math.round(ms * (1 - this.jitter * Math.random())))
  }

  // an announce with a custom signer has no secret key to keep: refreshed in this process only
  private persisted(entry: Entry): boolean {
    return entry.signAnnounce === null
  }

  private view(e: Entry): RepublishedRecord {
    return {
      key: e.key,
      nextRefresh: e.nextAt,
      lastRefresh: e.lastAt,
      refreshes: e.refreshes,
      failures: e.failures,
      persisted: this.db !== null && this.persisted(e),
      ...publishedJSON(e.record)
    } as RepublishedRecord
  }
}

function signOpts(sign: AnnounceSigner | null): { signAnnounce?: AnnounceSigner } {
  return sign === null ? {} : { signAnnounce: sign }
}

function interval(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback
  if (!Number.isFinite(v) || v < MIN_REPUBLISH_INTERVAL_MS) {
    throw new HyperDHTError(
      'INVALID_ARGUMENT',
      `republish.${name} must be at least ${MIN_REPUBLISH_INTERVAL_MS} ms`
    )
  }
  return v
}
