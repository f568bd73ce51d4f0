// Kademlia routing table: 256 rows of k nodes by shared id prefix, ping-before-evict (§3.8).

import b4a from 'b4a'
import { MAX_REPINGS, RECENT_NODE_TICKS } from './constants.js'
import type { IpDiversity } from './ip-diversity.js'
import type { DHTNode } from './peer.js'

/** Why the table refused a node. */
export type RejectReason = 'full' | 'ip-diversity'

/** Collaborators of {@link RoutingTable}; all optional so a bare table works in tests. */
export interface RoutingTableOptions {
  /** Bucket size. @default 20 */
  k?: number
  /** Per-/24 caps; `null` disables them. */
  ipDiversity?: IpDiversity | null
  /**
   * Ping a node whose row is full; resolve `true` if it answered with its valid id (keep it),
   * `false` or reject to evict it for the newcomer. Without it, full rows just refuse newcomers.
   */
  ping?: ((node: DHTNode) => Promise<boolean>) | null
  /** The current maintenance tick. @default () => 0 */
  tick?: () => number
  /** Whether full rows may evict at all now (dht-rpc: only once bootstrapped). @default () => true */
  canEvict?: () => boolean
  /** A node joined (also after an eviction swap). */
  onadd?: (node: DHTNode) => void
  /** A node left. */
  onremove?: (node: DHTNode) => void
  /** A node was refused. */
  onreject?: (node: DHTNode, reason: RejectReason) => void
}

/** One bucket: the nodes sharing exactly `index` leading bits with the table id, sorted by id. */
export class Row {
  /** Shared prefix length. */
  readonly index: number
  /** Members, ascending by id. */
  readonly nodes: DHTNode[] = []

  /** @param index - the row number */
  constructor(index: number) {
    this.index = index
  }

  /** Position of `id`, or `-(insertion point) - 1` when absent. */
  search(id: Uint8Array): number {
    let lo = 0
    let hi = this.nodes.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const c = compareIds(id, (this.nodes[mid] as DHTNode).id)
      if (c === 0) return mid
      if (c < 0) hi = mid - 1
      else lo = mid + 1
    }
    return -lo - 1
  }
}

const noop = (): void => {}

// byte order of two ids (like Buffer.compare); ids in a row differ within their first bytes, so
// a loop here costs less than a native call per step of the search
function compareIds(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return a.byteLength === b.byteLength ? 0 : a.byteLength < b.byteLength ? -1 : 1
}

/**
 * The routing table of one node id. Pure bookkeeping: it never touches the network itself;
 * the full-row policy reaches remote nodes only through the injected `ping`.
 */
export class RoutingTable {
  /** The local id the rows are relative to. */
  id: Buffer
  /** Bucket size. */
  readonly k: number
  /** Nodes in the table. */
  size = 0
  /**
   * Rows by shared-prefix length (sparse): only as long as the highest row in use, as a
   * 256-slot array per node would outweigh its few used rows (random ids fill ~log2(N)).
   */
  rows: Array<Row | undefined> = []
  /** Ping-before-evict checks in flight. */
  repinging = 0

  private readonly diversity: IpDiversity | null
  private readonly ping: ((node: DHTNode) => Promise<boolean>) | null
  private readonly tick: () => number
  private readonly canEvict: () => boolean
  private readonly onadd: (node: DHTNode) => void
  private readonly onremove: (node: DHTNode) => void
  private readonly onreject: (node: DHTNode, reason: RejectReason) => void

  /**
   * @param id - the local node id (32 bytes)
   * @param opts - see {@link RoutingTableOptions}
   */
  constructor(id: Buffer, opts: RoutingTableOptions = {}) {
    this.id = id
    this.k = opts.k ?? 20
    this.diversity = opts.ipDiversity ?? null
    this.ping = opts.ping ?? null
    this.tick = opts.tick ?? (() => 0)
    this.canEvict = opts.canEvict ?? (() => true)
    this.onadd = opts.onadd ?? noop
    this.onremove = opts.onremove ?? noop
    this.onreject = opts.onreject ?? noop
  }

  /** Number of leading bits `id` shares with the table id (the last row for the id itself). */
  rowIndex(id: Uint8Array): number {
    for (let i = 0; i < id.byteLength; i++) {
      const x = (id[i] as number) ^ (this.id[i] as number)
      if (x !== 0) return i * 8 + Math.clz32(x) - 24
    }
    return this.id.byteLength * 8 - 1
  }

  /**
   * Insert `node`, or replace the entry with the same id. Returns false if it was refused: its
   * row is full (a ping-before-evict check may then swap it in later) or its /24 is at its cap.
   */
  add(node: DHTNode): boolean {
    const i = this.rowIndex(node.id)
    let row = this.rows[i]
    if (row === undefined) row = this.rows[i] = new Row(i)

    const at = row.search(node.id)
    if (at >= 0) {
      const old = row.nodes[at] as DHTNode
      if (old === node) return true
      row.nodes[at] = node
      this.onremove(old)
      this.onadd(node)
      return true
    }

    if (this.diversity !== null && !this.diversity.allows(node.host, i)) {
      this.onreject(node, 'ip-diversity')
      return false
    }

    if (row.nodes.length >= this.k) {
      this.onreject(node, 'full')
      this.onfull(node, row)
      return false
    }

    row.nodes.splice(-at - 1, 0, node)
    this.size++
    if (this.diversity !== null) this.diversity.add(node.host, i)
    this.onadd(node)
    return true
  }

