// Tests for SocketPool and SocketRef: demultiplexing, reference counts, lingering, destroy.

import { once } from 'node:events'
import test from 'brittle'
import UDX from 'udx-native'
import { SocketPool, type HostPort, type SocketRef } from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'
import { activeTimers, addressOf, createSocket } from './helpers/net.js'

const udx = new UDX()

// udx streams are outside this package's ambient types; tests only need these members.
interface TestStream {
  connect(socket: UDX.Socket, remoteId: number, port: number, host?: string): void
  destroy(): void
  on(event: 'close', fn: () => void): unknown
}
function createStream(id: number): TestStream {
  return (udx as unknown as { createStream(id: number): TestStream }).createStream(id)
}

interface Message {
  socket: UDX.Socket
  buf: Buffer
  rinfo: HostPort
}

interface TestPool {
  pool: SocketPool
  messages: Message[]
  /** Resolves once `n` messages reached onmessage. */
  messageCount(n: number): Promise<void>
}

function createPool(t: TestInstance, lingerTime?: number): TestPool {
  const messages: Message[] = []
  let waiter: { n: number; resolve: () => void } | null = null
  const pool = new SocketPool({
    udx,
    host: '127.0.0.1',
    ...(lingerTime === undefined ? {} : { lingerTime }),
    onmessage(socket, buf, rinfo) {
      messages.push({ socket, buf: Buffer.from(buf), rinfo })
      if (waiter && messages.length >= waiter.n) waiter.resolve()
    }
  })
  t.teardown(() => pool.destroy())
  return {
    pool,
    messages,
    messageCount(n) {
      if (messages.length >= n) return Promise.resolve()
      return new Promise((resolve) => (waiter = { n, resolve }))
    }
  }
}

async function closeOf(ref: SocketRef): Promise<void> {
  await once(ref.socket, 'close')
}

test('acquire binds a fresh socket on the pool host; size and lookup track it', async (t) => {
  const { pool } = createPool(t)
  const a = pool.acquire()
  const b = pool.acquire()
  t.is(pool.size, 2)
  t.not(a.socket, b.socket)
  t.is(a.address()?.host, '127.0.0.1')
  t.ok((a.address()?.port ?? 0) > 0)
  t.is(pool.lookup(a.socket), a)
  t.is(pool.lookup(udx.createSocket()), null)
  t.absent(a.free)

  const closed = closeOf(a)
  a.release()
  t.ok(a.free)
  await closed
  t.is(pool.size, 1)
  t.is(pool.lookup(a.socket), null)
  b.release()
  await closeOf(b)
  t.is(pool.size, 0)
})

test('the default bind host is 0.0.0.0', async (t) => {
  const pool = new SocketPool({ udx, onmessage() {} })
  const ref = pool.acquire()
  t.is(ref.address()?.host, '0.0.0.0')
  await pool.destroy()
  t.is(pool.size, 0)
})

test('datagrams longer than one byte go to onmessage, the rest to onholepunchmessage', async (t) => {
  const { pool, messages, messageCount } = createPool(t)
  const ref = pool.acquire()
  const sender = createSocket(t, udx)
  const to = addressOf(ref.socket)

  const punches: { len: number; rinfo: HostPort; ref: SocketRef }[] = []
  let gotPunches: () => void = () => {}
  const twoPunches = new Promise<void>((resolve) => (gotPunches = resolve))
  ref.onholepunchmessage = (buf, rinfo, r) => {
    punches.push({ len: buf.byteLength, rinfo, ref: r })
    if (punches.length === 2) gotPunches()
  }

  sender.trySend(Buffer.from([0]), to.port, to.host)
  sender.trySend(Buffer.alloc(0), to.port, to.host)
  sender.trySend(Buffer.from([1, 2]), to.port, to.host)
  await twoPunches
  await messageCount(1)

  t.alike(
    punches.map((p) => p.len),
    [1, 0],
    'a 1-byte and an empty datagram'
  )
  t.ok(punches.every((p) => p.ref === ref))
  t.is(punches[0]?.rinfo.port, addressOf(sender).port)
  t.is(messages.length, 1)
  t.is(messages[0]?.socket, ref.socket)
  t.alike(messages[0]?.buf, Buffer.from([1, 2]))
  t.is(messages[0]?.rinfo.port, addressOf(sender).port)
  ref.release()
})

