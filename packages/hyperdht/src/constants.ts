// hyperdht's constants: the mainnet bootstrap list, default port and DEFAULTS.

import { DEFAULTS as RPC_DEFAULTS } from '@keymesh/dht-rpc'

/** The public HyperDHT bootstrap nodes (`suggestedIP@hostname:port`, §3.12). */
export const BOOTSTRAP_NODES: readonly string[] = Object.freeze([
  '88.99.3.86@node1.hyperdht.org:49737',
  '142.93.90.113@node2.hyperdht.org:49737',
  '138.68.147.8@node3.hyperdht.org:49737'
])

/** The server socket port hyperdht tries first (then the next four, then any). */
export const DEFAULT_PORT = 49737

/** Default generational cache size of announces, router entries and refresh tokens. */
export const DEFAULT_MAX_SIZE = 65536
/** Default lifetime of announces and router entries, in ms (20 min). */
export const DEFAULT_MAX_AGE = 20 * 60 * 1000

/** Option defaults: dht-rpc's plus hyperdht's two (`HyperDHT.DEFAULTS`). */
export const DEFAULTS = Object.freeze({
  ...RPC_DEFAULTS,
  connectionKeepAlive: 5000,
  randomPunchInterval: 20000
})

/** The shape of {@link DEFAULTS}. */
export type HyperDHTDefaults = typeof DEFAULTS
