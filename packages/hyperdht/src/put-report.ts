// PutReport: what the storing nodes answered to the commits of a put (a keymesh extra).

import type { Reply } from '@keymesh/dht-rpc'
import { WIRE_ERRORS } from '@keymesh/wire'
import type { PutRefusal } from './errors.js'

/** Wire error numbers of the record commands, by name. */
const REFUSAL_CODES = new Map<number, string>([
  [WIRE_ERRORS.SEQ_REUSED, 'SEQ_REUSED'],
  [WIRE_ERRORS.SEQ_TOO_LOW, 'SEQ_TOO_LOW'],
  [WIRE_ERRORS.UNKNOWN_COMMAND, 'UNKNOWN_COMMAND'],
  [WIRE_ERRORS.INVALID_TOKEN, 'INVALID_TOKEN']
])

/**
 * Counts the answers to a put's commits. A node that stays silent (how hyperdht refuses a bad
 * signature or hash) is neither: its commit times out and the query reports the failure.
 */
export class PutReport {
  /** Nodes that answered without an error: they hold the record. */
  stored = 0
  /** Nodes that answered with an error number, and which. */
  readonly refused: PutRefusal[] = []

  /** Record one commit's reply; returns it unchanged. */
  add(reply: Reply): Reply {
    if (reply.error === 0) {
      this.stored++
    } else {
      const { id, host, port } = reply.from
      const code = REFUSAL_CODES.get(reply.error) ?? `ERROR_${reply.error}`
      this.refused.push({ from: { id, host, port }, code })
    }
    return reply
  }

  /** The refusal code most nodes gave, if every answering node refused with a seq code. */
  seqRefusal(): 'SEQ_REUSED' | 'SEQ_TOO_LOW' | null {
    if (this.stored > 0 || this.refused.length === 0) return null
    let reused = 0
    let low = 0
    for (const r of this.refused) {
      if (r.code === 'SEQ_REUSED') reused++
      else if (r.code === 'SEQ_TOO_LOW') low++
    }
    if (reused + low === 0) return null
    return reused >= low ? 'SEQ_REUSED' : 'SEQ_TOO_LOW'
  }
}
