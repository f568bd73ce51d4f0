// Per-source-IP token bucket for inbound requests, in a bounded map (keymesh extra).

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens added per second per host. */
  rate: number
  /** Bucket size: requests a quiet host may send at once. */
  burst: number
  /** Hosts remembered at once; the least recently active one is forgotten first. */
  maxHosts: number
  /** Hosts never limited (default: none). */
  exempt?: ((host: string) => boolean) | null
  /** Clock in ms (tests inject a fake one). @default Date.now */
  now?: () => number
}

interface Bucket {
  tokens: number
  last: number
}

/**
 * Token buckets keyed by source IP. A host starts with a full bucket of `burst` tokens that
 * refills at `rate` per second; each request takes one. Memory is bounded by `maxHosts`:
 * forgetting a host only ever gives it a fresh bucket, so eviction cannot lock anyone out.
 */
export class RateLimiter {
  // made on first use: most nodes only ever see exempt (local) hosts
  private buckets: Map<string, Bucket> | null = null
  private readonly rate: number
  private readonly burst: number
  private readonly maxHosts: number
  private readonly exempt: ((host: string) => boolean) | null
  private readonly now: () => number

  /** @param opts - see {@link RateLimiterOptions} */
  constructor(opts: RateLimiterOptions) {
    this.rate = opts.rate
    this.burst = Math.max(1, opts.burst)
    this.maxHosts = Math.max(1, opts.maxHosts)
    this.exempt = opts.exempt ?? null
    this.now = opts.now ?? Date.now
  }

  /** Hosts currently tracked. */
  get size(): number {
    return this.buckets === null ? 0 : this.buckets.size
  }

  /** Take one token for `host`; false when its bucket is empty (drop the request). */
  take(host: string): boolean {
    if (this.exempt !== null && this.exempt(host)) return true

    const now = this.now()
    const buckets = (this.buckets ??= new Map())
    let bucket = buckets.get(host)

    if (bucket === undefined) {
      if (buckets.size >= this.maxHosts) {
        const oldest = buckets.keys().next().value as string
        buckets.delete(oldest)
      }
      bucket = { tokens: this.burst, last: now }
    } else {
      // re-insert so Map order stays least-recently-active first
      buckets.delete(host)
      const elapsed = Math.max(0, now - bucket.last)
      bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.rate) / 1000)
      bucket.last = now
    }

    buckets.set(host, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens--
    return true
  }

  /** Forget every host. */
  clear(): void {
    this.buckets = null
  }
}
