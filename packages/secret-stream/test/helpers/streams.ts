// Test helper: in-memory stream pairs, datagram-capable raw pairs, and event-awaiting utilities.

import { once } from 'node:events'
import type { Duplex } from 'streamx'
import { Bridge, NoiseSecretStream, SecretStreamError } from '../../src/index.js'
import type { NoiseSecretStreamOptions, RawStream } from '../../src/index.js'
import type { RawStreamListener } from '../../src/raw-stream.js'

/** Resolves when `stream` has emitted `'close'` (at once if it already has). */
export async function closed(stream: {
  destroyed: boolean
  once(event: 'close', fn: () => void): unknown
}): Promise<void> {
  if (stream.destroyed) return
  await new Promise<void>((resolve) => stream.once('close', resolve))
}

interface Emitter {
  destroyed: boolean
  on(event: 'error', fn: (err: Error) => void): unknown
  once(event: 'close', fn: () => void): unknown
}

const firstErrors = new WeakMap<object, Error | null>()

/**
 * Records the first error `stream` emits (so an expected error never goes unhandled) and
 * returns the stream. {@link closeError} reads the record.
 */
export function track<T extends Emitter>(stream: T): T {
  if (firstErrors.has(stream)) return stream
  firstErrors.set(stream, null)
  stream.on('error', (err: Error) => {
    if (firstErrors.get(stream) === null) firstErrors.set(stream, err)
  })
  return stream
}

/** Resolves, once `stream` has closed, with the first error it emitted (null if none). */
export async function closeError(stream: Emitter): Promise<Error | null> {
  track(stream)
  await closed(stream)
  return firstErrors.get(stream) ?? null
}

/** The code of a SecretStreamError, or a description of anything else. */
export function codeOf(err: unknown): string {
  if (err instanceof SecretStreamError) return err.code
  if (err === null) return 'no error'
  return `not a SecretStreamError: ${String(err)}`
}

/** Anything with the stream surface `link` needs (our Bridge, the real package's bridge). */
export interface Linkable {
  on(event: string, fn: RawStreamListener): unknown
  write(data: Buffer): boolean
  end(): unknown
  pause(): unknown
  resume(): unknown
  destroy(): unknown
}

/**
 * Connects two raw streams like a TCP connection: bytes and ends cross over with backpressure,
 * and an abrupt close on one side closes the other without an error (streamx `pipe` would instead
 * destroy the far side with a PREMATURE_CLOSE error).
 */
export function link(x: Linkable, y: Linkable): void {
  for (const [from, to] of [
    [x, y],
    [y, x]
  ] as const) {
    let ended = false
    from.on('data', (d: Buffer) => {
      if (!to.write(d)) from.pause()
    })
    to.on('drain', () => from.resume())
    from.on('end', () => {
      ended = true
      to.end()
    })
    // a clean close (after 'end') leaves the far side to drain; an abrupt one resets it
    from.on('close', () => {
      if (!ended) to.destroy()
    })
  }
}

/** Two of our streams over linked in-memory bridges. */
export function memoryPair(
  aOpts: NoiseSecretStreamOptions = {},
  bOpts: NoiseSecretStreamOptions = {}
): [NoiseSecretStream, NoiseSecretStream] {
  const a = track(new NoiseSecretStream(true, null, aOpts))
  const b = track(new NoiseSecretStream(false, null, bOpts))
  link(a.rawStream as Bridge, b.rawStream as Bridge)
  return [a, b]
}

/** A datagram-capable raw stream: its unordered messages go to `peer`'s `'message'` event. */
export interface DatagramRaw extends RawStream {
  /** Every datagram passed to `send`/`trySend`, in order. */
  sent: Buffer[]
}

/**
 * Two linked in-memory raw streams (the two ends of a Bridge) that also carry unordered
 * datagrams, like a udx stream pair.
 */
export function datagramRawPair(): [DatagramRaw, DatagramRaw] {
  const bridge = new Bridge({ publicKey: null, remotePublicKey: null, handshakeHash: null })
  const a = bridge as unknown as DatagramRaw & Duplex
  const b = bridge.reverse as unknown as DatagramRaw & Duplex
  for (const [self, peer] of [
    [a, b],
    [b, a]
  ] as const) {
    self.on('error', () => {}) // a transport error is the stream's business, not the test's
    self.sent = []
    self.trySend = (buffer: Uint8Array) => {
      const copy = Buffer.from(buffer)
      self.sent.push(copy)
      queueMicrotask(() => peer.emit('message', copy))
    }
    self.send = async (buffer: Uint8Array) => {
      ;(self.trySend as (b: Uint8Array) => void)(buffer)
      return true
    }
  }
  return [a, b]
}

/** Resolves with the next `'data'` chunk of `stream`. */
export async function nextData(stream: NoiseSecretStream): Promise<Buffer> {
  const [data] = (await once(stream, 'data')) as [Buffer]
  return data
}

/** Collects `'data'` of `stream` until `'end'`, concatenated. */
export async function readAll(stream: {
  on(event: 'data', fn: (data: Buffer) => void): unknown
  once(event: 'end', fn: () => void): unknown
}): Promise<Buffer> {
  const chunks: Buffer[] = []
  stream.on('data', (d: Buffer) => chunks.push(d))
  await new Promise<void>((resolve) => stream.once('end', resolve))
  return Buffer.concat(chunks)
}

/**
 * Keeps the event loop alive until the test ends: the stream's own timers are unref'd, so a
 * test that waits for a keep-alive or a timeout would otherwise let the process exit early.
 */
export function holdOpen(t: { teardown(fn: () => void): void }): void {
  const handle = setInterval(() => {}, 60_000)
  t.teardown(() => clearInterval(handle))
}
