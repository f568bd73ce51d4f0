// The events a DHT node emits, declared once (names are what dht-rpc 6.27.0 emits, §3.14).

import type UDX from 'udx-native'
import type { DHTNode } from './peer.js'
import type { Request } from './request.js'

/** Event name → listener arguments of `DHT`. */
export interface DHTEvents {
  /** Both sockets are bound. */
  listening: []
  /** The bootstrap lookup finished (`fullyBootstrapped()` resolves). */
  ready: []
  /** The node became persistent: it has an id and joins others' routing tables. */
  persistent: []
  /** An adaptive persistent node went back to ephemeral (after sleeping). */
  ephemeral: []
  /** The machine appears to have slept (ticks were late); the table is re-pinged. */
  wakeup: []
  /** The public address inferred from other nodes changed. */
  'nat-update': [host: string | null, port: number]
  /** The machine's network interfaces changed. */
  'network-change': [interfaces: UDX.NetworkInterface[]]
  /** `online`/`degraded` changed, or the network changed. */
  'network-update': []
  /** A node joined the routing table. */
  'add-node': [node: DHTNode]
  /** A node left the routing table. */
  'remove-node': [node: DHTNode]
  /** `suspend()` finished. */
  suspend: []
  /** `resume()` finished. */
  resume: []
  /** `destroy()` finished (emitted once). */
  close: []
  /** An application request arrived; answer it with `req.reply()` or `req.error()`. */
  request: [req: Request]
}
