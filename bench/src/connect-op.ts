// One timed connect: from connect() to 'open' and to the first echoed byte, then a clean close.

import type { BenchNode } from './impl.js'
import { msSince } from './stats.js'

/** What one connect took, in ms from the `connect()` call. */
export interface ConnectTiming {
  openMs: number
  firstByteMs: number
}

const PROBE = Buffer.from([0x2a])

/**
 * Connect `client` to the echo server on `publicKey`, writing one byte right away (the stream
 * queues it until it opens). Resolves once the byte came back and both sides closed after our
 * `end()`; rejects on an error, an early close, or after `timeoutMs` (the stream is destroyed).
 */
export function timedConnect(
  client: BenchNode,
  publicKey: Uint8Array,
  timeoutMs: number
): Promise<ConnectTiming> {
  const start = process.hrtime.bigint()
  const stream = client.connect(publicKey)
  let openMs = NaN
  let firstByteMs = NaN
  let error: Error | null = null
  return new Promise<ConnectTiming>((resolve, reject) => {
    const timer = setTimeout(() => {
      error = new Error(`connect timed out after ${timeoutMs} ms`)
      stream.destroy(error)
    }, timeoutMs)
    stream.on('error', (err) => {
      error ??= err
    })
    stream.once('open', () => {
      openMs = msSince(start)
    })
    stream.on('data', () => {
      if (!Number.isNaN(firstByteMs)) return
      firstByteMs = msSince(start)
      // the echo server ends its side when we end ours; 'close' follows once both have
      stream.end()
    })
    stream.once('close', () => {
      clearTimeout(timer)
      if (error === null && !Number.isNaN(firstByteMs)) resolve({ openMs, firstByteMs })
      else reject(error ?? new Error('closed before the first echoed byte'))
    })
    stream.write(PROBE)
  })
}
