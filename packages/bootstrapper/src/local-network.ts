// startLocalNetwork: a bootstrapper plus N persistent HyperDHT nodes joined to it, in one process.

import HyperDHT from '@keymesh/hyperdht'
import type { HyperDHTOptions } from '@keymesh/hyperdht'
import { startBootstrapper } from './bootstrapper.js'
import type { Bootstrapper, HostPort } from './bootstrapper.js'
import { LOCAL_NETWORK_DEFAULTS, MAX_LOCAL_NODES } from './constants.js'
import { BootstrapperError } from './errors.js'
import { pickFreePort } from './pick-free-port.js'
import { validateHost, validateNodes, validatePort } from './validate.js'

/** Node options the local network sets itself (every node is persistent and joins it). */
type FixedNodeOptions = 'bootstrap' | 'host' | 'port' | 'ephemeral' | 'firewalled'

/** Options of {@link startLocalNetwork}. */
export interface LocalNetworkOptions {
  /** HyperDHT nodes besides the bootstrapper. @default 10 */
  nodes?: number
  /** Literal IPv4 address of the bootstrapper and the nodes. @default '127.0.0.1' */
  host?: string
  /** Bootstrapper port; `0` picks a free one. @default 49737 */
  port?: number
  /**
   * When `port` is taken, use a free port instead of failing with `PORT_IN_USE`; the result's
   * `portFallback` says it happened.
   * @default true
   */
  anyPort?: boolean
  /** Extra options for every node (not the bootstrapper). */
  nodeOptions?: Omit<HyperDHTOptions, FixedNodeOptions>
}

/** A running local network; made by {@link startLocalNetwork}. */
export interface LocalNetwork {
  /** The bootstrap list that joins this network: `new HyperDHT({ bootstrap })`. */
  readonly bootstrap: HostPort[]
  /** The bootstrap node. */
  readonly bootstrapper: Bootstrapper
  /** The other nodes, each persistent and fully bootstrapped. */
  readonly nodes: HyperDHT[]
  /** True when `port` was taken and the bootstrapper fell back to a free port. */
  readonly portFallback: boolean
  /** Destroy the nodes (newest first), then the bootstrapper. Idempotent. */
  close(): Promise<void>
}

/**
 * Start a network that needs no internet: a bootstrapper on `host:port` and `nodes` persistent,
 * unfirewalled HyperDHT nodes bootstrapped through it only (never the public bootstrap list),
 * each fully bootstrapped before this resolves. Rejects with a {@link BootstrapperError} for
 * bad options or an unusable port; on failure nothing is left running.
 */
export async function startLocalNetwork(opts: LocalNetworkOptions = {}): Promise<LocalNetwork> {
  const size = validateNodes(opts.nodes ?? LOCAL_NETWORK_DEFAULTS.nodes, MAX_LOCAL_NODES)
  const host = validateHost(opts.host ?? LOCAL_NETWORK_DEFAULTS.host)
  const port = validatePort(opts.port ?? LOCAL_NETWORK_DEFAULTS.port)
  const anyPort = opts.anyPort ?? LOCAL_NETWORK_DEFAULTS.anyPort

  let portFallback = false
  let bootstrapper: Bootstrapper
  try {
    bootstrapper = await startBootstrapper({ port, host })
  } catch (err) {
    const taken = err instanceof BootstrapperError && err.code === 'PORT_IN_USE'
    if (!taken || !anyPort || port === 0) throw err
    portFallback = true
    bootstrapper = await startBootstrapper({ port: 0, host })
  }

  const nodes: HyperDHT[] = []
  const close = async (): Promise<void> => {
    for (let i = nodes.length - 1; i >= 0; i--) await (nodes[i] as HyperDHT).destroy()
    await bootstrapper.close()
  }
  try {
    // one after the other, like hyperdht's testnet, so each joins a network that already has
    // the previous ones in its tables
    const bindHost = host === '127.0.0.1' ? host : '0.0.0.0'
    while (nodes.length < size) {
      const node = new HyperDHT({
        ...opts.nodeOptions,
        bootstrap: [bootstrapper.address],
        host: bindHost,
        // a free port, not hyperdht's default: the nodes must not squat 49737-49741, where
        // users expect to run bootstrappers
        port: await pickFreePort(bindHost),
        ephemeral: false,
        firewalled: false
      })
      nodes.push(node)
      await node.fullyBootstrapped()
    }
  } catch (err) {
    await close()
    throw err
  }

  let closing: Promise<void> | null = null
  return {
    bootstrap: [{ ...bootstrapper.address }],
    bootstrapper,
    nodes,
    portFallback,
    close() {
      closing ??= close()
      return closing
    }
  }
}
