// Tests for Holepuncher on loopback UDP: analysis, reopening, the consistent strategy, cleanup.

import test from 'brittle'
import UDX from 'udx-native'
import {
  FIREWALL,
  Holepuncher,
  RandomPunchLimiter,
  SocketPool,
  type HolepuncherOptions,
  type PunchStats
} from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'
import { createEchoNodes } from './helpers/echo-node.js'
import { activeTimers, addressOf, createSink, createSocket, trackPool } from './helpers/net.js'
import { TestTransport } from './helpers/test-transport.js'

const udx = new UDX()

interface Side {
  pool: SocketPool
  transport: TestTransport
  tracker: ReturnType<typeof trackPool>
  stats: PunchStats
  limiter: RandomPunchLimiter
  create(isInitiator: boolean, opts?: Partial<HolepuncherOptions>): Holepuncher
}

// One "DHT": a pool on 127.0.0.1 whose RPC replies feed a test transport over `nodes`.
function side(t: TestInstance, nodes: { host: string; port: number }[]): Side {
  const transport = new TestTransport(nodes)
  const pool = new SocketPool({
    udx,
    host: '127.0.0.1',
    onmessage: (_s, buf, rinfo) => transport.deliver(buf, rinfo)
  })
  const tracker = trackPool(pool)
  const stats = { consistent: 0, random: 0, open: 0 }
  const limiter = new RandomPunchLimiter()
  const created: Holepuncher[] = []
  t.teardown(async () => {
    for (const p of created) p.destroy()
    transport.destroy()
    await pool.destroy()
  })
  return {
    pool,
    transport,
    tracker,
    stats,
    limiter,
    create(isInitiator, opts = {}) {
      const p = new Holepuncher({ pool, transport, isInitiator, stats, limiter, ...opts })
      created.push(p)
      return p
    }
  }
}

test('both sides analyze CONSISTENT on loopback and connect by the consistent strategy', async (t) => {
  const nodes = createEchoNodes(t, udx, 4)
  const a = side(t, nodes)
  const b = side(t, nodes)
  const timers = activeTimers()

  const initiator = a.create(true)
  const responder = b.create(false)
  t.ok(initiator.isInitiator)
  t.absent(responder.isInitiator)

  t.ok(await initiator.analyze(false), 'initiator stable')
  t.ok(await responder.analyze(false), 'responder stable')
  t.is(initiator.nat.firewall, FIREWALL.CONSISTENT)
  t.is(responder.nat.firewall, FIREWALL.CONSISTENT)
  t.alike(initiator.nat.addresses, [addressOf(initiator.socket)])
  t.ok(
    a.transport.pinged.every((p) => p.socket === initiator.socket),
    'NAT pings go out on the puncher socket'
  )

  initiator.updateRemote({
    punching: true,
    firewall: responder.nat.firewall,
    addresses: responder.nat.addresses,
    verified: '127.0.0.1'
  })
  responder.updateRemote({
    punching: true,
    firewall: initiator.nat.firewall,
    addresses: initiator.nat.addresses,
    verified: '127.0.0.1'
  })
  t.ok(initiator.remoteHolepunching)
  t.alike(initiator.remoteAddresses, [{ ...addressOf(responder.socket), verified: true }])

  let connects = 0
  let aborts = 0
  const connected = new Promise<{ socket: UDX.Socket; port: number; host: string }>((resolve) => {
    initiator.onconnect = (socket, port, host) => {
      connects++
      resolve({ socket, port, host })
    }
  })
  initiator.onabort = () => aborts++

  t.ok(await responder.punch(), 'responder punching')
  const started = initiator.punch()
  t.is(initiator.punch(), started, 'punch() is memoised')
  t.ok(await started, 'initiator punching')
  t.is(a.stats.consistent, 1)
  t.is(b.stats.consistent, 1)

  const c = await connected
  t.is(c.socket, initiator.socket)
  t.is(c.host, '127.0.0.1')
  t.is(c.port, addressOf(responder.socket).port)
  t.ok(initiator.connected)
  t.absent(initiator.punching)
  t.is(a.limiter.punches, 0, 'consistent punches are not counted as random')

  await a.transport.idle()
  await b.transport.idle()
  initiator.destroy()
  responder.destroy()
  initiator.destroy()
  t.ok(initiator.destroyed)
  t.is(connects, 1, 'onconnect once')
  t.is(aborts, 0, 'no abort after connecting')
  t.is(activeTimers(), timers, 'every timer cleared')
  await a.tracker.allClosed()
  await b.tracker.allClosed()
  t.is(a.pool.size, 0)
  t.is(b.pool.size, 0)
})

test('the responder answers every 1-byte datagram with a 1-byte ping', async (t) => {
  const b = side(t, [])
  const responder = b.create(false)
  const peer = createSink(t, udx)
  const to = addressOf(responder.socket)
  peer.socket.trySend(Buffer.from([0]), to.port, to.host)
  peer.socket.trySend(Buffer.alloc(0), to.port, to.host)
  peer.socket.trySend(Buffer.from([7]), to.port, to.host)
  await peer.count(3)
  t.alike(
    peer.received.map((r) => r.length),
    [1, 1, 1]
  )
  t.ok(peer.received.every((r) => r.from.port === to.port))
  t.absent(responder.connected, 'the responder never connects by itself')
})

