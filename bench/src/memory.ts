// Settled memory readings: a full GC (the child runs with --expose-gc) before reading.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Process memory in bytes. */
export interface MemorySample {
  rss: number
  heapUsed: number
  external: number
}

let gcFn: (() => void) | null | undefined

function getGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === 'function') return (gcFn = exposed)
  // without --expose-gc: V8 can still hand out gc() to a fresh context
  try {
    setFlagsFromString('--expose-gc')
    const fn = runInNewContext('gc') as unknown
    gcFn = typeof fn === 'function' ? (fn as () => void) : null
  } catch {
    gcFn = null
  }
  return gcFn
}

/** True when a full GC is available, so memory figures are settled rather than noisy. */
export function hasGc(): boolean {
  return getGc() !== null
}

/** Memory after full GCs separated by turns of the event loop (so finalisers run between). */
export async function settledMemory(): Promise<MemorySample> {
  const gc = getGc()
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (gc !== null) gc()
  }
  const { rss, heapUsed, external } = process.memoryUsage()
  return { rss, heapUsed, external }
}
