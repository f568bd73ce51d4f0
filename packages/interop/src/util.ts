// Small async and measurement helpers shared by the tests and the benchmark.

import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Resolves with `promise`, or rejects after `ms` naming `what` (the timer never holds the loop). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
    timer.unref()
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Yields to the event loop once (after pending I/O callbacks). */
export function immediate(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** The q-quantile (0..1) of `values` by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

let gcFn: (() => void) | null | undefined

/** A full garbage collection when one can be had (`--expose-gc`, else via V8 flags); else null. */
export function getGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === 'function') return (gcFn = exposed)
  try {
    setFlagsFromString('--expose-gc')
    const fn = runInNewContext('gc') as unknown
    gcFn = typeof fn === 'function' ? (fn as () => void) : null
  } catch {
    gcFn = null
  }
  return gcFn
}

export interface MemorySample {
  rss: number
  heapUsed: number
  external: number
}

/** Memory after a full GC (when available) and a turn of the event loop. */
export async function settledMemory(): Promise<MemorySample> {
  const gc = getGc()
  for (let i = 0; i < 2; i++) {
    await immediate()
    if (gc) gc()
  }
  const { rss, heapUsed, external } = process.memoryUsage()
  return { rss, heapUsed, external }
}

/** The kernel's count of UDP datagrams dropped for a full receive buffer (Linux), else null. */
export function udpRcvbufErrors(): number | null {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'))
    const [names, values] = lines.map((l) => l.trim().split(/\s+/))
    const i = names?.indexOf('RcvbufErrors') ?? -1
    return i === -1 ? null : Number(values?.[i])
  } catch {
    return null
  }
}