test('on the initiator the first 1-byte datagram connects, once, even before punching', async (t) => {
  const a = side(t, [])
  const initiator = a.create(true)
  const peer = createSocket(t, udx)
  const to = addressOf(initiator.socket)
  let connects = 0
  const onconnect = new Promise<number>((resolve) => {
    initiator.onconnect = (_socket, port) => {
      connects++
      resolve(port)
    }
  })
  // A 2-byte marker sent last: once it is in, both pings were handled.
  const marker = new Promise<void>((resolve) => {
    initiator.socket.on('message', (buf) => {
      if (buf.byteLength === 2) resolve()
    })
  })
  peer.trySend(Buffer.from([0]), to.port, to.host)
  peer.trySend(Buffer.from([0]), to.port, to.host)
  peer.trySend(Buffer.from([1, 2]), to.port, to.host)
  t.is(await onconnect, addressOf(peer).port)
  await marker
  t.is(connects, 1)
  t.ok(initiator.connected)
})

test('holepunch handlers never throw, whatever the datagram and sender', async (t) => {
  const a = side(t, [])
  const responder = a.create(false)
  const initiator = a.create(true)
  const odd = [
    { host: 'not-an-ip', port: 1 },
    { host: '127.0.0.1', port: -1 },
    { host: '127.0.0.1', port: 70000 },
    { host: '', port: Number.NaN }
  ]
  for (const p of [responder, initiator]) {
    const ref = a.pool.lookup(p.socket)!
    for (const rinfo of odd) {
      t.execution(() => ref.onholepunchmessage(Buffer.alloc(0), rinfo, ref))
      t.execution(() => ref.onholepunchmessage(Buffer.from([0xff]), rinfo, ref))
    }
  }
  // The responder's answers settle (and are dropped) without an unhandled rejection.
  await responder.ping({ host: '127.0.0.1', port: 9 })
  t.ok(initiator.connected, 'the initiator does not judge the sender')
})

test('analyze(false) reports an unstable NAT without reopening', async (t) => {
  const a = side(t, [])
  const p = a.create(true)
  t.absent(await p.analyze(false))
  t.is(p.nat.firewall, FIREWALL.UNKNOWN)
  t.is(a.tracker.sockets.length, 1)
})

test('analyze(true) reopens an UNKNOWN socket up to 3 times, then gives up', async (t) => {
  const a = side(t, [])
  const p = a.create(true)
  const first = p.socket
  const [first1, second1] = await Promise.all([p.analyze(true), p.analyze(true)])
  t.absent(first1)
  t.absent(second1)
  t.is(a.tracker.sockets.length, 4, 'the original socket and 3 replacements, once')
  t.absent(await p.analyze(true))
  t.is(a.tracker.sockets.length, 4, 'no second reopen run')
  t.not(p.socket, first)
  t.is(p.socket, a.tracker.sockets[3])
  await Promise.all([0, 1, 2].map((i) => a.tracker.closed(i)))
  t.is(a.pool.size, 1, 'replaced sockets are released')
})

test('analyze(true) stops reopening once the fresh socket is CONSISTENT', async (t) => {
  const nodes = createEchoNodes(t, udx, 4)
  const a = side(t, [])
  const p = a.create(true)
  a.transport.list = nodes // the first socket sampled nothing; its replacement will
  t.ok(await p.analyze(true))
  t.is(a.tracker.sockets.length, 2)
  t.is(p.nat.firewall, FIREWALL.CONSISTENT)
  t.alike(p.nat.addresses, [addressOf(p.socket)])
  t.ok(a.transport.pinged.every((x) => x.socket === p.socket))
})

test('both sides RANDOM is unstable', async (t) => {
  const a = side(t, [])
  const p = a.create(true, { remoteFirewall: FIREWALL.RANDOM })
  await p.nat.analyzing
  p.nat.firewall = FIREWALL.RANDOM
  t.absent(await p.analyze(false))
  p.remoteFirewall = FIREWALL.CONSISTENT
  t.ok(await p.analyze(false))
})

