// The table's nodes ordered by when they were last heard from (`dht.nodes`), as a linked list.

import type { DHTNode } from './peer.js'

/** Options of {@link NodeList.toArray}. */
export interface NodeListArrayOptions {
  /** Most entries returned. @default Infinity */
  limit?: number
  /** Newest first instead of oldest first. @default false */
  reverse?: boolean
}

/**
 * Doubly linked list threaded through the nodes' own `prev`/`next` fields, oldest first.
 * Re-adding a member moves it to the `latest` end, so `oldest` is always the node heard from
 * least recently. Same shape as dht-rpc's `dht.nodes` (hyperdht walks `latest`/`prev`).
 */
export class NodeList {
  /** Least recently heard-from node. */
  oldest: DHTNode | null = null
  /** Most recently heard-from node. */
  latest: DHTNode | null = null
  /** Number of nodes. */
  length = 0

  /** True if `node` is in this list. */
  has(node: DHTNode): boolean {
    return node.prev !== null || node.next !== null || this.oldest === node
  }

  /** Append `node` as the latest, moving it if it is already a member. */
  add(node: DHTNode): DHTNode {
    if (this.has(node)) this.remove(node)
    node.next = null
    node.prev = this.latest
    if (this.latest === null) this.oldest = node
    else this.latest.next = node
    this.latest = node
    this.length++
    return node
  }

  /** Unlink `node` (no-op if it is not a member). */
  remove(node: DHTNode): DHTNode {
    if (!this.has(node)) return node
    if (node.prev === null) this.oldest = node.next
    else node.prev.next = node.next
    if (node.next === null) this.latest = node.prev
    else node.next.prev = node.prev
    node.prev = node.next = null
    this.length--
    return node
  }

  /** The members in order, oldest first unless `reverse`. */
  toArray(opts: NodeListArrayOptions = {}): DHTNode[] {
    const out: DHTNode[] = []
    let limit = opts.limit ?? Infinity
    const reverse = opts.reverse === true
    for (let n = reverse ? this.latest : this.oldest; n !== null && limit-- > 0;) {
      out.push(n)
      n = reverse ? n.prev : n.next
    }
    return out
  }

  /** Iterate oldest first. */
  [Symbol.iterator](): Iterator<DHTNode> {
    return this.toArray()[Symbol.iterator]()
  }
}
