// The bounded store of announce records, mutable and immutable values a persistent node keeps.

import { DEFAULT_MAX_AGE, DEFAULT_MAX_SIZE } from './constants.js'
import type { JournalEntry, JournalKind, RecordStoreJournal } from './record-journal.js'
import { LinkedList, type ListNode } from './store-list.js'
import { SourceQuota, sourceGroup, type QuotaCharge } from './store-quota.js'
import {
  recordStoreStats,
  type EvictionStats,
  type RecordStoreStats,
  type StoreSnapshot
} from './store-stats.js'

export type { EvictionStats, RecordStoreStats } from './store-stats.js'

/**
 * Estimated bytes one stored entry costs beyond its value (entry object, list nodes, map slot,
 * hex key string). Charged per entry so that floods of tiny records still exhaust the budget.
 */
export const ENTRY_OVERHEAD_BYTES = 256

/** `maxStorageBytesPerSource` defaults to `maxStorageBytes / SOURCE_QUOTA_DIVISOR`. */
export const SOURCE_QUOTA_DIVISOR = 4

/** Defaults of {@link RecordStoreOptions} (hyperdht's, plus keymesh's byte limits). */
export const RECORD_STORE_DEFAULTS = Object.freeze({
  /** Announce records held in total; mutables and immutables hold half each (§4.7). */
  maxSize: DEFAULT_MAX_SIZE,
  /** Lifetime of announce records in ms (20 min). */
  maxAge: DEFAULT_MAX_AGE,
  /** Lifetime of mutable and immutable values in ms (48 h). */
  maxValueAge: 48 * 60 * 60 * 1000,
  /** Byte budget of everything stored (32 MiB). */
  maxStorageBytes: 32 * 1024 * 1024,
  /** Records kept per topic. */
  maxRecordsPerTopic: 1024
})

/** Options of {@link RecordStore}. */
export interface RecordStoreOptions {
  /** Most announce records; mutable and immutable values are capped at half each. @default 65536 */
  maxSize?: number
  /** ms an announce record lives after its last announce. @default 1200000 (20 min) */
  maxAge?: number
  /** ms a mutable or immutable value lives after its last put or get. @default 172800000 (48 h) */
  maxValueAge?: number
  /** Total bytes of stored values plus {@link ENTRY_OVERHEAD_BYTES} each. @default 33554432 */
  maxStorageBytes?: number
  /** Bytes one source /24 may hold. @default maxStorageBytes / 4 */
  maxStorageBytesPerSource?: number
  /** Records kept per topic; the oldest goes first. @default 1024 */
  maxRecordsPerTopic?: number
  /** Clock in ms. @default Date.now */
  now?: () => number
  /** Uniform random number in [0, 1), for lookup sampling. @default Math.random */
  random?: () => number
  /** keymesh extra: told of every write and removal, to mirror the store on disk. */
  journal?: RecordStoreJournal | null
}

/** A stored mutable or immutable value. */
export interface StoredValue {
  /** The stored bytes (for a mutable: the encoded `mutableGetResponse`). */
  readonly value: Buffer
  /** Sequence number of a mutable record; 0 for others. */
  readonly seq: number
}

const RECORD = 0
const MUTABLE = 1
const IMMUTABLE = 2

interface Topic {
  readonly key: string
  readonly byKey: Map<string, Entry>
  /** Unordered, for O(1) random sampling; `Entry.topicIndex` is the position. */
  readonly sample: Entry[]
  /** Oldest write first, for the per-topic cap. */
  readonly ages: LinkedList<Entry>
}

interface Entry extends StoredValue {
  readonly kind: number
  /** Target hex for values, public key hex for records. */
  readonly key: string
  readonly topic: Topic | null
  expires: number
  ageNode: ListNode<Entry> | null
  charge: QuotaCharge<Entry> | null
  topicNode: ListNode<Entry> | null
  topicIndex: number
}

interface Shelf {
  readonly maxSize: number
  readonly maxAge: number
  /** Least recently written (or, for values, read) first: also soonest to expire. */
  readonly ages: LinkedList<Entry>
}

