// Tests for RandomPunchLimiter: hyperdht's random-punch throttle arithmetic.

import test from 'brittle'
import { RANDOM_PUNCH_LIMITER_DEFAULTS, RandomPunchLimiter } from '../src/index.js'

test('defaults: one at a time, 20 s apart, clock not started', (t) => {
  const l = new RandomPunchLimiter()
  t.is(l.interval, 20000)
  t.is(l.limit, 1)
  t.is(l.punches, 0)
  t.is(l.lastPunch, 0)
  t.absent(l.throttled())
  t.alike({ ...RANDOM_PUNCH_LIMITER_DEFAULTS }, { interval: 20000, limit: 1, defer: false })
})

test('throttled while `limit` punches run', (t) => {
  const l = new RandomPunchLimiter({ limit: 2 })
  l.punches = 1
  t.absent(l.throttled())
  l.punches = 2
  t.ok(l.throttled())
})

test('throttled for `interval` ms after the last punch ended', (t) => {
  const l = new RandomPunchLimiter({ interval: 1000 })
  l.lastPunch = 50_000
  t.ok(l.throttled(50_000))
  t.ok(l.throttled(50_999))
  t.absent(l.throttled(51_000))
})

test('defer starts the clock, at construction or later', (t) => {
  const before = Date.now()
  const l = new RandomPunchLimiter({ defer: true })
  t.ok(l.lastPunch >= before)
  t.ok(l.throttled())
  const m = new RandomPunchLimiter()
  m.defer(123_456)
  t.is(m.lastPunch, 123_456)
  t.ok(m.throttled(123_457))
  t.absent(m.throttled(123_456 + 20_000))
})

test('interval 0 means the default, as hyperdht reads `randomPunchInterval || 20000`', (t) => {
  t.is(new RandomPunchLimiter({ interval: 0 }).interval, 20000)
})
