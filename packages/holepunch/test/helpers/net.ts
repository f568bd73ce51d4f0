// Real-UDP helpers: sockets with teardown, datagram sinks, socket-close tracking, timer counting.

import { once } from 'node:events'
import UDX from 'udx-native'
import type { HostPort } from '../../src/index.js'
import type { SocketPool } from '../../src/index.js'
import type { TestInstance } from './brittle.js'

/** A raw UDP socket bound on 127.0.0.1, closed on teardown (after everything else). */
export function createSocket(t: TestInstance, udx: UDX): UDX.Socket {
  const socket = udx.createSocket()
  socket.bind(0, '127.0.0.1')
  t.teardown(() => socket.close(), { order: Infinity })
  return socket
}

/** The bound address of `socket` as a HostPort. */
export function addressOf(socket: UDX.Socket): HostPort {
  const a = socket.address()
  if (a === null) throw new Error('socket not bound')
  return { host: a.host, port: a.port }
}

/** One datagram a {@link Sink} received. */
export interface Received {
  length: number
  from: HostPort
}

/** A socket that records every datagram and can wait for the n-th. */
export interface Sink {
  socket: UDX.Socket
  address: HostPort
  received: Received[]
  /** Resolves once `n` datagrams in total arrived. */
  count(n: number): Promise<void>
}

/** A recording socket on 127.0.0.1 that never answers. */
export function createSink(t: TestInstance, udx: UDX): Sink {
  const socket = createSocket(t, udx)
  const received: Received[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  socket.on('message', (buf, rinfo) => {
    received.push({ length: buf.byteLength, from: { host: rinfo.host, port: rinfo.port } })
    for (const w of waiters.splice(0)) {
      if (received.length >= w.n) w.resolve()
      else waiters.push(w)
    }
  })
  return {
    socket,
    address: addressOf(socket),
    received,
    count(n) {
      if (received.length >= n) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ n, resolve }))
    }
  }
}

/** Records every socket `pool` hands out, and a promise for each one's `'close'`. */
export interface PoolTracker {
  sockets: UDX.Socket[]
  /** Sends recorded per socket as `[port, host, ttl]`, when `spySends` was set. */
  sends: Map<UDX.Socket, [number, string | undefined, number | undefined][]>
  /** Resolves once every socket acquired so far has closed. */
  allClosed(): Promise<void>
  /** Resolves once the `i`-th acquired socket has closed. */
  closed(i: number): Promise<void>
}

/** Wraps `pool.acquire` to track sockets (and optionally their sends, still sending for real). */
export function trackPool(pool: SocketPool, spySends = false): PoolTracker {
  const sockets: UDX.Socket[] = []
  const closed: Promise<unknown>[] = []
  const sends = new Map<UDX.Socket, [number, string | undefined, number | undefined][]>()
  const acquire = pool.acquire.bind(pool)
  pool.acquire = () => {
    const ref = acquire()
    const socket = ref.socket
    sockets.push(socket)
    closed.push(once(socket, 'close'))
    if (spySends) {
      const log: [number, string | undefined, number | undefined][] = []
      sends.set(socket, log)
      const send = socket.send.bind(socket)
      socket.send = (buffer, port, host, ttl) => {
        log.push([port, host, ttl])
        return send(buffer, port, host, ttl)
      }
    }
    return ref
  }
  return {
    sockets,
    sends,
    allClosed: () => Promise.all(closed).then(() => {}),
    closed: (i) => (closed[i] ?? Promise.reject(new Error(`no socket #${i}`))).then(() => {})
  }
}

/** Ref'd timers alive now (unref'd ones do not keep the process alive and are not counted). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

/** True if `p` settles within the current turn (all queued microtasks drained, no I/O). */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending')
  const later = new Promise<symbol>((resolve) => setImmediate(() => resolve(pending)))
  const winner = await Promise.race([p.then(() => true), later])
  return winner !== pending
}
