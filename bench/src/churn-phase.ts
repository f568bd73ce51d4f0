// Phase 3: mutableGet of stored records before and right after 30% of the persistent nodes die.
// Each round: fresh testnets, store 2 × gets records, time gets, destroy the nodes, time gets again.

import type { RunContext } from './context.js'
import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import { progress } from './log.js'
import { measureIdle, meanIdle, reportOp } from './op-report.js'
import { summarise } from './summary.js'
import type { BatchResult, IdleRate } from './summary.js'
import { withWorkers } from './workers.js'

/** Concurrency of the untimed churn_put batch that stores the records. */
const STORE_CONCURRENCY = 16

/** Run the churn phase: `config.churnRounds` rounds, each on fresh testnets. */
export async function churnPhase(ctx: RunContext): Promise<void> {
  const { config, report } = ctx
  const before: Record<ImplName, BatchResult[]> = { keymesh: [], real: [] }
  const after: Record<ImplName, BatchResult[]> = { keymesh: [], real: [] }
  const idleBefore: Record<ImplName, IdleRate[]> = { keymesh: [], real: [] }
  const idleAfter: Record<ImplName, IdleRate[]> = { keymesh: [], real: [] }
  const destroyed: Record<ImplName, number[]> = { keymesh: [], real: [] }
  const gets = { op: 'churn_get', count: config.churnGets, concurrency: 1 } as const

  for (let round = 0; round < config.churnRounds; round++) {
    const label = `churn round ${round + 1}/${config.churnRounds}`
    await withWorkers(ctx, label, async (workers) => {
      for (const impl of turnOrder(round)) {
        const r = await workers[impl].call('batch', {
          op: 'churn_put',
          count: 2 * config.churnGets,
          concurrency: STORE_CONCURRENCY
        })
        if (r.failures > 0) ctx.problems.push(`${impl} churn_put: ${r.failures} failed`)
      }
      for (const [impl, rate] of Object.entries(await measureIdle(workers, config.idleMs))) {
        idleBefore[impl as ImplName].push(rate)
      }
      for (const impl of turnOrder(round + 1)) {
        before[impl].push(await workers[impl].call('batch', gets))
      }
      for (const impl of turnOrder(round)) {
        const r = await workers[impl].call('churn', { fraction: config.churnFraction })
        destroyed[impl].push(r.destroyed)
        progress(`${label}: ${impl} destroyed ${r.destroyed} nodes, ${r.remaining} left`)
      }
      // no grace period: the gets meet the dead nodes still in everyone's routing tables
      for (const impl of turnOrder(round + 1)) {
        const r = await workers[impl].call('batch', gets)
        after[impl].push(r)
        if (r.failures > 0) ctx.problems.push(`${impl} churn_get: ${r.failures} failed`)
      }
      for (const [impl, rate] of Object.entries(await measureIdle(workers, config.idleMs))) {
        idleAfter[impl as ImplName].push(rate)
      }
    })
  }

  for (const impl of turnOrder(0)) {
    const n = destroyed[impl]
    report.set(
      'churn_destroyed_nodes',
      impl,
      n.reduce((a, b) => a + b, 0) / Math.max(1, n.length),
      { unit: 'nodes per round', better: 'lower', samples: n.length }
    )
    const beforeSummary = summarise(before[impl], meanIdle(idleBefore[impl]))
    reportOp(report, 'mutable_get_before_churn_c1', 'churn_get', impl, beforeSummary, true)
    const afterSummary = summarise(after[impl], meanIdle(idleAfter[impl]))
    reportOp(report, 'mutable_get_after_churn_c1', 'churn_get', impl, afterSummary, true)
  }
}
