// Schedules DELAYED_PING replies under a global and a per-IP cap (keymesh extra, §3.4).

/** Options of {@link DelayedReplies}. */
export interface DelayedRepliesOptions {
  /** Replies waiting at once, all hosts together. */
  max: number
  /** Replies waiting at once for one host. */
  maxPerHost: number
}

/**
 * Holds the timers of DELAYED_PING replies. dht-rpc keeps one timer per request with no bound,
 * so a stranger could park thousands of 10 s timers; here both the total and each source IP's
 * share are capped, and {@link DelayedReplies.clear} cancels everything (destroy, suspend).
 */
export class DelayedReplies {
  private readonly max: number
  private readonly maxPerHost: number
  // both made on the first DELAYED_PING: most nodes never get one
  private timers: Map<NodeJS.Timeout, string> | null = null
  private perHost: Map<string, number> | null = null

  /** @param opts - caps, see {@link DelayedRepliesOptions} */
  constructor(opts: DelayedRepliesOptions) {
    this.max = opts.max
    this.maxPerHost = opts.maxPerHost
  }

  /** Replies waiting now. */
  get size(): number {
    return this.timers === null ? 0 : this.timers.size
  }

  /** Replies waiting now for `host`. */
  pending(host: string): number {
    return this.perHost?.get(host) ?? 0
  }

  /** Run `reply` after `delayMs`; false (nothing scheduled) when a cap is reached. */
  schedule(host: string, delayMs: number, reply: () => void): boolean {
    const timers = (this.timers ??= new Map())
    const perHost = (this.perHost ??= new Map())
    const mine = perHost.get(host) ?? 0
    if (timers.size >= this.max || mine >= this.maxPerHost) return false
    perHost.set(host, mine + 1)
    const timer = setTimeout(() => {
      this.release(timer)
      reply()
    }, delayMs)
    timer.unref()
    timers.set(timer, host)
    return true
  }

  /** Cancel every waiting reply. */
  clear(): void {
    if (this.timers !== null) {
      for (const timer of this.timers.keys()) clearTimeout(timer)
    }
    this.timers = null
    this.perHost = null
  }

  private release(timer: NodeJS.Timeout): void {
    if (this.timers === null || this.perHost === null) return
    const host = this.timers.get(timer)
    if (host === undefined) return
    this.timers.delete(timer)
    const n = (this.perHost.get(host) ?? 1) - 1
    if (n <= 0) this.perHost.delete(host)
    else this.perHost.set(host, n)
  }
}
