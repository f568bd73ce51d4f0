// Opt-in per-address request timeouts from smoothed round-trip times (option `adaptiveTimeout`).

/** Options of the `adaptiveTimeout` DHT option (`true` takes all defaults). */
export interface AdaptiveTimeoutOptions {
  /** Addresses remembered. @default 65536 */
  maxSize?: number
  /** Forget an address's RTT after this many ms. @default 600000 */
  maxAge?: number
  /** Timeouts per attempt (1st, 2nd, ...) for addresses without RTT history. @default [250, 500, 1000, 2000, 4000] */
  fallback?: readonly number[]
  /** Lower bound of a computed timeout. @default 300 */
  min?: number
  /** Upper bound of a computed timeout. @default 4000 */
  max?: number
  /** Random 0..jitter ms added to every timeout. @default 256 */
  jitter?: number
}

interface Estimate {
  avg: number
  variance: number
  at: number
}

const DEFAULT_FALLBACK = Object.freeze([250, 500, 1000, 2000, 4000])

/**
 * Smoothed RTT and RTT variance per address (the TCP estimator: 1/8 and 1/4 gains). An
 * attempt's timeout is `(avg + 2 * variance) * attempt` plus jitter, clamped to `[min, max]`;
 * unknown addresses use the fallback schedule.
 */
export class AdaptiveTimeout {
  private readonly cache = new Map<string, Estimate>()
  private readonly maxSize: number
  private readonly maxAge: number
  private readonly fallback: readonly number[]
  private readonly min: number
  private readonly max: number
  private readonly jitter: number

  /** @param opts - see {@link AdaptiveTimeoutOptions} */
  constructor(opts: AdaptiveTimeoutOptions = {}) {
    this.maxSize = opts.maxSize ?? 65536
    this.maxAge = opts.maxAge ?? 10 * 60 * 1000
    this.fallback = opts.fallback && opts.fallback.length > 0 ? opts.fallback : DEFAULT_FALLBACK
    this.min = opts.min ?? 300
    this.max = opts.max ?? 4000
    this.jitter = opts.jitter ?? 256
  }

  /** Record a measured round trip to `key` (`host:port`). */
  put(key: string, rtt: number): void {
    const now = Date.now()
    const p = this.lookup(key, now)
    if (p === null) {
      if (this.cache.size >= this.maxSize) {
        this.cache.delete(this.cache.keys().next().value as string)
      }
      this.cache.set(key, { avg: rtt, variance: rtt / 2, at: now })
      return
    }
    p.variance += (Math.abs(p.avg - rtt) - p.variance) / 4
    p.avg += (rtt - p.avg) / 8
    p.at = now
  }

  /** The timeout for attempt number `attempt` (1-based) to `key`. */
  get(key: string, attempt: number): number {
    const jitter = this.jitter > 0 ? Math.floor(Math.random() * this.jitter) : 0
    const p = this.lookup(key, Date.now())
    if (p === null) {
      const i = Math.min(Math.max(attempt, 1), this.fallback.length) - 1
      return (this.fallback[i] as number) + jitter
    }
    const base = (p.avg + 2 * p.variance) * Math.max(attempt, 1)
    return Math.min(Math.max(base + jitter, this.min), this.max)
  }

  /** Addresses remembered. */
  get size(): number {
    return this.cache.size
  }

  private lookup(key: string, now: number): Estimate | null {
    const p = this.cache.get(key)
    if (p === undefined) return null
    if (now - p.at > this.maxAge) {
      this.cache.delete(key)
      return null
    }
    return p
  }
}
