// Tests for the random strategies on loopback: random-port probes, birthday sockets, the limiter.

import test from 'brittle'
import UDX from 'udx-native'
import {
  BIRTHDAY_SOCKETS,
  DEFAULT_TTL,
  FIREWALL,
  HOLEPUNCH_TTL,
  Holepuncher,
  RANDOM_PORT_MIN,
  RandomPunchLimiter,
  SocketPool
} from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'
import { activeTimers, addressOf, createSink, trackPool } from './helpers/net.js'
import { TestTransport } from './helpers/test-transport.js'

const udx = new UDX()

// A pool with no DHT nodes: NAT classes are set by hand, as connect/server would learn them.
function setup(t: TestInstance, spySends = false) {
  const transport = new TestTransport([])
  const pool = new SocketPool({ udx, host: '127.0.0.1', onmessage() {} })
  const tracker = trackPool(pool, spySends)
  const stats = { consistent: 0, random: 0, open: 0 }
  const limiter = new RandomPunchLimiter()
  const punchers: Holepuncher[] = []
  t.teardown(async () => {
    for (const p of punchers) p.destroy()
    await pool.destroy()
  })
  const create = (isInitiator: boolean): Holepuncher => {
    const p = new Holepuncher({ pool, transport, isInitiator, stats, limiter })
    punchers.push(p)
    return p
  }
  return { pool, tracker, stats, limiter, create }
}

test('CONSISTENT to RANDOM: pings random ports on the verified host every 20 ms', async (t) => {
  const { stats, limiter, create } = setup(t)
  const timers = activeTimers()
  const p = create(true)
  p.nat.firewall = FIREWALL.CONSISTENT
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.RANDOM,
    addresses: [
      { host: '127.0.0.2', port: 5000 },
      { host: '127.0.0.1', port: 6000 }
    ],
    verified: '127.0.0.1'
  })

  // Record instead of sending: random loopback ports may belong to other programs.
  const sent: [number, string | undefined, number | undefined][] = []
  let reached: () => void = () => {}
  const five = new Promise<void>((resolve) => (reached = resolve))
  p.socket.send = async (_buf, port, host, ttl) => {
    sent.push([port, host, ttl])
    if (sent.length === 5) reached()
    return true
  }

  let aborts = 0
  p.onabort = () => aborts++
  t.ok(await p.punch())
  t.is(stats.random, 1)
  t.ok(p.randomized)
  t.is(limiter.punches, 1, 'counted as a running random punch')
  t.ok(limiter.throttled(), 'a second random punch would wait')

  await five
  t.ok(
    sent.every(
      ([port, host, ttl]) =>
        host === '127.0.0.1' && ttl === DEFAULT_TTL && port >= RANDOM_PORT_MIN && port <= 65535
    ),
    'verified host, random ports 1000..65535, TTL 64'
  )
  t.ok(new Set(sent.map(([port]) => port)).size > 1, 'ports vary')

  const before = Date.now()
  p.destroy()
  t.is(aborts, 1)
  t.absent(p.randomized)
  t.is(limiter.punches, 0)
  t.ok(limiter.lastPunch >= before, 'the clock restarts when the punch ends')
  t.ok(limiter.throttled(), 'throttled for the interval after it ended')
  t.is(activeTimers(), timers, 'the 20 ms pause is cleared')
})

