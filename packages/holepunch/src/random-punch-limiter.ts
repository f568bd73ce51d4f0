// RandomPunchLimiter: the per-DHT throttle of random (birthday / random-port) punches (§7.6).

import { RANDOM_PUNCH_INTERVAL_MS, RANDOM_PUNCH_LIMIT } from './constants.js'

/** Options of {@link RandomPunchLimiter}. */
export interface RandomPunchLimiterOptions {
  /**
   * Minimum milliseconds between the end of one random punch and the start of the next.
   * @default 20000
   */
  interval?: number
  /**
   * Random punches allowed at once.
   * @default 1
   */
  limit?: number
  /**
   * Start the clock now, as if a random punch just ended (hyperdht's `deferRandomPunch`).
   * @default false
   */
  defer?: boolean
}

/** Defaults of {@link RandomPunchLimiterOptions}. */
export const RANDOM_PUNCH_LIMITER_DEFAULTS = Object.freeze({
  interval: RANDOM_PUNCH_INTERVAL_MS,
  limit: RANDOM_PUNCH_LIMIT,
  defer: false
})

/**
 * Per-DHT throttle of random (birthday / random-port) punches: at most `limit` at once and
 * `interval` ms between. Holds hyperdht's `_randomPunches` / `_lastRandomPunch` counters, which
 * both the punchers and the connect/server code update.
 */
export class RandomPunchLimiter {
  /** Random punches currently counted as running. */
  punches = 0
  /** `Date.now()` when the last random punch ended (0 = never). */
  lastPunch: number
  /** Minimum milliseconds between random punches. */
  readonly interval: number
  /** Random punches allowed at once. */
  readonly limit: number

  /** @param opts - see {@link RandomPunchLimiterOptions} */
  constructor(opts: RandomPunchLimiterOptions = {}) {
    // hyperdht compat: `randomPunchInterval || 20000`, so 0 means the default.
    this.interval = opts.interval || RANDOM_PUNCH_LIMITER_DEFAULTS.interval
    this.limit = opts.limit ?? RANDOM_PUNCH_LIMITER_DEFAULTS.limit
    this.lastPunch = opts.defer ? Date.now() : 0
  }

  /** True when a random punch must wait: too many running, or under `interval` since the last. */
  throttled(now = Date.now()): boolean {
    return this.punches >= this.limit || now - this.lastPunch < this.interval
  }

  /** Restarts the clock (hyperdht does this on resume when `deferRandomPunch` is set). */
  defer(now = Date.now()): void {
    this.lastPunch = now
  }
}
