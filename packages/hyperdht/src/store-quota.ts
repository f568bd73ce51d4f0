// Byte accounting per source /24: who holds how much, oldest entry first, heaviest source first.

import { isIpv4 } from '@keymesh/wire'
import { LinkedList, type ListNode } from './store-list.js'

/**
 * The quota group of a requester: its IPv4 /24 (`'192.0.2'` for `'192.0.2.10'`), so one host
 * cannot dodge its quota by rotating addresses inside its own subnet. Anything that is not a
 * dotted quad is its own group.
 */
export function sourceGroup(host: string): string {
  return isIpv4(host) ? host.slice(0, host.lastIndexOf('.')) : host
}

/** The bytes of one source group and its entries, oldest first. */
export interface QuotaGroup<T> {
  readonly key: string
  bytes: number
  readonly entries: LinkedList<T>
  /** Position in the heap. */
  index: number
}

/** What {@link SourceQuota.charge} returns; give it back to {@link SourceQuota.release}. */
export interface QuotaCharge<T> {
  readonly group: QuotaGroup<T>
  readonly node: ListNode<T>
  readonly bytes: number
}

/**
 * Tracks bytes per source group. Groups sit in a max-heap keyed by bytes, so the heaviest is
 * found in O(1) and every charge or release costs O(log groups); each group lists its entries
 * oldest first for O(1) eviction. Empty groups are forgotten.
 */
export class SourceQuota<T> {
  /** Bytes charged across all groups. */
  total = 0
  private readonly groups = new Map<string, QuotaGroup<T>>()
  private readonly heap: QuotaGroup<T>[] = []

  /** Number of groups holding at least one entry. */
  get size(): number {
    return this.groups.size
  }

  /** Charge `bytes` for `value` (the group's newest entry) to group `key`. */
  charge(key: string, bytes: number, value: T): QuotaCharge<T> {
    let group = this.groups.get(key)
    if (group === undefined) {
      group = { key, bytes: 0, entries: new LinkedList<T>(), index: this.heap.length }
      this.groups.set(key, group)
      this.heap.push(group)
    }
    const node = group.entries.push(value)
    group.bytes += bytes
    this.total += bytes
    this.up(group.index)
    return { group, node, bytes }
  }

  /** Undo a {@link SourceQuota.charge}; releasing twice is a no-op. */
  release(charge: QuotaCharge<T>): void {
    const { group, node, bytes } = charge
    if (node.list === null) return
    group.entries.remove(node)
    group.bytes -= bytes
    this.total -= bytes
    if (group.entries.size === 0) this.removeGroup(group)
    else this.down(group.index)
  }

  /** The group holding the most bytes, or `null` when empty. */
  heaviest(): QuotaGroup<T> | null {
    return this.heap[0] ?? null
  }

  /** Bytes held by group `key` (0 if unknown). */
  bytesOf(key: string): number {
    return this.groups.get(key)?.bytes ?? 0
  }

  /** The oldest entry of group `key`, or `null`. */
  oldestOf(key: string): T | null {
    return this.groups.get(key)?.entries.head?.value ?? null
  }

  /** Forget everything. */
  clear(): void {
    for (const group of this.heap) group.entries.clear()
    this.groups.clear()
    this.heap.length = 0
    this.total = 0
  }

  private removeGroup(group: QuotaGroup<T>): void {
    this.groups.delete(group.key)
    const last = this.heap.pop() as QuotaGroup<T>
    if (last === group) return
    this.heap[group.index] = last
    last.index = group.index
    this.up(last.index)
    this.down(last.index)
  }

  private up(i: number): void {
    const heap = this.heap
    const item = heap[i] as QuotaGroup<T>
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent] as QuotaGroup<T>
      if (p.bytes >= item.bytes) break
      heap[i] = p
      p.index = i
      i = parent
    }
    heap[i] = item
    item.index = i
  }

  private down(i: number): void {
    const heap = this.heap
    const item = heap[i] as QuotaGroup<T>
    const n = heap.length
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      if (right < n && (heap[right] as QuotaGroup<T>).bytes > (heap[left] as QuotaGroup<T>).bytes) {
        child = right
      }
      const c = heap[child] as QuotaGroup<T>
      if (c.bytes <= item.bytes) break
      heap[i] = c
      c.index = i
      i = child
    }
    heap[i] = item
    item.index = i
  }
}