test('release is idempotent and stops holepunch callbacks', async (t) => {
  const { pool } = createPool(t)
  const ref = pool.acquire()
  const handler = (): void => {}
  ref.onholepunchmessage = handler
  const closed = closeOf(ref)
  ref.release()
  ref.release()
  t.not(ref.onholepunchmessage, handler)
  t.ok(ref.free)
  await closed
  t.is(pool.size, 0)
})

test('active() holds a released socket open until inactive()', async (t) => {
  const { pool } = createPool(t)
  const ref = pool.acquire()
  ref.active()
  ref.release()
  t.absent(ref.free)
  t.absent(ref.socket.closing, 'still open')
  const closed = closeOf(ref)
  ref.inactive()
  await closed
  t.is(pool.size, 0)
})

test('a released socket with a stream closes when the stream ends', async (t) => {
  const { pool } = createPool(t)
  const ref = pool.acquire()
  const stream = createStream(1)
  stream.connect(ref.socket, 2, 9, '127.0.0.1')
  ref.release()
  t.absent(ref.socket.closing, 'busy socket stays open')
  const closed = closeOf(ref)
  stream.destroy()
  await closed
  t.is(pool.size, 0)
})

test('a reusable socket that carried a stream lingers, then closes', async (t) => {
  const { pool } = createPool(t, 30)
  const ref = pool.acquire()
  const stream = createStream(1)
  stream.connect(ref.socket, 2, 9, '127.0.0.1')
  pool.setReusable(ref.socket, true)
  t.ok(ref.reusable)
  ref.release()

  // The pool's idle listener runs first; by this one the linger timer is set.
  const lingered = new Promise<void>((resolve) => {
    ref.socket.on('idle', () => {
      t.absent(ref.socket.closing, 'not closed at idle')
      resolve()
    })
  })
  const closed = closeOf(ref)
  stream.destroy()
  await lingered
  await closed
  t.is(pool.size, 0)
})

test('active() during the linger cancels the close', async (t) => {
  const { pool } = createPool(t, 30)
  const ref = pool.acquire()
  const stream = createStream(1)
  stream.connect(ref.socket, 2, 9, '127.0.0.1')
  ref.reusable = true
  ref.release()
  const timers = activeTimers()
  const idle = once(ref.socket, 'idle')
  stream.destroy()
  await idle
  t.is(activeTimers(), timers + 1, 'linger timer running')
  ref.active()
  t.is(activeTimers(), timers, 'linger timer cleared')
  t.absent(ref.socket.closing)
  const closed = closeOf(ref)
  ref.inactive() // not busy since the linger started: closes at once
  await closed
})

test('destroy closes every socket, clears linger timers, is memoised', async (t) => {
  const { pool } = createPool(t, 60_000)
  const timers = activeTimers()
  const held = pool.acquire()
  const lingering = pool.acquire()
  const stream = createStream(1)
  stream.connect(lingering.socket, 2, 9, '127.0.0.1')
  lingering.reusable = true
  lingering.release()
  const idle = once(lingering.socket, 'idle')
  stream.destroy()
  await idle
  t.is(activeTimers(), timers + 1, 'one linger timer')

  const d = pool.destroy()
  t.is(pool.destroy(), d, 'memoised')
  t.ok(pool.destroyed)
  t.is(activeTimers(), timers, 'linger timer cleared at once')
  await d
  t.is(pool.size, 0)
  t.ok(held.socket.closing)
  t.exception(() => pool.acquire(), /POOL_DESTROYED/)
})

test('setReusable ignores sockets the pool does not own', (t) => {
  const { pool } = createPool(t)
  t.execution(() => pool.setReusable(udx.createSocket(), true))
})
