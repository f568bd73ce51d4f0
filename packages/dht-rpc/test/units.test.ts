// Tests for the small parts: congestion window, rate limiter, NAT sampler, node list, tokens, delayed replies.

import test from 'brittle'
import { TokenSecrets } from '@keymesh/crypto'
import { CongestionWindow } from '../src/congestion-window.js'
import { DeadNodes } from '../src/dead-nodes.js'
import { DelayedReplies } from '../src/delayed-replies.js'
import { NatSampler } from '../src/nat-sampler.js'
import { NodeList } from '../src/node-list.js'
import { createNode } from '../src/peer.js'
import { RateLimiter } from '../src/rate-limiter.js'
import { RoundTripTokens } from '../src/tokens.js'
import { AdaptiveTimeout } from '../src/adaptive-timeout.js'
import { isLocal, isLoopback, isPrivate, subnet24 } from '../src/ip.js'

test('congestion window: per-slot cap, total cap, recv, drain', (t) => {
  const w = new CongestionWindow(2)
  t.absent(w.isFull())
  w.send()
  w.send()
  t.ok(w.isFull(), 'slot holds maxWindow')
  w.recv()
  t.absent(w.isFull(), 'a response frees one')
  w.send()
  w.drain()
  t.absent(w.isFull(), 'new slot')
  w.send()
  w.send()
  t.ok(w.isFull(), 'total 4 = 2 x maxWindow')
  w.drain()
  w.drain()
  t.is(w.inWindow, 4)
  w.drain()
  t.is(w.inWindow, 2, 'the first slot aged out after four drains')
  w.recv()
  t.is(w.inWindow, 2, 'recv on an empty slot does nothing')
  w.clear()
  t.is(w.inWindow, 0)
  t.is(w._maxWindow, 2)
})

test('rate limiter: burst, refill, exemption, bounded memory', (t) => {
  let now = 0
  const limiter = new RateLimiter({ rate: 10, burst: 3, maxHosts: 2, now: () => now })
  t.ok(limiter.take('a') && limiter.take('a') && limiter.take('a'))
  t.absent(limiter.take('a'), 'bucket empty')
  now += 100
  t.ok(limiter.take('a'), '100 ms at 10/s refills one')
  t.absent(limiter.take('a'))
  now += 10_000
  t.ok(limiter.take('a') && limiter.take('a') && limiter.take('a'), 'refill caps at burst')
  t.absent(limiter.take('a'))

  t.ok(limiter.take('b'))
  t.ok(limiter.take('c'))
  t.is(limiter.size, 2, 'at most maxHosts tracked')
  t.ok(limiter.take('a'), 'the least recently active host was forgotten: a fresh bucket')

  const exempt = new RateLimiter({ rate: 0, burst: 1, maxHosts: 4, exempt: isLoopback })
  for (let i = 0; i < 10; i++) t.ok(exempt.take('127.0.0.1'))
  t.is(exempt.size, 0)
  t.ok(exempt.take('8.8.8.8'))
  t.absent(exempt.take('8.8.8.8'))
})

test('nat sampler: agreement thresholds, randomized ports, window', (t) => {
  const s = new NatSampler()
  t.is(s.host, null)
  s.add('1.2.3.4', 10)
  t.is(s.host, '1.2.3.4')
  t.is(s.port, 10)
  s.add('1.2.3.4', 11)
  t.is(s.host, '1.2.3.4', 'host agrees')
  t.is(s.port, 0, 'ports disagree: randomized')
  s.add('1.2.3.4', 10)
  s.add('1.2.3.4', 10)
  t.is(s.port, 10, '3 of 4 is enough once 4 samples exist')
  s.add('5.6.7.8', 10)
  t.is(s.host, '1.2.3.4', '4 of 5 hosts agree...')
  t.is(s.port, 0, '...but only 3 of 5 pairs')
  s.add('5.6.7.8', 10)
  t.is(s.host, null, '4 of 6 is not enough')

  const w = new NatSampler()
  for (let i = 0; i < 16; i++) w.add('9.9.9.9', 1)
  for (let i = 0; i < 3; i++) w.add('8.8.8.8', 2)
  t.is(w.host, '9.9.9.9', '13 of the last 16 still agree')
  t.is(w.size, 16)
  t.is(w.add('8.8.8.8', 2), 4)
  t.is(w.host, null, '12 of 16 is below the slack of 3')
})

