// Bootstrap node parsing and resolution, including the `suggestedIP@hostname:port` form (§3.12).

import { isIPv4 } from './ip.js'
import { peerId } from './peer.js'
import type { HostPort, IdentifiedPeer } from './peer.js'

/** A bootstrap entry as accepted by the `bootstrap` option. */
export type BootstrapNode = string | number | HostPort

/** How {@link resolveBootstrapNodes} reaches the network. */
export interface BootstrapResolver {
  /** Ping `to`; rejects if it does not answer. */
  ping(to: HostPort): Promise<unknown>
  /** Resolve a hostname to an IPv4 address; rejects if it cannot. */
  lookup(hostname: string): Promise<string>
}

/**
 * Normalise one `bootstrap` entry: `'host:port'` and `'ip@host:port'` strings, a bare port
 * (meaning 127.0.0.1) or a `{ host, port }` object (used as is). Throws a plain `Error` for a
 * string without a port, like dht-rpc.
 */
export function parseBootstrapNode(node: BootstrapNode): HostPort {
  if (typeof node === 'object') return node
  if (typeof node === 'number') return { host: '127.0.0.1', port: node }
  const [host = '', port] = node.split(':')
  if (!port) throw new Error('Bootstrap node format is host:port')
  return { host, port: Number(port) }
}

/**
 * Resolve bootstrap entries to nodes with ids, in order. For `ip@host` the suggested IP is
 * pinged first and the hostname looked up only if it does not answer; plain hostnames are
 * looked up (IPv4). Entries that cannot be resolved are skipped. Never throws.
 */
export async function* resolveBootstrapNodes(
  nodes: readonly HostPort[],
  resolver: BootstrapResolver
): AsyncGenerator<IdentifiedPeer> {
  for (const node of nodes) {
    const port = node.port
    let host = node.host
    let lookup = true

    const at = host.indexOf('@')
    if (at !== -1) {
      const suggested = host.slice(0, at)
      host = host.slice(at + 1)
      try {
        await resolver.ping({ host: suggested, port })
        host = suggested
        lookup = false
      } catch {
        // fall back to the hostname
      }
    }

    if (lookup && !isIPv4(host)) {
      try {
        host = await resolver.lookup(host)
      } catch {
        continue
      }
    }

    const id = peerId(host, port)
    if (id === null) continue
    yield { id, host, port }
  }
}
