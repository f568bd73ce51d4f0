// Remembers addresses recently confirmed dead, so lookups after churn stop waiting on them.

/** Options of {@link DeadNodes}. */
export interface DeadNodesOptions {
  /** Addresses remembered at once; the oldest is forgotten first. */
  max: number
  /** How long an address stays marked, in ms. */
  ttl: number
  /** Clock in ms (tests inject one). @default Date.now */
  now?: () => number
}

/**
 * A bounded, expiring set of `host:port` keys that failed every attempt of a request. Other
 * nodes keep listing a dead node in their closer nodes until they check it themselves; a query
 * skips listed nodes that are in this set (and tells the lister instead). Hearing anything
 * from an address clears it.
 */
export class DeadNodes {
  // made on first use: most nodes never see a node die
  private entries: Map<string, number> | null = null
  private readonly max: number
  private readonly ttl: number
  private readonly now: () => number

  /** @param opts - see {@link DeadNodesOptions} */
  constructor(opts: DeadNodesOptions) {
    this.max = Math.max(1, opts.max)
    this.ttl = opts.ttl
    this.now = opts.now ?? Date.now
  }

  /** Addresses marked now (expired ones may still be counted until looked up). */
  get size(): number {
    return this.entries === null ? 0 : this.entries.size
  }

  /** Mark `key` dead from now on. */
  add(key: string): void {
    const entries = (this.entries ??= new Map())
    entries.delete(key)
    if (entries.size >= this.max) {
      entries.delete(entries.keys().next().value as string)
    }
    entries.set(key, this.now() + this.ttl)
  }

  /** True while `key` is marked and not expired. */
  has(key: string): boolean {
    if (this.entries === null || this.entries.size === 0) return false
    const until = this.entries.get(key)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.entries.delete(key)
    return false
  }

  /** `key` showed signs of life: unmark it. */
  delete(key: string): void {
    if (this.entries !== null && this.entries.size > 0) this.entries.delete(key)
  }

  /** Forget everything. */
  clear(): void {
    this.entries = null
  }
}
