// Test helper: connected raw stream pairs on 127.0.0.1 (TCP sockets, udx-native streams), torn down after the test.

import { once } from 'node:events'
import net from 'node:net'
import UDX from 'udx-native'
import type { RawStream } from '../../src/index.js'

/** What a test registers cleanup with (brittle's `t`). */
export interface Teardown {
  teardown(fn: () => unknown, opts?: { order?: number }): void
}

/** A connected pair of raw streams: `a` dialled `b`. */
export interface RawPair {
  a: RawStream
  b: RawStream
}

/** The transports the interop suite runs over. */
export type TransportName = 'tcp' | 'udx'

function whenClosed(stream: { destroyed?: boolean; once(e: 'close', fn: () => void): unknown }) {
  return stream.destroyed === true
    ? Promise.resolve()
    : new Promise<void>((resolve) => stream.once('close', resolve))
}

let nextStreamId = 1

const closers = new Set<() => Promise<void>>()

/** Registers an idempotent closer with the test and with {@link closeAllTransports}. */
function register(t: Teardown, close: () => Promise<void>): void {
  let done: Promise<void> | null = null
  const once = (): Promise<void> => (done ??= close().finally(() => closers.delete(once)))
  closers.add(once)
  t.teardown(once, { order: Infinity })
}

/** Closes every transport still open (the leak check awaits this before looking). */
export async function closeAllTransports(): Promise<void> {
  await Promise.all([...closers].map((close) => close()))
}

/**
 * Two TCP sockets connected over loopback; the server closes after both sockets have. With
 * `halfOpen` (the default here) each direction ends separately, as the secret stream expects: a
 * socket without `allowHalfOpen` ends its own writable side (failing later writes) as soon as
 * the peer's end arrives, but it also turns a peer's destroy into a close, not just an end.
 */
export async function tcpPair(t: Teardown, halfOpen = true): Promise<RawPair> {
  const server = net.createServer({ allowHalfOpen: halfOpen })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  const accepted = once(server, 'connection') as Promise<[net.Socket]>
  const a = net.connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen })
  await once(a, 'connect')
  const [b] = await accepted
  for (const s of [a, b]) s.on('error', () => {}) // the secret stream reports transport errors
  register(t, async () => {
    a.destroy()
    b.destroy()
    await Promise.all([whenClosed(a), whenClosed(b)])
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { a: a as unknown as RawStream, b: b as unknown as RawStream }
}

/** Two framed udx streams between two sockets on 127.0.0.1 (as hyperdht creates them). */
export async function udxPair(t: Teardown): Promise<RawPair> {
  const udx = new UDX()
  const sa = udx.createSocket()
  const sb = udx.createSocket()
  sa.bind(0, '127.0.0.1')
  sb.bind(0, '127.0.0.1')
  const idA = nextStreamId++
  const idB = nextStreamId++
  const a = udx.createStream(idA, { framed: true })
  const b = udx.createStream(idB, { framed: true })
  for (const s of [a, b]) s.on('error', () => {})
  a.connect(sa, idB, sb.address().port, '127.0.0.1')
  b.connect(sb, idA, sa.address().port, '127.0.0.1')
  register(t, async () => {
    a.destroy()
    b.destroy()
    await Promise.all([whenClosed(a), whenClosed(b)])
    await Promise.all([sa.close(), sb.close()])
  })
  return { a: a as unknown as RawStream, b: b as unknown as RawStream }
}

/** A raw pair over the named transport (`halfOpen` applies to TCP only). */
export function rawPair(t: Teardown, transport: TransportName, halfOpen = true): Promise<RawPair> {
  return transport === 'tcp' ? tcpPair(t, halfOpen) : udxPair(t)
}
