// Phase 2: put/get/announce/lookup latency, throughput, hit rate and datagrams per op. Each round
// gets a fresh testnet per implementation (so one lucky or unlucky layout of node ids does not
// colour every figure), and within a round the two take turns batch by batch.

import type { RunContext } from './context.js'
import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import { progress } from './log.js'
import { measureIdle, meanIdle, reportOp } from './op-report.js'
import { summarise } from './summary.js'
import type { BatchResult, IdleRate } from './summary.js'
import type { OpName } from './workload.js'
import { withWorkers } from './workers.js'
import type { Workers } from './workers.js'

/** The op kinds of this phase, each put before the get that reads it. */
export const TIMED_OPS = [
  'mutable_put',
  'mutable_get',
  'immutable_put',
  'immutable_get',
  'announce',
  'lookup'
] as const satisfies readonly OpName[]

/**
 * Background traffic of an idle testnet over one long window (after round 1's ops, so the
 * clients' tables are warm). Indicative only: dht-rpc pings a few table nodes every 40 s and
 * refreshes every ~5 min, and keymesh spreads those timers at random where dht-rpc starts every
 * node's at once, so a window shorter than the refresh period favours whichever fires less in it.
 */
async function reportBackground(ctx: RunContext, workers: Workers): Promise<void> {
  const { config, report } = ctx
  progress(`background: ${config.backgroundMs / 1000} s idle`)
  const rates = await measureIdle(workers, config.backgroundMs)
  for (const impl of turnOrder(0)) {
    const rate = rates[impl]
    report.set(`background_datagrams_per_s_${config.nodes}`, impl, rate.datagramsPerMs * 1000, {
      unit: 'datagrams/s (whole idle testnet)',
      better: 'lower',
      samples: 1
    })
    const perS = Object.fromEntries(
      Object.entries(rate.kindsPerMs).map(([kind, n]) => [kind, n * 1000])
    )
    report.setTraffic(`background_per_s_${config.nodes}`, impl, perS)
  }
}

/** Run the ops phase: `config.rounds` rounds, each on fresh testnets. */
export async function opsPhase(ctx: RunContext): Promise<void> {
  const { config, report } = ctx
  const batches = new Map<string, BatchResult[]>()
  const idles: Record<ImplName, IdleRate[]> = { keymesh: [], real: [] }
  const key = (op: OpName, c: number, impl: ImplName): string => `${op}/${c}/${impl}`

  for (let round = 0; round < config.rounds; round++) {
    const label = `ops round ${round + 1}/${config.rounds}`
    await withWorkers(ctx, label, async (workers) => {
      for (const [impl, rate] of Object.entries(await measureIdle(workers, config.idleMs))) {
        idles[impl as ImplName].push(rate)
      }
      // warm-up: JIT, and the clients' routing tables; not recorded
      for (const [i, op] of TIMED_OPS.entries()) {
        for (const impl of turnOrder(round + i)) {
          await workers[impl].call('batch', { op, count: config.warmupOps, concurrency: 1 })
        }
      }
      progress(`${label}: timed batches`)
      let slot = 0
      for (const concurrency of config.concurrencies) {
        const count = concurrency === 1 ? config.opsSerial : config.opsParallel
        for (const op of TIMED_OPS) {
          // who goes first alternates per slot and per round
          for (const impl of turnOrder(round + slot)) {
            const r = await workers[impl].call('batch', { op, count, concurrency })
            const k = key(op, concurrency, impl)
            batches.set(k, [...(batches.get(k) ?? []), r])
            if (r.failures > 0) {
              ctx.problems.push(
                `${impl} ${op} c${concurrency}: ${r.failures} failed: ${r.errors[0]}`
              )
            }
          }
          slot++
        }
      }
      for (const [impl, rate] of Object.entries(await measureIdle(workers, config.idleMs))) {
        idles[impl as ImplName].push(rate)
      }
      if (round === 0 && config.backgroundMs > 0) await reportBackground(ctx, workers)
    })
  }

  for (const impl of turnOrder(0)) {
    const idle = meanIdle(idles[impl])
    for (const op of TIMED_OPS) {
      for (const concurrency of config.concurrencies) {
        const s = summarise(batches.get(key(op, concurrency, impl)) ?? [], idle)
        // traffic per op is read at concurrency 1: no self-inflicted congestion or retries
        reportOp(report, `${op}_c${concurrency}`, op, impl, s, concurrency === 1)
      }
    }
  }
}
