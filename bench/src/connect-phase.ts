// Phase 4: connect latency (sequential, warm, 20 at once) and throughput on fresh testnets.

import { idleRate, reportConnects } from './connect-report.js'
import type { ConnectPass } from './connect-worker.js'
import type { RunContext } from './context.js'
import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import { progress } from './log.js'
import { meanIdle } from './op-report.js'
import type { Commands } from './protocol.js'
import { quantile } from './stats.js'
import type { IdleRate } from './summary.js'
import { emptyTransfers, reportThroughput, throughputRound } from './throughput-phase.js'
import { withWorkers } from './workers.js'

type Passes = Record<ImplName, ConnectPass[]>

function passes(): Passes {
  return { keymesh: [], real: [] }
}

/** Run the connect phase: `config.connectRounds` rounds, each on fresh testnets. */
export async function connectPhase(ctx: RunContext): Promise<void> {
  const { config, report } = ctx
  const serial = passes()
  const warm = passes()
  const concurrent = passes()
  const idles: Record<ImplName, IdleRate[]> = { keymesh: [], real: [] }
  const transfers = emptyTransfers()

  for (let round = 0; round < config.connectRounds; round++) {
    const label = `connect round ${round + 1}/${config.connectRounds}`
    await withWorkers(
      ctx,
      label,
      async (workers) => {
        // warm-up: JIT of both ends of a connection; not recorded
        for (const impl of turnOrder(round)) {
          await workers[impl].call('connect_batch', {
            connects: config.connectWarmup,
            concurrency: 1,
            warm: true,
            idleMs: 0
          })
        }
        let slot = 0
        const batch = async (args: Commands['connect_batch'], into: Passes): Promise<void> => {
          // who goes first alternates per slot and per round
          for (const impl of turnOrder(round + slot)) {
            const r = await workers[impl].call('connect_batch', args)
            idles[impl].push(idleRate(r.idle))
            into[impl].push(r.cold)
            if (r.warm !== null) warm[impl].push(r.warm)
            for (const pass of [r.cold, r.warm]) {
              if (pass !== null && pass.failures > 0) {
                ctx.problems.push(
                  `${impl} connect c${args.concurrency}: ${pass.failures} failed: ${pass.errors[0]}`
                )
              }
            }
            progress(
              `${label}: ${impl} ${args.connects} connects, ${args.concurrency} at a time: ` +
                `open p50 ${quantile(r.cold.openMs, 0.5).toFixed(1)} ms` +
                (r.warm === null ? '' : `, warm ${quantile(r.warm.openMs, 0.5).toFixed(1)} ms`)
            )
          }
          slot++
        }
        await batch(
          {
            connects: config.connectSerial,
            concurrency: 1,
            warm: true,
            idleMs: config.connectIdleMs
          },
          serial
        )
        for (let i = 0; i < config.connectConcurrentBatches; i++) {
          await batch(
            {
              connects: config.connectConcurrency,
              concurrency: config.connectConcurrency,
              warm: false,
              idleMs: config.connectIdleMs
            },
            concurrent
          )
        }
        await throughputRound(ctx, workers, round, transfers)
      },
      'connect_setup'
    )
  }

  for (const impl of turnOrder(0)) {
    const idle = meanIdle(idles[impl])
    reportConnects(report, 'connect_c1', impl, serial[impl], idle)
    reportConnects(report, 'connect_warm_c1', impl, warm[impl], idle)
    reportConnects(report, `connect_c${config.connectConcurrency}`, impl, concurrent[impl], idle)
  }
  reportThroughput(ctx, transfers)
}