/**
 * Announce records (topic → public key → encoded `peer`), mutable and immutable values, under
 * hyperdht's entry caps and lifetimes (§4.7) plus keymesh's byte limits. Each write is charged
 * to the writer's /24. Over the per-source quota, that source's oldest entries go; over the
 * total budget, the oldest entries of the heaviest source go, so a flood only displaces the
 * flooder. Every operation is O(log sources) amortised; expiry is lazy, with no timer.
 */
export class RecordStore {
  /** Live counters. */
  readonly stats: RecordStoreStats
  private readonly shelves: readonly [Shelf, Shelf, Shelf]
  private readonly topics = new Map<string, Topic>()
  private readonly values = [null, new Map<string, Entry>(), new Map<string, Entry>()] as const
  private readonly quota = new SourceQuota<Entry>()
  private readonly maxStorageBytes: number
  private readonly maxStorageBytesPerSource: number
  private readonly maxRecordsPerTopic: number
  private readonly now: () => number
  private readonly random: () => number
  private readonly journal: RecordStoreJournal | null
  /** While restoring: the expiry of the entry being restored (and no journal writes). */
  private restoreExpires: number | null = null
  private expired = 0
  private readonly evicted: EvictionStats = { maxSize: 0, topicCap: 0, sourceQuota: 0, budget: 0 }

  constructor(opts: RecordStoreOptions = {}) {
    const d = RECORD_STORE_DEFAULTS
    const maxSize = Math.max(1, opts.maxSize ?? d.maxSize)
    const valueSize = Math.max(1, Math.floor(maxSize / 2))
    const maxAge = opts.maxAge ?? d.maxAge
    const maxValueAge = opts.maxValueAge ?? d.maxValueAge
    this.shelves = [
      { maxSize, maxAge, ages: new LinkedList() },
      { maxSize: valueSize, maxAge: maxValueAge, ages: new LinkedList() },
      { maxSize: valueSize, maxAge: maxValueAge, ages: new LinkedList() }
    ]
    this.maxStorageBytes = opts.maxStorageBytes ?? d.maxStorageBytes
    this.maxStorageBytesPerSource =
      opts.maxStorageBytesPerSource ?? Math.floor(this.maxStorageBytes / SOURCE_QUOTA_DIVISOR)
    this.maxRecordsPerTopic = Math.max(1, opts.maxRecordsPerTopic ?? d.maxRecordsPerTopic)
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
    this.journal = opts.journal ?? null
    this.stats = recordStoreStats(this)
  }

  /** @internal the current counts, after pruning, for the live {@link RecordStore.stats} */
  _snapshot(): StoreSnapshot {
    this.prune()
    const [records, mutables, immutables] = this.shelves
    return {
      records: records.ages.size,
      topics: this.topics.size,
      mutables: mutables.ages.size,
      immutables: immutables.ages.size,
      bytes: this.quota.total,
      sources: this.quota.size,
      expired: this.expired,
      evicted: { ...this.evicted }
    }
  }

  /**
   * Store (or replace) the record of `publicKeyHex` under `topic`, charged to `source`. A
   * re-announce replaces the previous record and restarts its lifetime: only the key owner can
   * sign one, so the newest carries the current relay addresses. (hyperdht's record-cache keeps
   * the first copy until it turns stale instead.)
   *
   * @returns false if the record was not stored: it alone exceeds a byte limit, or the budget
   *   evicted it at once because its source is the heaviest
   */
  addRecord(topic: string, publicKeyHex: string, record: Buffer, source: string): boolean {
    if (!this.fits(record)) return false
    this.prune()
    let t = this.topics.get(topic)
    const old = t?.byKey.get(publicKeyHex)
    if (old !== undefined) this.remove(old)
    t = this.topics.get(topic)
    if (t === undefined) {
      t = { key: topic, byKey: new Map(), sample: [], ages: new LinkedList() }
      this.topics.set(topic, t)
    }
    const entry = this.insert(RECORD, publicKeyHex, t, record, 0, source)
    t.byKey.set(publicKeyHex, entry)
    entry.topicIndex = t.sample.push(entry) - 1
    entry.topicNode = t.ages.push(entry)
    while (t.ages.size > this.maxRecordsPerTopic) {
      this.remove((t.ages.head as ListNode<Entry>).value)
      this.evicted.topicCap++
    }
    return this.enforce(entry)
  }

