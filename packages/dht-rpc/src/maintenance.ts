// Periodic table upkeep: the 5 s tick, checks of stale nodes, refreshes, sleep detection (§3.9).

import b4a from 'b4a'
import { INTERNAL_COMMANDS } from '@keymesh/wire'
import {
  MORE_STABLE_TICKS,
  OLD_NODE_TICKS,
  PING_SOME_MASK,
  RECENT_NODE_TICKS,
  SLEEPING_INTERVAL_MS,
  SMALL_TABLE_REFRESH_MASK
} from './constants.js'
import type { DHTError } from './errors.js'
import type { NetworkHealth } from './health.js'
import type { IO } from './io.js'
import type { NatSampler } from './nat-sampler.js'
import type { NodeList } from './node-list.js'
import type { DHTNode } from './peer.js'
import type { SendRequest } from './query.js'
import type { RoutingTable } from './routing-table.js'

/** What upkeep reads and changes on the node. Implemented by `DHT`. */
export interface MaintenanceHost {
  ephemeral: boolean
  readonly adaptive: boolean
  readonly bootstrapped: boolean
  readonly suspended: boolean
  readonly destroyed: boolean
  readonly io: IO
  readonly table: RoutingTable
  readonly nodes: NodeList
  readonly health: NetworkHealth
  refresh(): void
  emit(event: 'ephemeral' | 'wakeup'): boolean
  /** @internal */ _tick: number
  /** @internal */ _refreshTicks: number
  /** @internal */ _stableTicks: number
  /** @internal */ _lastTick: number
  /** @internal */ _lastHost: string | null
  /** @internal */ _checks: number
  /** @internal */ _downHintsSentPerTick: number
  /** @internal */ readonly _nat: NatSampler
  /** @internal */ _removeNode(node: DHTNode): void
  /** @internal */ _updateNetworkState(): Promise<boolean>
  /** @internal */
  readonly _request: SendRequest
}

const noop = (): void => {}

/** One maintenance tick. */
export function tick(host: MaintenanceHost): void {
  const now = Date.now()
  if (now - host._lastTick > SLEEPING_INTERVAL_MS && !host.suspended) wakeup(host)
  else host._tick++
  host._lastTick = now

  if (!host.bootstrapped || host.suspended || host.destroyed) return

  if (host.adaptive && host.ephemeral && --host._stableTicks <= 0) {
    // do not re-check the same network
    if (host._lastHost === host._nat.host) host._stableTicks = MORE_STABLE_TICKS
    else host._updateNetworkState().catch(noop)
  }

  if ((host._tick & PING_SOME_MASK) === 0) pingSome(host)

  if (
    ((host._tick & SMALL_TABLE_REFRESH_MASK) === 0 && host.nodes.length < host.table.k) ||
    --host._refreshTicks <= 0
  ) {
    host.refresh()
  }

  host._downHintsSentPerTick = 0
  host.health.update()
}

/** The machine slept (or resumed): age everything so it gets re-checked, start over. */
export function wakeup(host: MaintenanceHost): void {
  host._tick += 2 * OLD_NODE_TICKS // everything now looks old...
  host._tick += 8 - (host._tick & PING_SOME_MASK) - 2 // ...and gets re-pinged in two ticks
  host._stableTicks = MORE_STABLE_TICKS
  host._refreshTicks = 1 // refresh next tick, giving the network a moment to come back
  host._lastHost = null
  host.health.reset()

  if (host.adaptive && !host.ephemeral) {
    host.ephemeral = host.io.ephemeral = true
    host.emit('ephemeral')
  }
  host.emit('wakeup')
}

/** Check a few of the least recently seen nodes (5, or 3 when busy, or 2 if all are recent). */
export function pingSome(host: MaintenanceHost): void {
  let oldest = host.nodes.oldest
  if (oldest === null) {
    host.refresh()
    return
  }
  let count = host.io.inflight.length > 2 ? 3 : 5
  if (host._tick - oldest.pinged < RECENT_NODE_TICKS) count = 2
  while (count > 0 && oldest !== null) {
    const node = oldest
    oldest = oldest.next
    if (node.pinged === host._tick) continue
    count--
    check(host, node)
  }
}

/** PING a table node; drop it if it times out or answers without its valid id. */
export function check(host: MaintenanceHost, node: DHTNode): void {
  node.pinged = host._tick
  host._checks++
  const req = host._request(
    { id: null, host: node.host, port: node.port },
    false,
    true,
    INTERNAL_COMMANDS.PING,
    null,
    null,
    null,
    (reply) => {
      host._checks--
      if (reply.from.id === null || !b4a.equals(reply.from.id, node.id)) host._removeNode(node)
    },
    (err) => {
      host._checks--
      // cancelled by suspend or destroy says nothing about the node
      if ((err as DHTError).code === 'REQUEST_TIMEOUT') host._removeNode(node)
    }
  )
  if (req === null) host._checks--
}
