// Bulk transfer over one stream with backpressure, timed, with the process's CPU time meanwhile.

import type { BenchStream } from './impl.js'
import { msSince } from './stats.js'

/** 1 MB in the figures: 2^20 bytes. */
export const MB = 1024 * 1024

/** Bytes per write: 64 KiB, one secret-stream frame each. */
export const CHUNK_BYTES = 64 * 1024

/** A transfer slower than this fails (a stalled stream). */
export const TRANSFER_TIMEOUT_MS = 5 * 60_000

/** What one transfer took. */
export interface TransferResult {
  /** Payload bytes delivered (one way; an echo moves them twice). */
  bytes: number
  /** Wall time from the first write until the receiver had the last byte. */
  ms: number
  /** User + system CPU time of the whole process meanwhile (both ends live in it). */
  cpuMs: number
}

const chunk = Buffer.alloc(CHUNK_BYTES, 0x5a)

/**
 * Time `bytes` from `sender` until `receiver` has them all (for an echo, both are the client's
 * stream and the server pipes back). Neither stream is ended here.
 */
export async function timedTransfer(
  sender: BenchStream,
  receiver: BenchStream,
  bytes: number
): Promise<TransferResult> {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const received = receiveAll(receiver, bytes)
  await Promise.race([writeAll(sender, bytes), received])
  await received
  const ms = msSince(start)
  const used = process.cpuUsage(cpu)
  return { bytes, ms, cpuMs: (used.user + used.system) / 1000 }
}

/** Write `total` bytes in {@link CHUNK_BYTES} writes, waiting for 'drain' when write() asks. */
async function writeAll(stream: BenchStream, total: number): Promise<void> {
  for (let sent = 0; sent < total;) {
    const n = Math.min(CHUNK_BYTES, total - sent)
    sent += n
    if (!stream.write(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n))) {
      await next(stream, 'drain')
    }
  }
}

/** Resolves once `stream` emitted `total` bytes of data; rejects if it errs or closes first. */
function receiveAll(stream: BenchStream, total: number): Promise<void> {
  let got = 0
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`transfer stalled at ${got} bytes`)),
      TRANSFER_TIMEOUT_MS
    )
    const ondata = (data: Buffer): void => {
      got += data.byteLength
      if (got >= total) done(null)
    }
    const onerror = (err: Error): void => done(err)
    const onclose = (): void => done(new Error(`closed after ${got} of ${total} bytes`))
    const done = (err: Error | null): void => {
      clearTimeout(timer)
      stream.removeListener('data', ondata)
      stream.removeListener('error', onerror)
      stream.removeListener('close', onclose)
      if (err === null) resolve()
      else reject(err)
    }
    stream.on('data', ondata)
    stream.on('error', onerror)
    stream.on('close', onclose)
  })
}

/** The next `event` of `stream`; rejects if it errs or closes first. */
export function next(stream: BenchStream, event: 'drain' | 'open' | 'close'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onevent = (): void => {
      cleanup()
      resolve()
    }
    const onerror = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onclose = (): void => {
      cleanup()
      reject(new Error(`closed while waiting for '${event}'`))
    }
    const cleanup = (): void => {
      stream.removeListener(event, onevent)
      stream.removeListener('error', onerror)
      stream.removeListener('close', onclose)
    }
    stream.once(event, onevent)
    stream.once('error', onerror)
    if (event !== 'close') stream.once('close', onclose)
  })
}
