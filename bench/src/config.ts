// Command-line flags and the two presets (full, --quick) they select.

import { parseArgs } from 'node:util'

/** The measurement phases, in the order they run. */
export const PHASES = ['build', 'ops', 'churn', 'connect'] as const

/** One phase. */
export type Phase = (typeof PHASES)[number]

/** Everything a run is parameterised by; printed back in the JSON so figures stay explained. */
export interface Config {
  mode: 'full' | 'quick'
  /** Also write the JSON to this file (stdout gets it either way). */
  out: string | null
  phases: Phase[]
  /** Testnet sizes timed (and measured for memory) in the build phase. */
  buildSizes: number[]
  /** Fresh children per (size, implementation) in the build phase. */
  buildRounds: number
  /** ms to wait after a build before reading memory. */
  buildSettleMs: number
  /** Nodes of the testnet the ops and churn phases run on. */
  nodes: number
  /** Rounds of the ops phase, each on fresh testnets, running every op kind per concurrency. */
  rounds: number
  /** Concurrency levels of the ops phase. */
  concurrencies: number[]
  /** Ops per batch at concurrency 1, and at the higher levels. */
  opsSerial: number
  opsParallel: number
  /** Ops per impl per op kind in the untimed warm-up. */
  warmupOps: number
  /** ms of idle traffic counted to subtract background datagrams from the ops' counts. */
  idleMs: number
  /** ms of the one long idle window reported as background traffic (0: not measured). */
  backgroundMs: number
  /** Share of persistent nodes destroyed in the churn phase. */
  churnFraction: number
  /** Gets per implementation before, and again after, the churn of each round. */
  churnGets: number
  /** Churn rounds, each on fresh testnets. */
  churnRounds: number
  /** Connect-phase rounds, each on fresh testnets. */
  connectRounds: number
  /** Untimed connects per implementation at the start of each connect round (JIT, caches). */
  connectWarmup: number
  /** Sequential connects per round, each from a fresh client (then again, warm). */
  connectSerial: number
  /** Clients connecting at once in a concurrent batch, and such batches per round. */
  connectConcurrency: number
  connectConcurrentBatches: number
  /** ms of idle traffic counted before each connect batch (background subtraction). */
  connectIdleMs: number
  /** MB (2^20 bytes) moved per transfer: one way, echoed, and over raw UDX. */
  transferMB: number
}

const USAGE = `usage: node dist/src/run.js [--quick] [--phases build,ops,churn,connect] [--rounds N]
  [--nodes N] [--sizes 32,128,512] [--churn-rounds N] [--connect-rounds N] [--transfer-mb N]
  [--out FILE]     (BENCH_QUICK=1 is the same as --quick)`

function numbers(text: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()))
  if (out.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`bad list: ${text}\n${USAGE}`)
  return out
}

function positive(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad number: ${text}\n${USAGE}`)
  return n
}

/** Parse `argv` (without node and the script) and the environment into a {@link Config}. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      phases: { type: 'string' },
      rounds: { type: 'string' },
      'churn-rounds': { type: 'string' },
      'connect-rounds': { type: 'string' },
      'transfer-mb': { type: 'string' },
      nodes: { type: 'string' },
      sizes: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) throw new Error(USAGE)
  const quick = values.quick || env['BENCH_QUICK'] === '1'
  const phases = values.phases === undefined ? [...PHASES] : values.phases.split(',')
  for (const p of phases) {
    if (!(PHASES as readonly string[]).includes(p)) throw new Error(`bad phase: ${p}\n${USAGE}`)
  }
  return {
    mode: quick ? 'quick' : 'full',
    out: values.out ?? null,
    phases: phases as Phase[],
    buildSizes: numbers(values.sizes ?? (quick ? '32,128' : '32,128,512')),
    buildRounds: quick ? 2 : 4,
    buildSettleMs: 2000,
    nodes: positive(values.nodes, 128),
    rounds: positive(values.rounds, quick ? 2 : 4),
    concurrencies: [1, 16],
    opsSerial: quick ? 50 : 150,
    opsParallel: quick ? 160 : 480,
    warmupOps: quick ? 10 : 30,
    idleMs: quick ? 1500 : 2000,
    backgroundMs: quick ? 0 : 60_000,
    churnFraction: 0.3,
    churnGets: quick ? 8 : 30,
    churnRounds: positive(values['churn-rounds'], quick ? 2 : 4),
    connectRounds: positive(values['connect-rounds'], quick ? 1 : 4),
    connectWarmup: quick ? 3 : 5,
    connectSerial: quick ? 20 : 50,
    connectConcurrency: 20,
    connectConcurrentBatches: quick ? 1 : 2,
    connectIdleMs: quick ? 1000 : 1500,
    transferMB: positive(values['transfer-mb'], quick ? 64 : 256)
  }
}
