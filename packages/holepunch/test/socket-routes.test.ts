// Tests for SocketRoutes: reusable routes per public key, their lifetime and the reusable flag.

import { once } from 'node:events'
import { EventEmitter } from 'node:events'
import test from 'brittle'
import UDX from 'udx-native'
import { SocketPool, type RouteStream } from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'

const udx = new UDX()

// A structural stand-in for a udx stream: the routes only read these fields and events.
class FakeStream extends EventEmitter implements RouteStream {
  socket: UDX.Socket | null = null
  remoteHost: string | null = null
  remotePort = 0

  connectTo(socket: UDX.Socket, host: string, port: number): void {
    this.socket = socket
    this.remoteHost = host
    this.remotePort = port
    this.emit('connect')
  }
}

function createPool(t: TestInstance): SocketPool {
  const pool = new SocketPool({ udx, host: '127.0.0.1', onmessage() {} })
  t.teardown(() => pool.destroy())
  return pool
}

const KEY = Buffer.alloc(32, 0xaa)
const OTHER = Buffer.alloc(32, 0xbb)

test('a connected stream becomes the route to its key and marks its socket reusable', (t) => {
  const pool = createPool(t)
  const ref = pool.acquire()
  const stream = new FakeStream()
  stream.connectTo(ref.socket, '10.0.0.1', 4000)
  pool.routes.add(KEY, stream)

  t.alike(pool.routes.get(KEY), { socket: ref.socket, address: { host: '10.0.0.1', port: 4000 } })
  t.alike(pool.routes.get(new Uint8Array(KEY)), pool.routes.get(KEY), 'keyed by bytes')
  t.is(pool.routes.get(OTHER), null)
  t.ok(ref.reusable)
  ref.release()
})

test('a stream added before it connects becomes a route on connect', (t) => {
  const pool = createPool(t)
  const ref = pool.acquire()
  const stream = new FakeStream()
  pool.routes.add(KEY, stream)
  t.is(pool.routes.get(KEY), null)
  stream.connectTo(ref.socket, '10.0.0.2', 5000)
  t.is(pool.routes.get(KEY)?.socket, ref.socket)
  t.ok(ref.reusable)
  ref.release()
})

test('a stream error drops the route and the reusable flag', (t) => {
  const pool = createPool(t)
  const ref = pool.acquire()
  const stream = new FakeStream()
  stream.connectTo(ref.socket, '10.0.0.1', 4000)
  pool.routes.add(KEY, stream)
  stream.emit('error')
  t.is(pool.routes.get(KEY), null)
  t.absent(ref.reusable)
  ref.release()
})

test('the first route wins; an error on a stream of another socket leaves it', (t) => {
  const pool = createPool(t)
  const a = pool.acquire()
  const b = pool.acquire()
  const first = new FakeStream()
  first.connectTo(a.socket, '10.0.0.1', 4000)
  pool.routes.add(KEY, first)
  const second = new FakeStream()
  second.connectTo(b.socket, '10.0.0.9', 4009)
  pool.routes.add(KEY, second)

  t.is(pool.routes.get(KEY)?.socket, a.socket)
  t.ok(b.reusable, 'the second socket is still marked reusable')
  second.emit('error')
  t.is(pool.routes.get(KEY)?.socket, a.socket)
  t.absent(b.reusable)
  a.release()
  b.release()
})

test('a route goes away when its socket closes', async (t) => {
  const pool = createPool(t)
  const ref = pool.acquire()
  const stream = new FakeStream()
  stream.connectTo(ref.socket, '10.0.0.1', 4000)
  pool.routes.add(KEY, stream)
  const closed = once(ref.socket, 'close')
  ref.release()
  await closed
  t.is(pool.routes.get(KEY), null)
  t.is(ref.socket.listenerCount('close'), 1, 'the route listener was removed')
})
