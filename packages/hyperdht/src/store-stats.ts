// Live, read-only stats views over the record store and the persistent command handlers.

import type { Router } from './router.js'
import type { ExpiringMap } from './store-expiring-map.js'

/** Why entries left the store before expiring. */
export interface EvictionStats {
  /** The kind held its entry cap (maxSize, or maxSize/2 for values). */
  maxSize: number
  /** The topic held maxRecordsPerTopic records. */
  topicCap: number
  /** The writer's /24 held maxStorageBytesPerSource bytes. */
  sourceQuota: number
  /** The store held maxStorageBytes; taken from the heaviest /24. */
  budget: number
}

/** Live counters of a record store; counts prune expired entries when read. */
export interface RecordStoreStats {
  /** Announce records. */
  readonly records: number
  /** Topics with at least one record. */
  readonly topics: number
  readonly mutables: number
  readonly immutables: number
  /** Charged bytes: values plus per-entry overhead. */
  readonly bytes: number
  /** Source /24 groups holding entries. */
  readonly sources: number
  /** Entries that outlived their lifetime. */
  readonly expired: number
  readonly evicted: Readonly<EvictionStats>
}

/** One reading of a record store's counters. */
export type StoreSnapshot = { -readonly [K in keyof RecordStoreStats]: RecordStoreStats[K] }

/** Requests answered with silence or an error instead of being stored, by reason. */
export interface PersistentDroppedStats {
  /** Missing target, value or peer, or a value that does not decode. */
  badRequest: number
  /** A command that stores something arrived without a (valid) round-trip token. */
  invalidToken: number
  /** An announce or unannounce reached us while we had no id. */
  notPersistent: number
  /** Missing or wrong signature. */
  invalidSignature: number
  /** The target is not H(publicKey) (mutable) or H(value) (immutable). */
  hashMismatch: number
  /** MUTABLE_PUT of a stored seq with another value (answered SEQ_REUSED). */
  seqReused: number
  /** MUTABLE_PUT below the stored seq (answered SEQ_TOO_LOW). */
  seqTooLow: number
  /** A record the byte limits would not keep (keymesh extra; silence). */
  overBudget: number
  /** A value whose get reply could not fit one datagram, so it could never be read back (keymesh extra; silence). */
  tooLarge: number
  /** A refresh announce whose token we do not remember. */
  unknownRefresh: number
}

/** Live counters of the persistent handlers (`dht.stats.records`); counts prune when read. */
export interface PersistentStats extends RecordStoreStats {
  /** Router entries (self-announced and local servers). */
  readonly routes: number
  /** Remembered refresh tokens. */
  readonly refreshes: number
  /** Topics with a stored bump. */
  readonly bumps: number
  /** Like {@link RecordStoreStats.expired}, refreshes and bumps included. */
  readonly expired: number
  /** Like {@link RecordStoreStats.evicted}; `maxSize` includes refreshes and bumps. */
  readonly evicted: Readonly<EvictionStats>
  /** Requests not stored, by reason. */
  readonly dropped: Readonly<PersistentDroppedStats>
}

/** Zeroed drop counters. */
export function emptyDroppedStats(): PersistentDroppedStats {
  return {
    badRequest: 0,
    invalidToken: 0,
    notPersistent: 0,
    invalidSignature: 0,
    hashMismatch: 0,
    seqReused: 0,
    seqTooLow: 0,
    overBudget: 0,
    tooLarge: 0,
    unknownRefresh: 0
  }
}

/**
 * An object whose every key reads `read()[key]` at access time, so a reference kept by the
 * caller (such as `dht.stats.records`) never goes stale. Enumerable, so it serialises to JSON.
 */
function liveView<T extends object>(keys: readonly (keyof T)[], read: () => T): T {
  const view = {} as T
  for (const key of keys) {
    Object.defineProperty(view, key, { enumerable: true, get: () => read()[key] })
  }
  return view
}

const STORE_KEYS: readonly (keyof RecordStoreStats)[] = [
  'records',
  'topics',
  'mutables',
  'immutables',
  'bytes',
  'sources',
  'expired',
  'evicted'
]

const PERSISTENT_KEYS: readonly (keyof PersistentStats)[] = [
  ...STORE_KEYS,
  'routes',
  'refreshes',
  'bumps',
  'dropped'
]

/** The live view of a record store's counters. */
export function recordStoreStats(store: { _snapshot(): StoreSnapshot }): RecordStoreStats {
  return liveView(STORE_KEYS, () => store._snapshot())
}

/** The live view of {@link PersistentStats} over its parts; `dropped` is the counters object. */
export function persistentStats(
  store: { _snapshot(): StoreSnapshot },
  router: Router,
  refreshes: ExpiringMap<unknown>,
  bumps: ExpiringMap<number>,
  dropped: PersistentDroppedStats
): PersistentStats {
  return liveView(PERSISTENT_KEYS, () => {
    const snapshot = store._snapshot()
    refreshes.prune()
    bumps.prune()
    return {
      ...snapshot,
      routes: router.size,
      refreshes: refreshes.size,
      bumps: bumps.size,
      expired: snapshot.expired + refreshes.expired + bumps.expired,
      evicted: {
        ...snapshot.evicted,
        maxSize: snapshot.evicted.maxSize + refreshes.evicted + bumps.evicted
      },
      dropped
    }
  })
}
