// Summaries of latency samples: nearest-rank quantiles and means.

/** The q-quantile (0..1) of `values` by nearest rank; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

/** The arithmetic mean of `values`; NaN when there are none. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN
  let total = 0
  for (const v of values) total += v
  return total / values.length
}

/** Milliseconds elapsed since `start` (a `process.hrtime.bigint()` reading). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}
