// Throughput over one connection, one way and echoed, beside raw UDX streams in the same child.

import type { RunContext } from './context.js'
import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import { progress } from './log.js'
import type { TransferKind } from './protocol.js'
import { MB } from './transfer.js'
import type { TransferResult } from './transfer.js'
import type { Workers } from './workers.js'

/** The transfers of a round, in order; each keymesh/real pair takes turns (ABBA). */
const KINDS = ['one_way', 'udx_one_way', 'echo', 'udx_echo'] as const satisfies TransferKind[]

/** Every transfer so far, by kind and implementation (for `udx_*`: the child it ran in). */
export type TransferResults = Record<TransferKind, Record<ImplName, TransferResult[]>>

/** No transfers yet. */
export function emptyTransfers(): TransferResults {
  const out: Partial<TransferResults> = {}
  for (const kind of KINDS) out[kind] = { keymesh: [], real: [] }
  return out as TransferResults
}

function mbPerS(results: readonly TransferResult[]): number {
  let bytes = 0
  let ms = 0
  for (const r of results) {
    bytes += r.bytes
    ms += r.ms
  }
  return ms > 0 ? bytes / MB / (ms / 1000) : NaN
}

function cpuMsPerMB(results: readonly TransferResult[]): number {
  let bytes = 0
  let cpuMs = 0
  for (const r of results) {
    bytes += r.bytes
    cpuMs += r.cpuMs
  }
  return bytes > 0 ? cpuMs / (bytes / MB) : NaN
}

/** Run each transfer kind once per implementation; a failed transfer is a problem, not a stop. */
export async function throughputRound(
  ctx: RunContext,
  workers: Workers,
  round: number,
  into: TransferResults
): Promise<void> {
  const bytes = ctx.config.transferMB * MB
  for (const [i, kind] of KINDS.entries()) {
    for (const impl of turnOrder(round + i)) {
      try {
        const r = await workers[impl].call('transfer', { kind, bytes })
        into[kind][impl].push(r)
        progress(
          `throughput: ${impl} ${kind} ${mbPerS([r]).toFixed(1)} MB/s, ` +
            `${cpuMsPerMB([r]).toFixed(2)} CPU ms/MB`
        )
      } catch (err) {
        ctx.problems.push(`${impl} transfer ${kind}: ${String(err)}`)
        progress(`throughput: ${impl} ${kind} FAILED: ${String(err)}`)
      }
    }
  }
}

/** Add the throughput, CPU and share-of-ceiling metrics. */
export function reportThroughput(ctx: RunContext, results: TransferResults): void {
  const { report } = ctx
  for (const impl of turnOrder(0)) {
    for (const [kind, name] of [
      ['one_way', 'throughput_one_way'],
      ['echo', 'throughput_echo'],
      ['udx_one_way', 'udx_raw_one_way'],
      ['udx_echo', 'udx_raw_echo']
    ] as const) {
      const r = results[kind][impl]
      report.set(`${name}_mb_per_s`, impl, mbPerS(r), {
        unit: 'MB/s (2^20 bytes, one way)',
        better: 'higher',
        samples: r.length
      })
      report.set(`${name}_cpu_ms_per_mb`, impl, cpuMsPerMB(r), {
        unit: 'CPU ms per MB (both ends)',
        better: 'lower',
        samples: r.length
      })
    }
    for (const [kind, ceiling, name] of [
      ['one_way', 'udx_one_way', 'throughput_one_way_share_of_udx'],
      ['echo', 'udx_echo', 'throughput_echo_share_of_udx']
    ] as const) {
      report.set(name, impl, mbPerS(results[kind][impl]) / mbPerS(results[ceiling][impl]), {
        unit: 'fraction of raw UDX in the same child',
        better: 'higher',
        samples: results[kind][impl].length
      })
    }
  }
}
