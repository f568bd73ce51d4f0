// A token bucket per client IP, bounded in memory.

/** Most client IPs tracked at once; the least recently seen are forgotten first. */
const MAX_CLIENTS = 10_000

/** Refills `rate` tokens per second up to `burst`, per key. */
export class RateLimiter {
  private readonly rate: number
  private readonly burst: number
  private readonly buckets = new Map<string, { tokens: number; last: number }>()

  constructor(rate: number, burst = rate * 2) {
    this.rate = rate
    this.burst = burst
  }

  /** Take one token for `key`; false when its bucket is empty. */
  take(key: string, now = Date.now()): boolean {
    let b = this.buckets.get(key)
    if (b === undefined) {
      if (this.buckets.size >= MAX_CLIENTS) {
        const oldest = this.buckets.keys().next()
        if (oldest.done !== true) this.buckets.delete(oldest.value)
      }
      b = { tokens: this.burst, last: now }
    } else {
      this.buckets.delete(key) // re-insert: the map stays in last-seen order
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) * this.rate) / 1000)
      b.last = now
    }
    this.buckets.set(key, b)
    if (b.tokens < 1) return false
    b.tokens--
    return true
  }
}
