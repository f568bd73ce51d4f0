// Runs a batch of ops with a fixed number in flight, timing each with process.hrtime.bigint().

import { msSince } from './stats.js'
import type { Op } from './workload.js'

/** No single op may take longer than this; a slower one counts as a failure, not a sample. */
export const OP_TIMEOUT_MS = 30_000

/** What one batch measured. */
export interface BatchTiming {
  /** Latency of every op that settled in time (hits and misses alike), in ms. */
  latenciesMs: number[]
  /** Ops that resolved true. */
  hits: number
  /** Ops that resolved false (a get that found nothing, a lookup without the key). */
  misses: number
  /** Ops that rejected or timed out. */
  failures: number
  /** Wall-clock ms from the first start to the last settle. */
  wallMs: number
  /** The first few failure messages. */
  errors: string[]
}

const MAX_ERRORS_KEPT = 5

/** Run `ops` with `concurrency` of them in flight at any time; never rejects. */
export async function runBatch(ops: readonly Op[], concurrency: number): Promise<BatchTiming> {
  const out: BatchTiming = {
    latenciesMs: [],
    hits: 0,
    misses: 0,
    failures: 0,
    wallMs: 0,
    errors: []
  }
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < ops.length) {
      const op = ops[next++] as Op
      const start = process.hrtime.bigint()
      try {
        const hit = await withTimeout(op(), OP_TIMEOUT_MS)
        out.latenciesMs.push(msSince(start))
        if (hit) out.hits++
        else out.misses++
      } catch (err) {
        out.failures++
        if (out.errors.length < MAX_ERRORS_KEPT) out.errors.push(String(err))
      }
    }
  }
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane))
  out.wallMs = msSince(start)
  return out
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`op timed out after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