  /** Remove the node with `id`; false if absent. */
  remove(id: Uint8Array): boolean {
    const i = this.rowIndex(id)
    const row = this.rows[i]
    if (row === undefined) return false
    const at = row.search(id)
    if (at < 0) return false
    const [node] = row.nodes.splice(at, 1) as [DHTNode]
    this.size--
    if (this.diversity !== null) this.diversity.remove(node.host, i)
    this.onremove(node)
    return true
  }

  /** The node with `id`, or null. */
  get(id: Uint8Array): DHTNode | null {
    const row = this.rows[this.rowIndex(id)]
    if (row === undefined) return null
    const at = row.search(id)
    return at < 0 ? null : (row.nodes[at] as DHTNode)
  }

  /** True if a node with `id` is in the table. */
  has(id: Uint8Array): boolean {
    return this.get(id) !== null
  }

  /** A uniformly random node, or null when empty. */
  random(): DHTNode | null {
    let n = Math.floor(Math.random() * this.size)
    for (const row of this.rows) {
      if (row === undefined) continue
      if (n < row.nodes.length) return row.nodes[n] as DHTNode
      n -= row.nodes.length
    }
    return null
  }

  /**
   * Up to `k` nodes near `target`, in dht-rpc's walk order: the target's own row, then rows
   * below it down to 0, then rows above it; each row in stored (id) order (§3.8). Not sorted by
   * XOR distance.
   */
  closest(target: Uint8Array, k: number = this.k): DHTNode[] {
    const out: DHTNode[] = []
    const d = this.rowIndex(target)
    for (let i = d; i >= 0 && out.length < k; i--) this.collect(i, k, out)
    for (let i = d + 1; i < this.rows.length && out.length < k; i++) this.collect(i, k, out)
    return out
  }

  /** Every node, in `closest(id)` order. */
  toArray(): DHTNode[] {
    return this.closest(this.id, Infinity)
  }

  /**
   * Re-root the table at a new id (after becoming persistent) and re-insert every node without
   * firing hooks. Returns the nodes that no longer fit.
   */
  rebuild(id: Buffer): DHTNode[] {
    const nodes = this.toArray()
    this.id = id
    this.rows = []
    this.size = 0
    if (this.diversity !== null) this.diversity.clear()

    const dropped: DHTNode[] = []
    for (const node of nodes) {
      if (b4a.equals(node.id, id)) {
        dropped.push(node)
        continue
      }
      const i = this.rowIndex(node.id)
      let row = this.rows[i]
      if (row === undefined) row = this.rows[i] = new Row(i)
      const at = row.search(node.id)
      if (at >= 0 || row.nodes.length >= this.k) {
        dropped.push(node)
        continue
      }
      if (this.diversity !== null && !this.diversity.allows(node.host, i)) {
        dropped.push(node)
        continue
      }
      row.nodes.splice(-at - 1, 0, node)
      this.size++
      if (this.diversity !== null) this.diversity.add(node.host, i)
    }
    return dropped
  }

  private collect(i: number, k: number, out: DHTNode[]): void {
    const row = this.rows[i]
    if (row === undefined) return
    const n = Math.min(k - out.length, row.nodes.length)
    for (let j = 0; j < n; j++) out.push(row.nodes[j] as DHTNode)
  }

  // §3.8 full-row policy: ping the least recently pinged member; evict it if it does not answer
  private onfull(newcomer: DHTNode, row: Row): void {
    if (this.ping === null || !this.canEvict() || this.repinging >= MAX_REPINGS) return

    const tick = this.tick()
    let oldest: DHTNode | null = null
    for (const node of row.nodes) {
      if (node.pinged === tick) continue
      if (
        oldest === null ||
        node.pinged < oldest.pinged ||
        (node.pinged === oldest.pinged && node.added < oldest.added)
      ) {
        oldest = node
      }
    }
    if (oldest === null) return
    // a member heard from within the last minute is worth more than an unknown newcomer; without
    // this, maintenance pings between full tables set off re-ping cascades on idle networks
    if (tick - oldest.pinged < RECENT_NODE_TICKS) return

    const old = oldest
    old.pinged = tick
    this.repinging++

    const swap = (): void => {
      if (this.get(old.id) === old) this.remove(old.id)
      if (this.get(newcomer.id) === null) this.add(newcomer)
    }

    this.ping(old).then(
      (alive) => {
        this.repinging--
        if (!alive) swap()
      },
      () => {
        this.repinging--
        swap()
      }
    )
  }
}
