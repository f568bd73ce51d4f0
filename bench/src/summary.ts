// Folds the batches of one (op, concurrency, implementation) into the figures the report shows.

import type { Results } from './protocol.js'
import { mean, quantile } from './stats.js'

/** One implementation's batch result, as the worker returns it. */
export type BatchResult = Results['batch']

/** The figures of a set of batches. */
export interface BatchSummary {
  /** Ops timed (settled in time). */
  samples: number
  p50: number
  p95: number
  p99: number
  mean: number
  /** Settled ops per second of wall time, over all the batches. */
  opsPerS: number
  /** Hits / all ops (failures count as misses). */
  hitRate: number
  failures: number
  /** Datagrams (and bytes) sent by the whole testnet per op, background traffic subtracted. */
  datagramsPerOp: number
  bytesPerOp: number
  /** Requests sent again with the same tid (no background subtracted). */
  retransmitsPerOp: number
  /** Datagrams per op by kind (`req:<command>`, `res`, ...; no background subtracted). */
  kindsPerOp: Record<string, number>
  errors: string[]
}

/** Background traffic: datagrams and bytes per ms while nothing runs. */
export interface IdleRate {
  datagramsPerMs: number
  bytesPerMs: number
  /** Per kind (`req:ping`, ...); empty in averaged rates. */
  kindsPerMs: Record<string, number>
}

/** Summarise `batches`, subtracting `idle` traffic over their wall time from the counts. */
export function summarise(batches: readonly BatchResult[], idle: IdleRate): BatchSummary {
  const latencies = batches.flatMap((b) => b.latenciesMs)
  let hits = 0
  let total = 0
  let failures = 0
  let wallMs = 0
  let datagrams = 0
  let bytes = 0
  let retransmits = 0
  const kinds: Record<string, number> = {}
  for (const b of batches) {
    retransmits += b.sent.retransmits
    for (const [kind, n] of Object.entries(b.sent.byKind)) kinds[kind] = (kinds[kind] ?? 0) + n
    hits += b.hits
    total += b.hits + b.misses + b.failures
    failures += b.failures
    wallMs += b.wallMs
    datagrams += b.sent.datagrams
    bytes += b.sent.bytes
  }
  return {
    samples: latencies.length,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    mean: mean(latencies),
    opsPerS: wallMs > 0 ? (latencies.length * 1000) / wallMs : NaN,
    hitRate: total > 0 ? hits / total : NaN,
    failures,
    datagramsPerOp: total > 0 ? Math.max(0, datagrams - idle.datagramsPerMs * wallMs) / total : NaN,
    bytesPerOp: total > 0 ? Math.max(0, bytes - idle.bytesPerMs * wallMs) / total : NaN,
    retransmitsPerOp: total > 0 ? retransmits / total : NaN,
    kindsPerOp: Object.fromEntries(
      Object.entries(kinds)
        .sort(([, a], [, b]) => b - a)
        .map(([kind, n]) => [kind, total > 0 ? n / total : NaN])
    ),
    errors: batches.flatMap((b) => b.errors).slice(0, 5)
  }
}
