// Entry point: keymesh's @keymesh/hyperdht beside the real hyperdht, interleaved, one JSON object
// on stdout (progress on stderr). See bench/README.md for the metrics and flags.

import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { buildPhase } from './build-phase.js'
import { churnPhase } from './churn-phase.js'
import { parseConfig } from './config.js'
import { connectPhase } from './connect-phase.js'
import type { RunContext } from './context.js'
import { progress } from './log.js'
import { opsPhase } from './ops-phase.js'
import { Report } from './report.js'
import { msSince } from './stats.js'

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env)
  const ctx: RunContext = { config, report: new Report(), problems: [] }
  const start = process.hrtime.bigint()
  const startedAt = new Date().toISOString()
  progress(`mode ${config.mode}, phases ${config.phases.join(',')}`)

  if (config.phases.includes('build')) await buildPhase(ctx)
  if (config.phases.includes('ops')) await opsPhase(ctx)
  if (config.phases.includes('churn')) await churnPhase(ctx)
  if (config.phases.includes('connect')) await connectPhase(ctx)

  const cpu = cpus()
  const out = {
    benchmark: '@keymesh/bench',
    ratio: 'keymesh / real',
    mode: config.mode,
    startedAt,
    durationS: Math.round(msSince(start) / 1000),
    env: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? 'unknown'
    },
    config,
    metrics: ctx.report.metricsJSON(),
    traffic: ctx.report.trafficJSON(),
    problems: ctx.problems
  }
  const json = JSON.stringify(out, null, 2) + '\n'
  if (config.out !== null) await writeFile(config.out, json)
  process.stdout.write(json)
  progress('done')
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