test('RANDOM to CONSISTENT: 255 birthday sockets each send one TTL-5 ping', async (t) => {
  const { pool, tracker, stats, limiter, create } = setup(t, true)
  const sink = createSink(t, udx)
  const timers = activeTimers()
  const p = create(true)
  p.nat.firewall = FIREWALL.RANDOM
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [sink.address],
    verified: '127.0.0.1'
  })

  const birthday = BIRTHDAY_SOCKETS - 1
  const started = p.punch()
  await sink.count(birthday)
  t.ok(await started, 'punch resolves after the burst')
  t.is(stats.random, 1)
  t.is(limiter.punches, 1)
  t.is(pool.size, BIRTHDAY_SOCKETS, 'the main socket and 255 birthday sockets')

  const burst = sink.received.slice(0, birthday)
  t.ok(burst.every((r) => r.length === 1))
  t.is(new Set(burst.map((r) => r.from.port)).size, birthday, 'one ping per birthday socket')
  t.absent(
    burst.some((r) => r.from.port === addressOf(p.socket).port),
    'the main socket does not take part in the burst'
  )
  const burstSends = tracker.sockets.slice(1).map((s) => tracker.sends.get(s)?.[0])
  t.ok(
    burstSends.every(
      (s) => s !== undefined && s[0] === sink.address.port && s[2] === HOLEPUNCH_TTL
    ),
    'every burst ping has TTL 5'
  )

  p.destroy()
  t.is(limiter.punches, 0)
  t.is(activeTimers(), timers, 'keep-alive pauses cleared')
  await tracker.allClosed()
  t.is(pool.size, 0, 'every birthday socket released')
})

test('RANDOM to CONSISTENT: the keep-alive cycles through every socket, first pass at TTL 5', async (t) => {
  const { tracker, create } = setup(t, true)
  const sink = createSink(t, udx)
  const p = create(true)
  p.nat.firewall = FIREWALL.RANDOM
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [sink.address],
    verified: '127.0.0.1'
  })
  await p.punch()
  // The cycle starts at the main socket after a 100 ms settle, then one ping per 20 ms.
  await sink.count(BIRTHDAY_SOCKETS - 1 + 3)
  const cycle = sink.received
    .slice(BIRTHDAY_SOCKETS - 1, BIRTHDAY_SOCKETS + 2)
    .map((r) => r.from.port)
  t.alike(
    cycle,
    tracker.sockets.slice(0, 3).map((s) => addressOf(s).port),
    'main socket first, then the birthday sockets in order'
  )
  t.alike(tracker.sends.get(tracker.sockets[0]!)?.[0]?.[2], HOLEPUNCH_TTL, 'first pass is low TTL')
  p.destroy()
})

test('RANDOM to CONSISTENT connects when the responder answers a birthday socket', async (t) => {
  const { pool, tracker, limiter, create } = setup(t)
  const responder = create(false)
  const initiator = create(true)
  initiator.nat.firewall = FIREWALL.RANDOM
  initiator.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [addressOf(responder.socket)],
    verified: '127.0.0.1'
  })

  const connected = new Promise<{ socket: UDX.Socket; port: number }>((resolve) => {
    initiator.onconnect = (socket, port) => resolve({ socket, port })
  })
  t.ok(await initiator.punch())
  const c = await connected
  t.is(c.port, addressOf(responder.socket).port)
  t.not(c.socket, initiator.socket, 'a birthday socket won')
  t.ok(tracker.sockets.includes(c.socket))
  t.is(limiter.punches, 0, 'uncounted on connect')
  t.ok(limiter.lastPunch > 0)
  t.absent(initiator.randomized)

  // Every losing socket is released at once; the winner and the responder's socket stay.
  const losers = tracker.sockets
    .map((s, i) => [s, i] as const)
    .filter(([s]) => s !== c.socket && s !== responder.socket)
  await Promise.all(losers.map(([, i]) => tracker.closed(i)))
  t.is(pool.size, 2)

  initiator.destroy()
  responder.destroy()
  await tracker.allClosed()
  t.is(pool.size, 0)
})

test('a puncher counts once in the limiter, however it ends', async (t) => {
  const { limiter, create } = setup(t)
  const sink = createSink(t, udx)
  const p = create(true)
  p.nat.firewall = FIREWALL.RANDOM
  p.updateRemote({
    punching: true,
    firewall: FIREWALL.CONSISTENT,
    addresses: [sink.address],
    verified: '127.0.0.1'
  })
  limiter.punches = 5 // other punches (or connect's own accounting) already running
  const started = p.punch()
  p.destroy() // mid-burst
  t.ok(await started)
  t.is(limiter.punches, 5)
})
