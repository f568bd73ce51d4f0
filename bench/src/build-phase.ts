// Phase 1: time building 32/128/512-node testnets and read the settled RSS they add, each build in
// a fresh child process (so neither implementation's memory or JIT state leaks into the other's).

import { Worker } from './child.js'
import type { RunContext } from './context.js'
import type { ImplName } from './impl.js'
import { turnOrder } from './interleave.js'
import { progress } from './log.js'
import { mean } from './stats.js'

interface Built {
  buildMs: number[]
  rssPerNodeKiB: number[]
  heapPerNodeKiB: number[]
  externalPerNodeKiB: number[]
}

function perNodeKiB(after: number, before: number, nodes: number): number {
  return (after - before) / nodes / 1024
}

/** Run the build phase and add `testnet_build_<n>_ms` and `*_per_node_<n>_kib` to the report. */
export async function buildPhase(ctx: RunContext): Promise<void> {
  const { config, report } = ctx
  const results = new Map<string, Built>()
  const slot = (impl: ImplName, size: number): Built => {
    const key = `${impl}/${size}`
    let built = results.get(key)
    if (built === undefined) {
      built = { buildMs: [], rssPerNodeKiB: [], heapPerNodeKiB: [], externalPerNodeKiB: [] }
      results.set(key, built)
    }
    return built
  }

  for (let round = 0; round < config.buildRounds; round++) {
    for (const [i, size] of config.buildSizes.entries()) {
      for (const impl of turnOrder(round + i)) {
        progress(`build: ${impl} ${size} nodes (round ${round + 1}/${config.buildRounds})`)
        const worker = new Worker(impl)
        try {
          const r = await worker.call('build', { size, settleMs: config.buildSettleMs })
          const s = slot(impl, size)
          s.buildMs.push(r.buildMs)
          s.rssPerNodeKiB.push(perNodeKiB(r.after.rss, r.before.rss, r.nodes))
          s.heapPerNodeKiB.push(perNodeKiB(r.after.heapUsed, r.before.heapUsed, r.nodes))
          s.externalPerNodeKiB.push(perNodeKiB(r.after.external, r.before.external, r.nodes))
          progress(
            `build: ${impl} ${size} nodes in ${r.buildMs.toFixed(0)} ms, ` +
              `${(s.rssPerNodeKiB.at(-1) ?? NaN).toFixed(1)} KiB RSS/node`
          )
        } catch (err) {
          ctx.problems.push(`build ${impl} ${size}: ${String(err)}`)
          progress(`build: ${impl} ${size} FAILED: ${String(err)}`)
        } finally {
          await worker.close()
        }
      }
    }
  }

  for (const size of config.buildSizes) {
    for (const impl of turnOrder(0)) {
      const s = slot(impl, size)
      const samples = s.buildMs.length
      report.set(`testnet_build_${size}_ms`, impl, mean(s.buildMs), {
        unit: 'ms',
        better: 'lower',
        samples
      })
      for (const [name, values] of [
        [`rss_per_node_${size}_kib`, s.rssPerNodeKiB],
        [`heap_per_node_${size}_kib`, s.heapPerNodeKiB],
        [`external_per_node_${size}_kib`, s.externalPerNodeKiB]
      ] as const) {
        report.set(name, impl, mean(values), { unit: 'KiB', better: 'lower', samples })
      }
    }
  }
}
