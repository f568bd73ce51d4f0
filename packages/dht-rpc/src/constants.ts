// Timing and sizing constants of the routing layer, and the frozen DEFAULTS of every option.

import { K } from '@keymesh/wire'

/** One maintenance tick (§3.9). */
export const TICK_INTERVAL_MS = 5000
/** More than this between two ticks means the machine slept (§3.9). */
export const SLEEPING_INTERVAL_MS = 3 * TICK_INTERVAL_MS
/** Ticks without trouble before an adaptive node checks whether it can be persistent (~20 min). */
export const STABLE_TICKS = 240
/** Ticks until the next persistence check after one ran (~1 h). */
export const MORE_STABLE_TICKS = 3 * STABLE_TICKS
/** Refresh the table when no query started for this many ticks (~5 min). */
export const REFRESH_TICKS = 60
/** A node heard from within this many ticks (~1 min) counts as recently seen. */
export const RECENT_NODE_TICKS = 12
/** A node added more than this many ticks ago (~30 min) counts as old. */
export const OLD_NODE_TICKS = 360
/** Refresh every this many ticks (a power of two, used as a mask) while the table holds < k. */
export const SMALL_TABLE_REFRESH_MASK = 63
/** Ping the least recently seen nodes every this many ticks (mask: every 8 ticks = 40 s). */
export const PING_SOME_MASK = 7

/** The congestion window drains (and tokens age) this often (§3.7). */
export const DRAIN_INTERVAL_MS = 750
/** Token secrets rotate every this many drains: 10 × 750 ms = 7.5 s (§3.6). */
export const ROTATE_SECRETS_DRAINS = 10
/** Per-attempt request timeout when adaptive timeouts are off (§3.7). */
export const REQUEST_TIMEOUT_MS = 1000
/** Extra time a DELAYED_PING requester waits beyond the requested delay (§3.4). */
export const DELAYED_PING_GRACE_MS = 1000
/** Attempts of a direct request: one send plus this many retries (§3.7). */
export const DIRECT_RETRIES = 3
/** Attempts of a request issued by a query, unless the query says otherwise (§3.7). */
export const QUERY_RETRIES = 5

/** Concurrent ping-before-evict checks of full rows (§3.8). */
export const MAX_REPINGS = 3
/** Concurrent DOWN_HINT checks a node runs for others (§3.4). */
export const MAX_DOWN_HINT_CHECKS = 10
/** Query concurrency while caller-seeded nodes have not answered yet (§3.10 step 3). */
export const SLOWDOWN_CONCURRENCY = 3

/** Pings confirming nodes a query gave up on, running at once (keymesh extra). */
export const MAX_SUSPECT_PROBES = 64
/** Addresses remembered as dead at once (keymesh extra). */
export const DEAD_NODES_MAX = 2048
/** How long a confirmed-dead address is skipped by lookups: the time others need to drop it. */
export const DEAD_NODE_TTL_MS = 5 * 60 * 1000

/** Firewall check: nodes asked to PING_NAT us (§3.13). */
export const FIREWALL_CHECK_NODES = 5
/** Firewall check: answers needed when all FIREWALL_CHECK_NODES were asked. */
export const FIREWALL_CHECK_MIN_REPLIES = 3

/** The options of `new DHT(opts)` whose defaults are plain values, declared once. */
export interface DHTDefaults {
  /** Query concurrency. */
  readonly concurrency: number
  /** Congestion window: sends per 750 ms slot (twice this over the 4 slots). */
  readonly maxWindow: number
  /** Largest DELAYED_PING delay this node honours, in ms. */
  readonly maxPingDelay: number
  /** Bucket size, closest replies kept and commit fan-out. */
  readonly k: number
  /** Per-attempt request timeout in ms (keymesh extra; dht-rpc hard-codes 1000). */
  readonly requestTimeout: number
  /** Down hints sent per tick; -1 is unlimited. */
  readonly downHintsRateLimit: number
  /** Evict a table node after this many consecutive attempt timeouts; 0 disables (keymesh extra). */
  readonly evictAfterTimeouts: number
  /** Inbound requests per second per source IP (keymesh extra). */
  readonly requestRate: number
  /** Burst size of the per-IP request bucket (keymesh extra). */
  readonly requestBurst: number
  /** Source IPs the request limiter remembers at once (keymesh extra). */
  readonly rateLimitMaxHosts: number
  /** DELAYED_PING replies waiting at once, all senders together (keymesh extra). */
  readonly maxDelayedPings: number
  /** DELAYED_PING replies waiting at once for one source IP (keymesh extra). */
  readonly maxDelayedPingsPerHost: number
  /** Table nodes from one /24 allowed in one bucket (keymesh extra). */
  readonly maxPerSubnetPerBucket: number
  /** Table nodes from one /24 allowed in the whole table (keymesh extra). */
  readonly maxPerSubnetPerTable: number
}

/**
 * Default values of every plain-valued option. `concurrency`, `maxWindow` and `maxPingDelay`
 * are dht-rpc's `DHT.DEFAULTS`; the rest are keymesh additions, listed so that no default lives
 * anywhere else.
 */
export const DEFAULTS: DHTDefaults = Object.freeze({
  concurrency: 10,
  maxWindow: 80,
  maxPingDelay: 10_000,
  k: K,
  requestTimeout: REQUEST_TIMEOUT_MS,
  downHintsRateLimit: 50,
  evictAfterTimeouts: 3,
  // generous: a busy CGNAT address can carry many honest clients
  requestRate: 500,
  requestBurst: 1000,
  rateLimitMaxHosts: 16384,
  maxDelayedPings: 1024,
  maxDelayedPingsPerHost: 8,
  maxPerSubnetPerBucket: 2,
  maxPerSubnetPerTable: 3
})
