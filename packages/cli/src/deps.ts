// The DHT packages, loaded on first use so --help and argument errors answer at once.

/** `@keymesh/hyperdht` (its default export is the HyperDHT class). */
export function loadHyperDHT(): Promise<typeof import('@keymesh/hyperdht')> {
  return import('@keymesh/hyperdht')
}

/** `@keymesh/gateway`. */
export function loadGateway(): Promise<typeof import('@keymesh/gateway')> {
  return import('@keymesh/gateway')
}

/** `@keymesh/bootstrapper`. */
export function loadBootstrapper(): Promise<typeof import('@keymesh/bootstrapper')> {
  return import('@keymesh/bootstrapper')
}

/**
 * Defaults shown in help texts, copied so printing help loads nothing; a test checks them
 * against `@keymesh/bootstrapper` and `@keymesh/hyperdht`.
 */
export const HELP_DEFAULTS = Object.freeze({
  /** hyperdht's default port (`DEFAULT_PORT`), the bootstrapper's too. */
  port: 49737,
  /** The bootstrapper's and local network's default host. */
  host: '127.0.0.1',
  /** `LOCAL_NETWORK_DEFAULTS.nodes`. */
  nodes: 10,
  /** `MAX_LOCAL_NODES`. */
  maxNodes: 1000
})
