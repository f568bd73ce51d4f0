// The result table: one entry per metric with both implementations' figures and their ratio.

import type { ImplName } from './impl.js'

/** Which direction is better, so a reader knows how to read the ratio. */
export type Better = 'lower' | 'higher'

/** One metric of the final JSON. `ratio` is keymesh / real. */
export interface Metric {
  keymesh: number | null
  real: number | null
  ratio: number | null
  unit: string
  better: Better
  /** Samples behind each figure (ops timed, children run, ...). */
  samples: { keymesh: number; real: number }
}

/** Rounds to 4 significant digits (figures are noisy well before that). */
function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value))))
  return Number(value.toFixed(Math.min(digits, 6)))
}

/** Datagrams per op by kind, for each implementation: where the traffic goes. */
export type TrafficBreakdown = Partial<Record<ImplName, Record<string, number>>>

/** Collects metrics by name, in insertion order. */
export class Report {
  private readonly metrics = new Map<string, Metric>()
  private readonly traffic = new Map<string, TrafficBreakdown>()

  /** Record `impl`'s figure for `name`. NaN (no samples) is stored as null. */
  set(
    name: string,
    impl: ImplName,
    value: number,
    meta: { unit: string; better: Better; samples: number }
  ): void {
    let metric = this.metrics.get(name)
    if (metric === undefined) {
      metric = {
        keymesh: null,
        real: null,
        ratio: null,
        unit: meta.unit,
        better: meta.better,
        samples: { keymesh: 0, real: 0 }
      }
      this.metrics.set(name, metric)
    }
    metric[impl] = Number.isFinite(value) ? round(value) : null
    metric.samples[impl] = meta.samples
    const { keymesh, real } = metric
    metric.ratio = keymesh !== null && real !== null && real !== 0 ? round(keymesh / real) : null
  }

  /** Record `impl`'s datagrams per op by kind for the op named `name`. */
  setTraffic(name: string, impl: ImplName, kindsPerOp: Record<string, number>): void {
    const entry = this.traffic.get(name) ?? {}
    entry[impl] = Object.fromEntries(Object.entries(kindsPerOp).map(([k, v]) => [k, round(v)]))
    this.traffic.set(name, entry)
  }

  /** The metrics as a plain object. */
  metricsJSON(): Record<string, Metric> {
    return Object.fromEntries(this.metrics)
  }

  /** The traffic breakdowns as a plain object. */
  trafficJSON(): Record<string, TrafficBreakdown> {
    return Object.fromEntries(this.traffic)
  }
}