test('punch() returns false when no strategy applies', async (t) => {
  const a = side(t, [])
  const remote = { host: '127.0.0.1', port: 9 }

  const noAddresses = a.create(true)
  noAddresses.nat.firewall = FIREWALL.CONSISTENT
  t.absent(await noAddresses.punch(), 'no remote addresses')

  const unverified = a.create(true)
  unverified.nat.firewall = FIREWALL.CONSISTENT
  unverified.updateRemote({
    punching: true,
    firewall: FIREWALL.RANDOM,
    addresses: [remote],
    verified: null
  })
  t.absent(await unverified.punch(), 'random remote needs a verified address')

  const doubleRandom = a.create(true)
  doubleRandom.nat.firewall = FIREWALL.RANDOM
  doubleRandom.updateRemote({
    punching: true,
    firewall: FIREWALL.RANDOM,
    addresses: [remote],
    verified: '127.0.0.1'
  })
  t.absent(await doubleRandom.punch(), 'both random')

  const unknown = a.create(true)
  unknown.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [remote],
    verified: '127.0.0.1'
  })
  t.absent(await unknown.punch(), 'local unknown')

  const destroyed = a.create(true)
  destroyed.nat.firewall = FIREWALL.CONSISTENT
  destroyed.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [remote],
    verified: null
  })
  destroyed.destroy()
  t.absent(await destroyed.punch(), 'destroyed')
  t.is(a.stats.consistent + a.stats.random, 0)
  t.is(a.limiter.punches, 0)
})

test('OPEN counts as CONSISTENT on both sides', async (t) => {
  const a = side(t, [])
  const sink = createSink(t, udx)
  const p = a.create(true)
  p.nat.firewall = FIREWALL.OPEN
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.OPEN,
    addresses: [sink.address],
    verified: null
  })
  t.ok(await p.punch())
  t.is(a.stats.consistent, 1)
  p.destroy()
})

test('updateRemote keeps earlier verification and takes a new verified host', (t) => {
  const a = side(t, [])
  const p = a.create(true)
  const x = { host: '10.0.0.1', port: 1 }
  const y = { host: '10.0.0.2', port: 2 }
  p.updateRemote({
    punching: false,
    firewall: FIREWALL.CONSISTENT,
    addresses: [x, y],
    verified: '10.0.0.1'
  })
  t.alike(p.remoteAddresses, [
    { ...x, verified: true },
    { ...y, verified: false }
  ])
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.RANDOM,
    addresses: [y, { ...x, port: 7 }],
    verified: null
  })
  t.alike(p.remoteAddresses, [
    { ...y, verified: false },
    { host: x.host, port: 7, verified: true }
  ])
  t.is(p.remoteFirewall, FIREWALL.RANDOM)
  t.ok(p.remoteHolepunching)
  p.updateRemote({
    punching: false,
    firewall: FIREWALL.CONSISTENT,
    addresses: null,
    verified: null
  })
  t.alike(p.remoteAddresses, [])
})

test('consistent probe: verified addresses every round, unverified ones not on round 1', async (t) => {
  const a = side(t, [])
  const unverified = createSink(t, udx)
  const verified = createSink(t, udx)
  const marker = createSocket(t, udx)
  const p = a.create(true)
  p.nat.firewall = FIREWALL.CONSISTENT
  // The unverified address comes first, so a ping to it would have been sent before the other.
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [unverified.address, verified.address],
    verified: null
  })
  p.remoteAddresses[1]!.verified = true
  t.ok(await p.punch())
  await verified.count(1)
  // Anything the puncher sent to the unverified sink is queued ahead of this marker.
  marker.trySend(Buffer.from([1, 2]), unverified.address.port, unverified.address.host)
  await unverified.count(1)
  t.alike(
    unverified.received.map((r) => r.length),
    [2],
    'only the marker'
  )
  t.is(verified.received[0]?.length, 1)
  t.is(verified.received[0]?.from.port, addressOf(p.socket).port)
  p.destroy()
})

test('destroy before connecting aborts once and clears the responder pause', async (t) => {
  const a = side(t, [])
  const sink = createSink(t, udx)
  const timers = activeTimers()
  const p = a.create(false)
  p.nat.firewall = FIREWALL.CONSISTENT
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [sink.address],
    verified: '127.0.0.1'
  })
  let aborts = 0
  p.onabort = () => aborts++
  t.ok(await p.punch())
  t.is(activeTimers(), timers + 1, "the responder's 1 s pause")
  p.destroy()
  p.destroy()
  t.is(aborts, 1)
  t.absent(p.punching)
  t.is(activeTimers(), timers)
  await a.tracker.allClosed()
  t.is(a.pool.size, 0)
  t.is(sink.received.length, 0, 'the responder waits before its first ping')
})

test('ping() and openSession() send one byte from the puncher socket', async (t) => {
  const a = side(t, [])
  const sink = createSink(t, udx)
  const p = a.create(true)
  const other = a.pool.acquire()
  await p.ping(sink.address)
  await p.openSession(sink.address)
  await p.ping(sink.address, other.socket)
  await sink.count(3)
  t.alike(
    sink.received.map((r) => [r.length, r.from.port]),
    [
      [1, addressOf(p.socket).port],
      [1, addressOf(p.socket).port],
      [1, addressOf(other.socket).port]
    ]
  )
  await t.execution(() => p.ping({ host: 'not an ip', port: 1 }), 'never rejects')
  other.release()
})

test('constructing on a destroyed pool throws POOL_DESTROYED', async (t) => {
  const a = side(t, [])
  await a.pool.destroy()
  t.exception(() => a.create(true), /POOL_DESTROYED/)
})
