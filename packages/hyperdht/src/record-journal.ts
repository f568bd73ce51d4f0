// RecordJournal: mirrors each write and removal of the record store into LMDB, for restarts.

import type { Database } from 'lmdb'

/** Kind of a stored entry: 0 an announce record, 1 a mutable value, 2 an immutable value. */
export type JournalKind = 0 | 1 | 2

/** One entry of the record store as kept on disk. */
export interface JournalEntry {
  readonly kind: JournalKind
  /** Topic hex of an announce record; null for values. */
  readonly topic: string | null
  /** Public key hex of an announce record, target key of a value. */
  readonly key: string
  readonly value: Buffer
  readonly seq: number
  /** Address of the node that stored it (its /24 is charged, as in memory). */
  readonly source: string
  /** Wall-clock ms when it expires, as of its last write. */
  readonly expires: number
}

/** What the record store tells its journal; calls only enqueue, they never block or throw. */
export interface RecordStoreJournal {
  /** `entry` was stored (or replaced). */
  put(entry: JournalEntry): void
  /** The entry `kind`/`topic`/`key` was removed: expired, evicted, replaced or unannounced. */
  delete(kind: JournalKind, topic: string | null, key: string): void
}

/** Counters of a {@link RecordJournal}. */
export interface RecordJournalStats {
  /** Rows written and deleted. */
  writes: number
  /** Writes LMDB failed to commit (the requests waiting on them got no reply). */
  failures: number
  /** Rows skipped at restore because they were malformed. */
  malformed: number
}

// the row as msgpack stores it: short names, bytes as Buffers
interface Row {
  k: number
  t: string | null
  v: Uint8Array
  s: number
  src: string
  e: number
}

/**
 * The `records` table of a node's storage. Writes go through LMDB's batched asynchronous
 * transactions (one commit per event turn), in call order; {@link committed} resolves once
 * everything enqueued so far is committed, which is when a persistent node may answer OK.
 */
export class RecordJournal implements RecordStoreJournal {
  /** Live counters. */
  readonly stats: RecordJournalStats = { writes: 0, failures: 0, malformed: 0 }
  private readonly db: Database<unknown, string>
  private last: Promise<unknown> = Promise.resolve(true)
  private readonly onfail = (): void => {
    this.stats.failures++
  }

  constructor(db: Database<unknown, string>) {
    this.db = db
  }

  /** Enqueue the row of `entry`. */
  put(entry: JournalEntry): void {
    const row: Row = {
      k: entry.kind,
      t: entry.topic,
      v: entry.value,
      s: entry.seq,
      src: entry.source,
      e: entry.expires
    }
    this.track(this.db.put(rowKey(entry.kind, entry.topic, entry.key), row))
  }

  /** Enqueue the removal of a row. */
  delete(kind: JournalKind, topic: string | null, key: string): void {
    this.track(this.db.remove(rowKey(kind, topic, key)))
  }

  /** Resolves once every row enqueued so far is committed; rejects if the last commit failed. */
  committed(): Promise<unknown> {
    return this.last
  }

  /** Every row on disk, oldest expiry first; malformed rows are deleted and counted. */
  entries(): JournalEntry[] {
    const out: JournalEntry[] = []
    for (const { key, value } of this.db.getRange()) {
      const entry = parse(key, value)
      if (entry === null) {
        this.stats.malformed++
        this.track(this.db.remove(key))
      } else {
        out.push(entry)
      }
    }
    return out.sort((a, b) => a.expires - b.expires)
  }

  private track(write: Promise<boolean>): void {
    this.stats.writes++
    write.catch(this.onfail)
    // LMDB commits batches in order: the newest write settling means the older ones did
    this.last = write
  }
}

function rowKey(kind: JournalKind, topic: string | null, key: string): string {
  return `${kind}:${topic ?? ''}:${key}`
}

function parse(key: string, value: unknown): JournalEntry | null {
  if (typeof key !== 'string' || typeof value !== 'object' || value === null) return null
  const r = value as Partial<Row>
  const kind = r.k
  if (kind !== 0 && kind !== 1 && kind !== 2) return null
  const [, topic, entryKey, ...rest] = key.split(':')
  if (topic === undefined || entryKey === undefined || rest.length > 0) return null
  if ((kind === 0) !== (topic !== '') || r.t !== (kind === 0 ? topic : null)) return null
  if (!(r.v instanceof Uint8Array)) return null
  if (typeof r.s !== 'number' || typeof r.src !== 'string' || typeof r.e !== 'number') return null
  return {
    kind,
    topic: kind === 0 ? topic : null,
    key: entryKey,
    // LMDB may hand out views of a reused read buffer: keep a copy of our own
    value: Buffer.from(r.v),
    seq: r.s,
    source: r.src,
    expires: r.e
  }
}
