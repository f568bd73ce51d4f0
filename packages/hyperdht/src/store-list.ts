// A doubly linked list with O(1) append, remove and move-to-tail, for age-ordered stores.

/** One element of a {@link LinkedList}; keep it to remove or move the element in O(1). */
export interface ListNode<T> {
  readonly value: T
  prev: ListNode<T> | null
  next: ListNode<T> | null
  /** The list holding the node, `null` once removed. */
  list: LinkedList<T> | null
}

/**
 * Oldest-first list. A JS `Map` keeps insertion order too, but repeatedly taking its first key
 * after deleting from the front walks over deleted slots, so queues use this instead.
 */
export class LinkedList<T> {
  /** The oldest element. */
  head: ListNode<T> | null = null
  /** The newest element. */
  tail: ListNode<T> | null = null
  /** Number of elements. */
  size = 0

  /** Append `value` as the newest element. */
  push(value: T): ListNode<T> {
    const node: ListNode<T> = { value, prev: this.tail, next: null, list: this }
    if (this.tail === null) this.head = node
    else this.tail.next = node
    this.tail = node
    this.size++
    return node
  }

  /** Remove `node`; a node of another list, or one already removed, is ignored. */
  remove(node: ListNode<T>): void {
    if (node.list !== this) return
    if (node.prev === null) this.head = node.next
    else node.prev.next = node.next
    if (node.next === null) this.tail = node.prev
    else node.next.prev = node.prev
    node.prev = node.next = null
    node.list = null
    this.size--
  }

  /** Make `node` the newest element. */
  moveToTail(node: ListNode<T>): void {
    if (node.list !== this || node === this.tail) return
    this.remove(node)
    node.prev = this.tail
    node.list = this
    if (this.tail === null) this.head = node
    else this.tail.next = node
    this.tail = node
    this.size++
  }

  /** Drop every element. */
  clear(): void {
    for (let node = this.head; node !== null;) {
      const next = node.next
      node.prev = node.next = null
      node.list = null
      node = next
    }
    this.head = this.tail = null
    this.size = 0
  }
}
