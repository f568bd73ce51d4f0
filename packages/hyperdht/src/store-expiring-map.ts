// A string-keyed map whose entries expire maxAge after their last write or read, capped in count.

import { LinkedList, type ListNode } from './store-list.js'

/** Options of {@link ExpiringMap}. */
export interface ExpiringMapOptions {
  /** Most unpinned entries; a write beyond it evicts the least recently used. */
  maxSize: number
  /** ms an entry lives after its last write or read. */
  maxAge: number
  /** Clock in ms. @default Date.now */
  now?: () => number
}

interface Slot<V> {
  readonly key: string
  value: V
  expires: number
  /** Position in the age list; `null` for pinned entries, which never expire. */
  node: ListNode<Slot<V>> | null
}

/**
 * LRU map with a lifetime. Every entry shares one maxAge, so the age list (least recently used
 * first) is also ordered by expiry time: pruning pops expired entries off its head, amortised
 * O(1) per operation, with no timer. Expired entries linger only until the next operation.
 */
export class ExpiringMap<V> {
  /** Entries removed because they outlived maxAge. */
  expired = 0
  /** Entries removed to stay within maxSize. */
  evicted = 0
  private readonly maxSize: number
  private readonly maxAge: number
  private readonly now: () => number
  private readonly slots = new Map<string, Slot<V>>()
  private readonly ages = new LinkedList<Slot<V>>()

  constructor(opts: ExpiringMapOptions) {
    this.maxSize = Math.max(1, opts.maxSize)
    this.maxAge = opts.maxAge
    this.now = opts.now ?? Date.now
  }

  /** Live entries, pinned ones included (after pruning the expired). */
  get size(): number {
    this.prune()
    return this.slots.size
  }

  /** The value of `key`, refreshing its lifetime; `undefined` if absent or expired. */
  get(key: string): V | undefined {
    this.prune()
    const slot = this.slots.get(key)
    if (slot === undefined) return undefined
    if (slot.node !== null) {
      slot.expires = this.now() + this.maxAge
      this.ages.moveToTail(slot.node)
    }
    return slot.value
  }

  /** True if `key` is present and not expired; does not refresh it. */
  has(key: string): boolean {
    this.prune()
    return this.slots.has(key)
  }

  /** True if `key` is pinned. */
  isPinned(key: string): boolean {
    const slot = this.slots.get(key)
    return slot !== undefined && slot.node === null
  }

  /** Store `value` under `key` with a fresh lifetime (unpins a pinned entry). */
  set(key: string, value: V): void {
    this.prune()
    const expires = this.now() + this.maxAge
    const slot = this.slots.get(key)
    if (slot !== undefined) {
      slot.value = value
      slot.expires = expires
      if (slot.node === null) slot.node = this.ages.push(slot)
      else this.ages.moveToTail(slot.node)
      return
    }
    const fresh: Slot<V> = { key, value, expires, node: null }
    fresh.node = this.ages.push(fresh)
    this.slots.set(key, fresh)
    while (this.ages.size > this.maxSize) {
      this.drop((this.ages.head as ListNode<Slot<V>>).value)
      this.evicted++
    }
  }

  /** Store `value` under `key` so that it never expires and is never evicted. */
  pin(key: string, value: V): void {
    const slot = this.slots.get(key)
    if (slot === undefined) {
      this.slots.set(key, { key, value, expires: Infinity, node: null })
      return
    }
    slot.value = value
    slot.expires = Infinity
    if (slot.node !== null) this.ages.remove(slot.node)
    slot.node = null
  }

  /** Remove `key` (pinned or not); false if it was absent. */
  delete(key: string): boolean {
    const slot = this.slots.get(key)
    if (slot === undefined) return false
    this.drop(slot)
    return true
  }

  /** Remove every expired entry now; returns how many. */
  prune(): number {
    const now = this.now()
    let n = 0
    for (let node = this.ages.head; node !== null && node.value.expires <= now;) {
      const next = node.next
      this.drop(node.value)
      n++
      node = next
    }
    this.expired += n
    return n
  }

  /** Remove everything, pinned entries included. */
  clear(): void {
    this.slots.clear()
    this.ages.clear()
  }

  private drop(slot: Slot<V>): void {
    this.slots.delete(slot.key)
    if (slot.node !== null) this.ages.remove(slot.node)
  }
}
