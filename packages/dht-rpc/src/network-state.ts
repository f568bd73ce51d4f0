// The ephemeral → persistent transition: NAT consistency, the firewall check, the new id (§3.13).

import type UDX from 'udx-native'
import b4a from 'b4a'
import { INTERNAL_COMMANDS, encode, pingNatValue } from '@keymesh/wire'
import { nodeId } from '@keymesh/crypto'
import { MORE_STABLE_TICKS } from './constants.js'
import { checkIfFirewalled } from './firewall.js'
import type { FirewallCheckHost } from './firewall.js'
import type { IO } from './io.js'
import { NatSampler } from './nat-sampler.js'
import type { NodeList } from './node-list.js'
import type { HostPort, IdentifiedPeer } from './peer.js'
import type { SendRequest } from './query.js'
import type { Reply } from './request.js'
import type { RoutingTable } from './routing-table.js'

/** What the transition reads and changes on the node. Implemented by `DHT`. */
export interface NetworkStateHost {
  ephemeral: boolean
  firewalled: boolean
  readonly bootstrapped: boolean
  readonly destroyed: boolean
  readonly io: IO
  readonly table: RoutingTable
  readonly nodes: NodeList
  refresh(): void
  emit(event: 'persistent'): boolean
  emit(event: 'nat-update', host: string | null, port: number): boolean
  /** @internal */
  _nat: NatSampler
  /** @internal ticks until the next adaptive check */
  _stableTicks: number
  /** @internal public host at the last full check */
  _lastHost: string | null
  /** @internal id-less senders already sampled */
  _nonPersistentSamples: string[]
  /** @internal */
  _resolveBootstrapNodes(): AsyncIterable<IdentifiedPeer>
  /** @internal */
  readonly _request: SendRequest
}

/**
 * Try to leave ephemeral mode. Needs a consistent public host and port; while firewalled it
 * first runs the firewall check. On success it clears `firewalled` and, unless `onlyFirewall`,
 * takes the id `H(host:port)`, re-roots the routing table and emits `persistent`. Resolves
 * whether the check passed; never rejects.
 */
export async function updateNetworkState(
  host: NetworkStateHost,
  onlyFirewall = false
): Promise<boolean> {
  if (!host.ephemeral) return false
  if (onlyFirewall && !host.firewalled) return false

  const { host: publicHost, port: publicPort } = host._nat
  if (!onlyFirewall) {
    // remember what we checked so the same network is not re-checked for a while
    host._stableTicks = MORE_STABLE_TICKS
    host._lastHost = publicHost
  }
  if (publicHost === null || publicPort === 0) return false

  const sampler = host.firewalled ? new NatSampler() : host._nat
  if (host.firewalled && (await checkIfFirewalled(firewallProbe(host), sampler))) return false
  if (host.destroyed) return false

  host.firewalled = host.io.firewalled = false

  // the node changed meanwhile (a parallel check, a new NAT mapping): try again later
  if (!host.ephemeral || publicHost !== host._nat.host || publicPort !== host._nat.port) {
    return false
  }
  if (sampler.host !== publicHost || sampler.port === 0) return false

  const id = nodeId(sampler.host, sampler.port)
  if (!onlyFirewall) host.ephemeral = host.io.ephemeral = false

  if (sampler !== host._nat) {
    const prev = host._nat
    host._nonPersistentSamples = []
    host._nat = sampler
    if (prev.host !== sampler.host || prev.port !== sampler.port) {
      host.emit('nat-update', sampler.host, sampler.port)
    }
  }

  if (!b4a.equals(host.table.id, id)) {
    for (const dropped of host.table.rebuild(id)) host.nodes.remove(dropped)
    if (host.bootstrapped) host.refresh()
  }

  if (!host.ephemeral) host.emit('persistent')
  return true
}

function firewallProbe(host: NetworkStateHost): FirewallCheckHost {
  return {
    async candidates(max) {
      const nodes: HostPort[] = []
      for (let n = host.nodes.latest; n !== null && nodes.length < max; n = n.prev) nodes.push(n)
      if (nodes.length < max) {
        for await (const b of host._resolveBootstrapNodes()) nodes.push(b)
      }
      return nodes
    },
    serverPort: () => (host.io.serverSocket?.address() as UDX.SocketAddress).port,
    watchServerSocket(onhost) {
      const socket = host.io.serverSocket as UDX.Socket
      const listener = (_: Buffer, rinfo: UDX.RemoteInfo): void => onhost(rinfo.host)
      socket.on('message', listener)
      return () => socket.removeListener('message', listener)
    },
    pingNatAll: (nodes, port) => pingNatAll(host, nodes, encode(pingNatValue, port)),
    natHost: () => host._nat.host
  }
}

// every reply that came back; failures are simply missing
function pingNatAll(
  host: NetworkStateHost,
  nodes: readonly HostPort[],
  value: Buffer
): Promise<Reply[]> {
  return new Promise((resolve) => {
    const replies: Reply[] = []
    let missing = nodes.length
    if (missing === 0) resolve(replies)
    const done = (): void => {
      if (--missing === 0) resolve(replies)
    }
    const onreply = (reply: Reply): void => {
      replies.push(reply)
      done()
    }
    for (const node of nodes) {
      const to = { id: null, host: node.host, port: node.port }
      const req = host._request(
        to,
        false,
        true,
        INTERNAL_COMMANDS.PING_NAT,
        null,
        value,
        null,
        onreply,
        done
      )
      if (req === null) {
        resolve(replies)
        return
      }
    }
  })
}
