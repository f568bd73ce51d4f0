// The option, stats and result types of the DHT class, declared apart from its behaviour.

import type UDX from 'udx-native'
import type { AdaptiveTimeoutOptions } from './adaptive-timeout.js'
import type { BootstrapNode } from './bootstrap.js'
import type { CommandStats, DroppedStats, RequestStats } from './io.js'
import type { IpDiversityOptions } from './ip-diversity.js'
import type { HostPort, Peer } from './peer.js'

/** Options of the `rateLimit` DHT option (keymesh extra). */
export interface RateLimitOptions {
  /** Requests per second per source IP. @default 500 */
  rate?: number
  /** Requests a quiet source IP may send at once. @default 1000 */
  burst?: number
  /** Source IPs tracked at once. @default 16384 */
  maxHosts?: number
  /** Source IPs never limited; `null` exempts none. @default loopback (127/8) */
  exempt?: ((host: string) => boolean) | null
}

/** Options of `new DHT(opts)`: dht-rpc's, plus keymesh's marked as extras. */
export interface DHTOptions {
  /** Bootstrap nodes: `'host:port'`, `'ip@host:port'`, `{ host, port }` or a port on 127.0.0.1. `false` = none. @default [] */
  bootstrap?: readonly BootstrapNode[] | false
  /** Nodes to put in the routing table at start. */
  nodes?: readonly HostPort[]
  /** Server socket port (tries it and the next 4), or a `[start, end)` range. @default 0 (random) */
  port?: number | readonly number[]
  /** Bind host of both sockets. @default '0.0.0.0' */
  host?: string
  /** Fall back to a random port when the configured ones are taken. @default true */
  anyPort?: boolean
  /** UDX instance to create sockets on. @default new UDX() */
  udx?: UDX
  /** `true`: never persistent; `false`: try to become persistent at bootstrap. @default adaptive */
  ephemeral?: boolean
  /** With `ephemeral` unset: decide persistence after ~20 min of stable operation. @default true */
  adaptive?: boolean
  /** Assume firewalled until proven otherwise. @default true */
  firewalled?: boolean
  /** Probe the firewall with PING_NAT during bootstrap. @default true */
  quickFirewall?: boolean
  /** Query concurrency. @default 10 */
  concurrency?: number
  /** Congestion window: sends per 750 ms slot. @default 80 */
  maxWindow?: number
  /** Largest DELAYED_PING delay honoured, in ms. @default 10000 */
  maxPingDelay?: number
  /** Send DOWN_HINTs about nodes that time out in queries. @default true */
  sendDownHints?: boolean
  /** DOWN_HINTs per tick; -1 = unlimited. @default 50 */
  downHintsRateLimit?: number
  /** Per-address adaptive attempt timeouts (`true` or options). @default off */
  adaptiveTimeout?: boolean | AdaptiveTimeoutOptions
  /** Return false to keep a node out of the table and queries. */
  filterNode?: (node: Peer) => boolean
  /** Deprecated alias of `filterNode`. */
  addNode?: (node: Peer) => boolean
  /** keymesh extra: per-attempt timeout in ms. @default 1000 */
  requestTimeout?: number
  /** keymesh extra: evict a table node after this many consecutive attempt timeouts, and cap query attempts at it; 0 = dht-rpc behaviour. @default 3 */
  evictAfterTimeouts?: number
  /** keymesh extra: per-source-IP inbound request limit; `false` disables. */
  rateLimit?: RateLimitOptions | false
  /** keymesh extra: DELAYED_PING replies waiting at once. @default 1024 */
  maxDelayedPings?: number
  /** keymesh extra: DELAYED_PING replies waiting at once per source IP. @default 8 */
  maxDelayedPingsPerHost?: number
  /** keymesh extra: per-/24 caps in the routing table; `false` disables. */
  ipDiversity?: IpDiversityOptions | false
}

/** `dht.stats`: dht-rpc's shape, plus `dropped` and `table` (keymesh extras). */
export interface DHTStats {
  queries: { active: number; total: number }
  requests: RequestStats
  commands: {
    ping: CommandStats
    pingNat: CommandStats
    findNode: CommandStats
    downHint: CommandStats
  }
  /** Datagrams dropped (or fields ignored) at the socket boundary, by reason. */
  dropped: DroppedStats
  table: {
    /** Nodes refused by the per-/24 caps. */
    ipDiversityRejected: number
    /** Nodes evicted after `evictAfterTimeouts` attempt timeouts in a row. */
    evictedAfterTimeouts: number
  }
}

/** `dht.config`. */
export interface DHTConfig {
  concurrency: number
  maxWindow: number
  randomPunchInterval: unknown
  connectionKeepAlive: unknown
  sendDownHints: boolean
  downHintsRateLimit: number
}

/** What `rttStats()` resolves. */
export interface RttStats {
  successes: number
  errors: number
  responses: { avgRtt: number; errors: number; avgCloserNodes: number }
  closestReplies: { avgRtt: number; errors: number; avgCloserNodes: number }
}
