// Local network health (online / degraded / offline) from per-tick response and timeout counts.

/** Ticks of history the health verdict looks at. */
const HEALTH_WINDOW = 4
/** Consecutive ticks without a single response before the node counts as offline. */
const OFFLINE_TICKS = 2
/** Fewer answered-or-timed-out requests than this in a tick says nothing about the network. */
const IDLE_THRESHOLD = 4
/** A tick whose timeouts exceed this share of its outcomes is a degraded tick. */
const DEGRADED_TIMEOUT_RATE = 0.5

/** The health verdict after a tick. */
export type HealthState = 'online' | 'degraded' | 'offline'

/** What {@link NetworkHealth} reads and reports. */
export interface HealthHost {
  /** Cumulative counters of the request layer. */
  counters(): { responses: number; timeouts: number }
  /** Called after every informative tick and on reset, with the current verdict. */
  onstate(state: HealthState): void
}

/** A snapshot of {@link NetworkHealth}, as `dht.health.stats`. */
export interface HealthStats {
  online: boolean
  degraded: boolean
  cold: boolean
  idle: boolean
  responses: number
  timeouts: number
  timeoutsRate: number
}

interface Sample {
  responses: number
  timeouts: number
  verdict: 'offline' | 'degraded' | 'healthy' | null
}

/**
 * Judges the network from the last four ticks: offline after 2 consecutive ticks with timeouts
 * but no responses, degraded when timeouts exceeded half of the outcomes in 4 ticks running,
 * online otherwise. Idle ticks (under 4 outcomes) and the first ticks after a reset change
 * nothing.
 */
export class NetworkHealth {
  /** False after {@link OFFLINE_TICKS} ticks without responses. */
  online = true
  /** True after {@link HEALTH_WINDOW} degraded ticks. */
  degraded = false

  private readonly host: HealthHost
  private window: Sample[] = []
  private offlineTicks = 0
  private degradedTicks = 0
  private healthyTicks = 0

  /** @param host - counters to read and where to report */
  constructor(host: HealthHost) {
    this.host = host
  }

  /** Responses received during the last tick. */
  get responses(): number {
    const [prev, last] = this.lastTwo()
    return prev && last ? last.responses - prev.responses : 0
  }

  /** Requests that timed out during the last tick. */
  get timeouts(): number {
    const [prev, last] = this.lastTwo()
    return prev && last ? last.timeouts - prev.timeouts : 0
  }

  /** Share of timeouts among the last tick's outcomes. */
  get timeoutsRate(): number {
    const t = this.timeouts
    return t === 0 ? 0 : t / (this.responses + t)
  }

  /** True until a full window of ticks was seen. */
  get cold(): boolean {
    return this.window.length < HEALTH_WINDOW
  }

  /** True when the last tick had too few outcomes to judge. */
  get idle(): boolean {
    return this.responses + this.timeouts < IDLE_THRESHOLD
  }

  /** A snapshot for diagnostics. */
  get stats(): HealthStats {
    return {
      online: this.online,
      degraded: this.degraded,
      cold: this.cold,
      idle: this.idle,
      responses: this.responses,
      timeouts: this.timeouts,
      timeoutsRate: this.timeoutsRate
    }
  }

  /** Forget history and report online (after wake-up or resume). */
  reset(): void {
    this.window = []
    this.offlineTicks = this.degradedTicks = this.healthyTicks = 0
    this.online = true
    this.degraded = false
    this.host.onstate('online')
  }

  /** Take this tick's sample and update the verdict. */
  update(): void {
    if (this.window.length === HEALTH_WINDOW) {
      const dropped = this.window.shift() as Sample
      if (dropped.verdict === 'degraded') this.degradedTicks--
      else if (dropped.verdict === 'healthy') this.healthyTicks--
    }
    const { responses, timeouts } = this.host.counters()
    const sample: Sample = { responses, timeouts, verdict: null }
    this.window.push(sample)

    if (this.cold || this.idle) return

    if (this.responses === 0) {
      sample.verdict = 'offline'
      this.offlineTicks++
    } else {
      this.offlineTicks = 0
      sample.verdict = this.timeoutsRate > DEGRADED_TIMEOUT_RATE ? 'degraded' : 'healthy'
      if (sample.verdict === 'degraded') this.degradedTicks++
      else this.healthyTicks++
    }

    if (sample.verdict !== 'offline') this.online = true
    else if (this.offlineTicks >= OFFLINE_TICKS) this.online = false

    if (!this.online || this.healthyTicks === HEALTH_WINDOW) this.degraded = false
    else if (this.degradedTicks === HEALTH_WINDOW) this.degraded = true

    this.host.onstate(!this.online ? 'offline' : this.degraded ? 'degraded' : 'online')
  }

  private lastTwo(): [Sample | undefined, Sample | undefined] {
    const n = this.window.length
    return [this.window[n - 2], this.window[n - 1]]
  }
}
