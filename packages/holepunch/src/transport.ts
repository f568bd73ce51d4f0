// What the owning DHT injects into this package, so holepunching never imports dht-rpc.

import type UDX from 'udx-native'
import type { HostPort } from './host-port.js'

/** One NAT sample: our address as a DHT node saw it (`to`), and that node's address (`from`). */
export interface NatSample {
  to: HostPort
  from: HostPort
}

/** What the owner (hyperdht, which has the DHT) injects so this package never imports dht-rpc. */
export interface HolepunchTransport {
  /** True while the owning DHT thinks it is firewalled (`dht.firewalled`); false ⇒ class OPEN. */
  readonly firewalled: boolean
  /** Candidate nodes to sample, most recently seen first (hyperdht walks `dht.nodes` backwards). */
  nodes(): Iterable<HostPort>
  /** How many nodes the DHT knows (hyperdht skips the 5 newest when >= 8). */
  readonly nodeCount: number
  /**
   * One PING to `node` sent FROM `socket`, no retries. Resolves with the reply's `to` (our address
   * as the node saw it) and `from`; rejects on timeout/destroy.
   */
  ping(node: HostPort, socket: UDX.Socket): Promise<NatSample>
}