  /** Remove the record of `publicKeyHex` under `topic`; false if there was none. */
  removeRecord(topic: string, publicKeyHex: string): boolean {
    const entry = this.topics.get(topic)?.byKey.get(publicKeyHex)
    if (entry === undefined) return false
    this.remove(entry)
    return true
  }

  /** Up to `max` records of `topic`, picked uniformly at random, without repeats. */
  records(topic: string, max: number): Buffer[] {
    this.prune()
    const t = this.topics.get(topic)
    if (t === undefined) return []
    const sample = t.sample
    const n = Math.min(max, sample.length)
    const out: Buffer[] = new Array<Buffer>(n)
    // a partial Fisher-Yates shuffle in place: order inside `sample` carries no meaning
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.random() * (sample.length - i))
      const picked = sample[j] as Entry
      const displaced = sample[i] as Entry
      sample[i] = picked
      picked.topicIndex = i
      sample[j] = displaced
      displaced.topicIndex = j
      out[i] = picked.value
    }
    return out
  }

  /** Number of live records under `topic`. */
  recordCount(topic: string): number {
    this.prune()
    return this.topics.get(topic)?.sample.length ?? 0
  }

  /** The mutable record stored under target `key`, refreshing its lifetime. */
  getMutable(key: string): StoredValue | null {
    return this.read(MUTABLE, key)
  }

  /** Store `value` (an encoded `mutableGetResponse` with sequence `seq`) under target `key`. */
  putMutable(key: string, value: Buffer, seq: number, source: string): boolean {
    return this.write(MUTABLE, key, value, seq, source)
  }

  /** The immutable value stored under target `key`, refreshing its lifetime. */
  getImmutable(key: string): Buffer | null {
    return this.read(IMMUTABLE, key)?.value ?? null
  }

  /** Store immutable `value` under target `key`. */
  putImmutable(key: string, value: Buffer, source: string): boolean {
    return this.write(IMMUTABLE, key, value, 0, source)
  }

  /** Drop every expired entry now (otherwise done lazily by each operation). */
  prune(): void {
    const now = this.now()
    for (const shelf of this.shelves) {
      for (let node = shelf.ages.head; node !== null && node.value.expires <= now;) {
        const next = node.next
        this.remove(node.value)
        this.expired++
        node = next
      }
    }
  }

  /**
   * keymesh extra: put back what a journal kept, each with its remaining lifetime (capped at the
   * shelf's maxAge), under the same limits as live writes. Entries that expired, or that no
   * longer fit, are deleted from the journal. Call before any other write: `entries` must be
   * sorted by expiry, which keeps each age list ordered. Returns how many were restored.
   */
  restore(entries: Iterable<JournalEntry>): number {
    let restored = 0
    try {
      for (const e of entries) {
        const now = this.now()
        let ok = false
        if (e.expires > now) {
          this.restoreExpires = Math.min(e.expires, now + this.shelves[e.kind].maxAge)
          ok =
            e.kind === RECORD
              ? this.addRecord(e.topic ?? '', e.key, e.value, e.source)
              : this.write(e.kind, e.key, e.value, e.seq, e.source)
        }
        if (ok) restored++
        else this.journal?.delete(e.kind, e.topic, e.key)
      }
    } finally {
      this.restoreExpires = null
    }
    return restored
  }

  /** Drop everything (in memory only: a journal keeps its rows). */
  clear(): void {
    for (const shelf of this.shelves) shelf.ages.clear()
    this.topics.clear()
    this.values[MUTABLE].clear()
    this.values[IMMUTABLE].clear()
    this.quota.clear()
  }

  private read(kind: typeof MUTABLE | typeof IMMUTABLE, key: string): StoredValue | null {
    this.prune()
    const entry = this.values[kind].get(key)
    if (entry === undefined) return null
    const shelf = this.shelves[kind]
    entry.expires = this.now() + shelf.maxAge
    shelf.ages.moveToTail(entry.ageNode as ListNode<Entry>)
    return entry
  }

  private write(
    kind: typeof MUTABLE | typeof IMMUTABLE,
    key: string,
    value: Buffer,
    seq: number,
    source: string
  ): boolean {
    if (!this.fits(value)) return false
    this.prune()
    const map = this.values[kind]
    const old = map.get(key)
    if (old !== undefined) this.remove(old)
    const entry = this.insert(kind, key, null, value, seq, source)
    map.set(key, entry)
    return this.enforce(entry)
  }

  // a value larger than a whole quota could never be kept: refuse it without evicting anything
  private fits(value: Buffer): boolean {
    const bytes = value.byteLength + ENTRY_OVERHEAD_BYTES
    return bytes <= this.maxStorageBytes && bytes <= this.maxStorageBytesPerSource
  }

  private insert(
    kind: number,
    key: string,
    topic: Topic | null,
    value: Buffer,
    seq: number,
    source: string
  ): Entry {
    const shelf = this.shelves[kind] as Shelf
    const entry: Entry = {
      kind,
      key,
      topic,
      value,
      seq,
      expires: this.restoreExpires ?? this.now() + shelf.maxAge,
      ageNode: null,
      charge: null,
      topicNode: null,
      topicIndex: -1
    }
    entry.ageNode = shelf.ages.push(entry)
    entry.charge = this.quota.charge(
      sourceGroup(source),
      value.byteLength + ENTRY_OVERHEAD_BYTES,
      entry
    )
    if (this.journal !== null && this.restoreExpires === null) {
      this.journal.put({
        kind: kind as JournalKind,
        topic: topic === null ? null : topic.key,
        key,
        value,
        seq,
        source,
        expires: entry.expires
      })
    }
    return entry
  }

  // apply the caps after `entry` was added; true if it survived them
  private enforce(entry: Entry): boolean {
    const shelf = this.shelves[entry.kind] as Shelf
    while (shelf.ages.size > shelf.maxSize) {
      this.remove((shelf.ages.head as ListNode<Entry>).value)
      this.evicted.maxSize++
    }
    const group = (entry.charge as QuotaCharge<Entry>).group.key
    while (this.quota.bytesOf(group) > this.maxStorageBytesPerSource) {
      this.remove(this.quota.oldestOf(group) as Entry)
      this.evicted.sourceQuota++
    }
    while (this.quota.total > this.maxStorageBytes) {
      const heaviest = this.quota.heaviest()
      if (heaviest === null) break
      this.remove(heaviest.entries.head?.value as Entry)
      this.evicted.budget++
    }
    return entry.ageNode !== null
  }

  private remove(entry: Entry): void {
    if (entry.ageNode === null) return
    if (this.journal !== null) {
      this.journal.delete(entry.kind as JournalKind, entry.topic?.key ?? null, entry.key)
    }
    ;(this.shelves[entry.kind] as Shelf).ages.remove(entry.ageNode)
    entry.ageNode = null
    if (entry.charge !== null) this.quota.release(entry.charge)
    entry.charge = null
    const t = entry.topic
    if (t === null) {
      const map = this.values[entry.kind as typeof MUTABLE | typeof IMMUTABLE]
      if (map.get(entry.key) === entry) map.delete(entry.key)
      return
    }
    if (t.byKey.get(entry.key) === entry) t.byKey.delete(entry.key)
    if (entry.topicNode !== null) t.ages.remove(entry.topicNode)
    entry.topicNode = null
    // swap-remove from the sampling array
    const last = t.sample.pop() as Entry
    if (last !== entry) {
      t.sample[entry.topicIndex] = last
      last.topicIndex = entry.topicIndex
    }
    entry.topicIndex = -1
    if (t.sample.length === 0) this.topics.delete(t.key)
  }
}
