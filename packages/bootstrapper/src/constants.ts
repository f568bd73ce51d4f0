// Defaults and limits of the bootstrapper and the local network, declared once.

import { DEFAULT_PORT } from '@keymesh/hyperdht'

/** Defaults of {@link startBootstrapper}. */
export const BOOTSTRAPPER_DEFAULTS = Object.freeze({
  /** hyperdht's well-known port, so `'127.0.0.1:49737'` works without being told. */
  port: DEFAULT_PORT,
  /** Loopback: a bootstrapper is reachable from this machine only unless asked otherwise. */
  host: '127.0.0.1'
})

/** Defaults of {@link startLocalNetwork}. */
export const LOCAL_NETWORK_DEFAULTS = Object.freeze({
  ...BOOTSTRAPPER_DEFAULTS,
  /** hyperdht's testnet size. */
  nodes: 10,
  /** A taken default port falls back to a random one rather than failing. */
  anyPort: true
})

/** Most nodes one local network may run; each costs two UDP sockets and timers in one process. */
export const MAX_LOCAL_NODES = 1000

/** Attempts to bind a port picked for `port: 0` (another process may take it in between). */
export const RANDOM_PORT_ATTEMPTS = 5
