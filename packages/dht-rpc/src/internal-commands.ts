// Answers dht-rpc's internal commands: PING, PING_NAT, FIND_NODE, DOWN_HINT, DELAYED_PING (§3.4).

import {
  INTERNAL_COMMANDS,
  WIRE_ERRORS,
  delayedPingValue,
  downHintValue,
  pingNatValue,
  tryDecode
} from '@keymesh/wire'
import { MAX_DOWN_HINT_CHECKS } from './constants.js'
import type { DelayedReplies } from './delayed-replies.js'
import type { DroppedStats } from './io.js'
import { peerId } from './peer.js'
import type { DHTNode, Peer } from './peer.js'
import type { Request } from './request.js'

const { PING, PING_NAT, FIND_NODE, DOWN_HINT, DELAYED_PING } = INTERNAL_COMMANDS

/** What answering internal commands needs from the node. Implemented by `DHT`. */
export interface InternalCommandHost {
  readonly maxPingDelay: number
  readonly destroyed: boolean
  readonly table: { get(id: Uint8Array): DHTNode | null }
  readonly stats: { dropped: DroppedStats }
  /** @internal current tick */
  readonly _tick: number
  /** @internal table checks (pings) running */
  readonly _checks: number
  /** @internal ping a table node and drop it if it does not answer with its id */
  _check(node: DHTNode): void
  /** @internal pending DELAYED_PING replies */
  readonly _delayedReplies: DelayedReplies
}

/**
 * Answer one internal request. Requests with a missing or short value (and FIND_NODE without a
 * target) get no reply, like dht-rpc; unknown internal commands get UNKNOWN_COMMAND.
 */
export function answerInternalCommand(host: InternalCommandHost, req: Request): void {
  const from = req.from as Peer
  switch (req.command) {
    case PING:
      req.sendReply(0, null, false, false)
      return

    case PING_NAT: {
      // answer to the port the sender named: proves that port is reachable unsolicited
      const port = req.value === null ? null : tryDecode(pingNatValue, req.value)
      if (port === null || port === 0) return
      from.port = port
      req.sendReply(0, null, false, false)
      return
    }

    case FIND_NODE:
      if (req.target === null) return
      req.sendReply(0, null, false, true)
      return

    case DOWN_HINT: {
      const down = req.value === null ? null : tryDecode(downHintValue, req.value)
      if (down === null) return
      if (host._checks < MAX_DOWN_HINT_CHECKS) {
        const id = peerId(down.host, down.port)
        const node = id === null ? null : host.table.get(id)
        // at most one check per node per tick, unless it was never hinted before
        if (node !== null && (node.pinged < host._tick || node.downHints === 0)) {
          node.downHints++
          host._check(node)
        }
      }
      req.sendReply(0, null, false, false)
      return
    }

    case DELAYED_PING: {
      const delay = req.value === null ? null : tryDecode(delayedPingValue, req.value)
      if (delay === null || delay > host.maxPingDelay) return
      const scheduled = host._delayedReplies.schedule(from.host, delay, () => {
        if (!host.destroyed) req.sendReply(0, null, false, false)
      })
      if (!scheduled) host.stats.dropped.delayedPingLimit++
      return
    }
  }
  req.sendReply(WIRE_ERRORS.UNKNOWN_COMMAND, null, false, req.target !== null)
}