test('node list: time order, move to latest, remove, toArray', (t) => {
  const list = new NodeList()
  const [a, b, c] = [1, 2, 3].map((i) => createNode(Buffer.alloc(32, i), '1.1.1.1', i, 0))
  list.add(a!)
  list.add(b!)
  list.add(c!)
  t.is(list.length, 3)
  t.is(list.oldest, a)
  t.is(list.latest, c)
  list.add(a!)
  t.alike(
    list.toArray().map((n) => n.port),
    [2, 3, 1]
  )
  t.alike(
    list.toArray({ reverse: true, limit: 2 }).map((n) => n.port),
    [1, 3]
  )
  list.remove(c!)
  list.remove(c!)
  t.is(list.length, 2)
  t.absent(list.has(c!))
  t.alike(
    [...list].map((n) => n.port),
    [2, 1]
  )
  list.remove(b!)
  list.remove(a!)
  t.is(list.oldest, null)
  t.is(list.latest, null)
})

test('round-trip tokens: host-bound, rotation keeps the previous secret', (t) => {
  const secrets = new TokenSecrets([Buffer.alloc(32, 1), Buffer.alloc(32, 2)])
  const tokens = new RoundTripTokens(secrets)
  const token = tokens.issue('10.0.0.1')
  t.ok(tokens.verify(token, '10.0.0.1'))
  t.absent(tokens.verify(token, '10.0.0.2'), 'bound to the host')
  t.absent(tokens.verify(Buffer.alloc(3), '10.0.0.1'), 'malformed is just invalid')
  for (let i = 0; i < 9; i++) tokens.ondrain()
  t.alike(tokens.token('10.0.0.1', 1), token, 'not rotated after 9 drains')
  tokens.ondrain()
  t.alike(tokens.token('10.0.0.1', 0), token, 'rotated on the 10th: now the previous secret')
  t.ok(tokens.verify(token, '10.0.0.1'))
  for (let i = 0; i < 10; i++) tokens.ondrain()
  t.absent(tokens.verify(token, '10.0.0.1'), 'gone after the second rotation')
})

test('delayed replies: global and per-host caps, clear', async (t) => {
  const d = new DelayedReplies({ max: 3, maxPerHost: 2 })
  let fired = 0
  let allFired: () => void = () => {}
  const done = new Promise<void>((resolve) => (allFired = resolve))
  const fire = (): void => {
    if (++fired === 3) allFired()
  }
  t.ok(d.schedule('a', 1, fire))
  t.ok(d.schedule('a', 1, fire))
  t.absent(d.schedule('a', 1, fire), 'per-host cap')
  t.ok(d.schedule('b', 1, fire))
  t.absent(d.schedule('c', 1, fire), 'global cap')
  t.is(d.size, 3)
  t.is(d.pending('a'), 2)
  const keepAlive = setInterval(() => {}, 1000) // the reply timers are unref'd
  await done
  clearInterval(keepAlive)
  t.is(fired, 3)
  t.is(d.size, 0)
  t.is(d.pending('a'), 0)
  t.ok(d.schedule('a', 1000, fire))
  d.clear()
  t.is(d.size, 0, 'cleared timers never fire')
})

test('adaptive timeout: fallback schedule, smoothed RTT, bounds', (t) => {
  const a = new AdaptiveTimeout({ jitter: 0, fallback: [100, 200], min: 50, max: 1000, maxSize: 2 })
  t.is(a.get('x', 1), 100)
  t.is(a.get('x', 2), 200)
  t.is(a.get('x', 5), 200, 'last fallback repeats')
  a.put('x', 100)
  t.is(a.get('x', 1), 200, 'avg 100 + 2 x var 50')
  t.is(a.get('x', 2), 400, 'linear backoff')
  t.is(a.get('x', 9), 1000, 'capped at max')
  a.put('x', 100)
  a.put('y', 1)
  t.is(a.get('y', 1), 50, 'raised to min')
  a.put('z', 1)
  t.is(a.size, 2, 'bounded')
})

test('ip classification', (t) => {
  t.ok(isLoopback('127.5.5.5'))
  t.absent(isLoopback('128.0.0.1'))
  for (const h of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1']) t.ok(isPrivate(h), h)
  for (const h of ['172.15.0.1', '172.32.0.1', '192.169.0.1', '11.0.0.1']) t.absent(isPrivate(h), h)
  t.ok(isLocal('127.0.0.1') && isLocal('10.1.1.1'))
  t.is(subnet24('203.0.113.77'), '203.0.113')
})

test('dead nodes: expiring, bounded, cleared by signs of life', (t) => {
  let now = 0
  const dead = new DeadNodes({ max: 2, ttl: 100, now: () => now })
  dead.add('a:1')
  t.ok(dead.has('a:1'))
  t.absent(dead.has('b:2'))
  now = 101
  t.absent(dead.has('a:1'), 'expired')
  dead.add('a:1')
  dead.add('b:2')
  dead.add('c:3')
  t.is(dead.size, 2, 'bounded')
  t.absent(dead.has('a:1'), 'the oldest went first')
  dead.delete('b:2')
  t.absent(dead.has('b:2'))
  dead.clear()
  t.is(dead.size, 0)
})
