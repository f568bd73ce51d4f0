// Turning batch summaries and idle traffic into report metrics (shared by the ops and churn phases).

import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import type { Report } from './report.js'
import type { BatchSummary, IdleRate } from './summary.js'
import type { OpName } from './workload.js'
import type { Workers } from './workers.js'

/** Ops whose hit rate means something (a read of a record that was stored). */
const READS = new Set<OpName>(['mutable_get', 'immutable_get', 'lookup', 'churn_get'])

/**
 * Count each testnet's background traffic over the same `ms` (both at once: nothing else runs,
 * and each child counts only its own testnet).
 */
export async function measureIdle(
  workers: Workers,
  ms: number
): Promise<Record<ImplName, IdleRate>> {
  const out: Partial<Record<ImplName, IdleRate>> = {}
  await Promise.all(
    turnOrder(0).map(async (impl) => {
      const r = await workers[impl].call('idle', { ms })
      out[impl] = {
        datagramsPerMs: r.datagrams / r.ms,
        bytesPerMs: r.bytes / r.ms,
        kindsPerMs: Object.fromEntries(
          Object.entries(r.byKind).map(([kind, n]) => [kind, n / r.ms])
        )
      }
    })
  )
  return out as Record<ImplName, IdleRate>
}

/** The mean of several idle readings (zero traffic when there are none). */
export function meanIdle(rates: readonly IdleRate[]): IdleRate {
  const n = Math.max(1, rates.length)
  let datagramsPerMs = 0
  let bytesPerMs = 0
  for (const r of rates) {
    datagramsPerMs += r.datagramsPerMs
    bytesPerMs += r.bytesPerMs
  }
  return { datagramsPerMs: datagramsPerMs / n, bytesPerMs: bytesPerMs / n, kindsPerMs: {} }
}

/**
 * Add an op's latency, throughput, hit-rate and retransmission figures for one implementation;
 * with `withTraffic`, also datagrams and bytes per op and the breakdown by datagram kind.
 */
export function reportOp(
  report: Report,
  prefix: string,
  op: OpName,
  impl: ImplName,
  s: BatchSummary,
  withTraffic: boolean
): void {
  const samples = s.samples
  for (const [q, v] of [
    ['p50', s.p50],
    ['p95', s.p95],
    ['p99', s.p99]
  ] as const) {
    report.set(`${prefix}_${q}_ms`, impl, v, { unit: 'ms', better: 'lower', samples })
  }
  report.set(`${prefix}_ops_per_s`, impl, s.opsPerS, { unit: 'ops/s', better: 'higher', samples })
  if (READS.has(op)) {
    report.set(`${prefix}_hit_rate`, impl, s.hitRate, {
      unit: 'fraction',
      better: 'higher',
      samples
    })
  }
  report.set(`${prefix}_failures`, impl, s.failures, { unit: 'ops', better: 'lower', samples })
  report.set(`${prefix}_retransmits_per_op`, impl, s.retransmitsPerOp, {
    unit: 'datagrams (whole testnet)',
    better: 'lower',
    samples
  })
  if (!withTraffic) return
  report.set(`${prefix}_datagrams_per_op`, impl, s.datagramsPerOp, {
    unit: 'datagrams (whole testnet)',
    better: 'lower',
    samples
  })
  report.set(`${prefix}_bytes_per_op`, impl, s.bytesPerOp, {
    unit: 'bytes (whole testnet)',
    better: 'lower',
    samples
  })
  report.setTraffic(prefix, impl, s.kindsPerOp)
}
