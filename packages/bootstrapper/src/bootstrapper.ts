// startBootstrapper: a long-lived, persistent HyperDHT bootstrap node on a fixed address.

import HyperDHT from '@keymesh/hyperdht'
import type { HyperDHTOptions } from '@keymesh/hyperdht'
import { BOOTSTRAPPER_DEFAULTS, RANDOM_PORT_ATTEMPTS } from './constants.js'
import { BootstrapperError } from './errors.js'
import { pickFreePort } from './pick-free-port.js'
import { validateHost, validatePort } from './validate.js'

/** Options a bootstrapper decides itself, so callers cannot set them. */
type FixedOptions = 'port' | 'host' | 'anyPort' | 'ephemeral' | 'firewalled' | 'bootstrap'

/** Options of {@link startBootstrapper}: where it lives, plus any other HyperDHT option. */
export interface BootstrapperOptions extends Omit<HyperDHTOptions, FixedOptions> {
  /**
   * UDP port other nodes reach the bootstrapper at; `0` picks a free port (unlike hyperdht,
   * where 0 means 49737). The port is never silently changed: a taken one is `PORT_IN_USE`.
   * @default 49737
   */
  port?: number
  /**
   * Literal IPv4 address other nodes reach the bootstrapper at. Its node id is `H(host:port)`.
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * Local address to bind. A public `host` is often not on any local interface (cloud NAT),
   * so anything but 127.0.0.1 binds all interfaces by default.
   * @default host when it is '127.0.0.1', else '0.0.0.0'
   */
  bindHost?: string
  /**
   * Other bootstrappers to join. Never the public HyperDHT list: a bootstrapper only talks to
   * the networks it is told about.
   * @default []
   */
  bootstrap?: Exclude<HyperDHTOptions['bootstrap'], false>
}

/** A `{ host, port }` pair, as `node.address()` and bootstrap lists use. */
export interface HostPort {
  host: string
  port: number
}

/** A running bootstrap node; made by {@link startBootstrapper}. */
export class Bootstrapper {
  /** The HyperDHT node (persistent, unfirewalled, id `H(host:port)`). */
  readonly node: HyperDHT
  /** Address other nodes reach it at. */
  readonly address: HostPort
  /** The same address as a bootstrap entry: `'host:port'`. */
  readonly bootstrap: string
  /** The address actually bound (differs from `address` when `bindHost` is set). */
  readonly bound: HostPort
  /** True once {@link Bootstrapper.close} was called. */
  closed = false
  private closing: Promise<void> | null = null

  /** @internal made by {@link startBootstrapper} */
  constructor(node: HyperDHT, address: HostPort, bound: HostPort) {
    this.node = node
    this.address = address
    this.bootstrap = `${address.host}:${address.port}`
    this.bound = bound
  }

  /** Destroy the node and release the port. Idempotent: later calls return the same promise. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    this.closed = true
    this.closing = this.node.destroy()
    return this.closing
  }

  /** Debug view. */
  toJSON(): { address: HostPort; bound: HostPort; id: string | null; closed: boolean } {
    const id = this.node.id
    return {
      address: this.address,
      bound: this.bound,
      id: id === null ? null : id.toString('hex'),
      closed: this.closed
    }
  }
}

/**
 * Start a bootstrap node: persistent and unfirewalled from the start, bound to exactly `port`
 * (no fallback), with no bootstrap nodes of its own unless given. Resolves once the socket is
 * bound and the node is ready to answer; rejects with a {@link BootstrapperError}:
 * `INVALID_PORT`/`INVALID_HOST` for bad options, `PORT_IN_USE` or `BIND_FAILED` for the socket.
 */
export async function startBootstrapper(opts: BootstrapperOptions = {}): Promise<Bootstrapper> {
  const { port: portOpt, host: hostOpt, bindHost: bindOpt, bootstrap, ...dhtOptions } = opts
  const port = validatePort(portOpt ?? BOOTSTRAPPER_DEFAULTS.port)
  const host = validateHost(hostOpt ?? BOOTSTRAPPER_DEFAULTS.host)
  const bindHost = validateHost(bindOpt ?? (host === '127.0.0.1' ? host : '0.0.0.0'), {
    wildcard: true
  })
  const nodeOptions: HyperDHTOptions = { ...dhtOptions, bootstrap: bootstrap ?? [] }

  if (port !== 0) return bindAt(port, host, bindHost, nodeOptions)
  for (let attempt = 1; ; attempt++) {
    const picked = await pickFreePort(bindHost).catch((err: unknown) => {
      throw BootstrapperError.BIND_FAILED(bindHost, 0, err)
    })
    try {
      return await bindAt(picked, host, bindHost, nodeOptions)
    } catch (err) {
      // another process took the picked port in between: pick again
      const raced = err instanceof BootstrapperError && err.code === 'PORT_IN_USE'
      if (!raced || attempt >= RANDOM_PORT_ATTEMPTS) throw err
    }
  }
}

async function bindAt(
  port: number,
  host: string,
  bindHost: string,
  nodeOptions: HyperDHTOptions
): Promise<Bootstrapper> {
  const node = HyperDHT.bootstrapper(port, host, {
    ...nodeOptions,
    host: bindHost,
    // exactly this port: dht-rpc would otherwise also try the next four, and a bootstrapper
    // bound elsewhere than H(host:port) says is unreachable under its id
    port: [port, port + 1]
  })
  try {
    await node.bind()
  } catch (err) {
    await node.destroy()
    throw isAddressInUse(err)
      ? BootstrapperError.PORT_IN_USE(bindHost, port, err)
      : BootstrapperError.BIND_FAILED(bindHost, port, err)
  }
  try {
    await node.fullyBootstrapped()
  } catch (err) {
    await node.destroy()
    throw err
  }
  return new Bootstrapper(node, { host, port }, { host: bindHost, port })
}

function isAddressInUse(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EADDRINUSE'
}
