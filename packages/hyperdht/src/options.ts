// The options and stats types of the HyperDHT class, declared apart from its behaviour.

import type { DHTOptions, DHTStats } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import type { PersistentStats } from './persistent.js'
import type { RepublishOptions } from './republisher.js'
import type { WatchRegistryOptions } from './watch-registry.js'

/** Options of `new HyperDHT(opts)`: hyperdht's, plus keymesh's marked as extras. */
export interface HyperDHTOptions extends DHTOptions {
  /** Default key pair of `createServer().listen()` and `connect()`. @default random, or from `seed` */
  keyPair?: KeyPair
  /** 32-byte seed of the default key pair. */
  seed?: Uint8Array
  /** Secret-stream keep-alive in ms; `false` turns it off. @default 5000 */
  connectionKeepAlive?: number | false
  /** Minimum ms between random-NAT punches. @default 20000 */
  randomPunchInterval?: number
  /** Start the random-punch clock at construction/resume. @default false */
  deferRandomPunch?: boolean
  /** Entries of each announce/router cache; mutable and immutable stores hold half. @default 65536 */
  maxSize?: number
  /** Lifetime of announces in ms; when given, also of mutable/immutable records (else 48 h). @default 1200000 */
  maxAge?: number
  /** keymesh extra: byte budget of the records this node stores for others. @default 32 MiB */
  maxStorageBytes?: number
  /** keymesh extra: bytes one source /24 may hold; the largest source is evicted first. @default maxStorageBytes / 4 */
  maxStorageBytesPerSource?: number
  /** keymesh extra: announce records kept per topic. @default 1024 */
  maxRecordsPerTopic?: number
  /** keymesh extra: caps and rates of the watches this node holds for others. */
  watch?: WatchRegistryOptions
  /**
   * keymesh extra: a directory (created if missing, files mode 0600) where the node keeps its
   * routing table, the records it stores for others and the records it keeps alive, in LMDB.
   */
  storage?: string
  /** keymesh extra: refresh intervals and limits of `keepAlive` records. */
  republish?: RepublishOptions
}

/** `dht.stats`: hyperdht's shape (punches, relaying, and dht-rpc's), plus `records` (keymesh extra). */
export interface HyperDHTStats extends DHTStats {
  punches: { consistent: number; random: number; open: number }
  relaying: { attempts: number; successes: number; aborts: number }
  /** keymesh extra: the record store, once the node is persistent; `null` before. */
  records: PersistentStats | null
}
