// A pair of children, one per implementation, each with a fresh testnet for one round.

import { Worker } from './child.js'
import type { RunContext } from './context.js'
import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import { progress } from './log.js'

/** One child per implementation, each holding its own testnet. */
export type Workers = Record<ImplName, Worker>

/**
 * Start both children, build their `config.nodes`-node testnets with `setup` (one after the
 * other: two bootstraps at once on a small machine would slow each other's joins), run `fn`,
 * close both. A failure is recorded in `ctx.problems` and ends only this round.
 */
export async function withWorkers(
  ctx: RunContext,
  label: string,
  fn: (workers: Workers) => Promise<void>,
  setup: 'setup' | 'connect_setup' = 'setup'
): Promise<void> {
  const workers: Workers = { keymesh: new Worker('keymesh'), real: new Worker('real') }
  try {
    for (const impl of turnOrder(0)) {
      const { buildMs } = await workers[impl].call(setup, { nodes: ctx.config.nodes })
      progress(
        `${label}: ${impl} testnet of ${ctx.config.nodes} nodes up in ${buildMs.toFixed(0)} ms`
      )
    }
    await fn(workers)
  } catch (err) {
    ctx.problems.push(`${label}: ${String(err)}`)
    progress(`${label}: FAILED: ${String(err)}`)
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.close()))
  }
}
