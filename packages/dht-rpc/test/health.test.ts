// Tests for NetworkHealth: cold start, idle ticks, offline after 2 silent ticks, degraded after 4.

import test from 'brittle'
import { NetworkHealth } from '../src/health.js'
import type { HealthState } from '../src/health.js'

function harness() {
  const counters = { responses: 0, timeouts: 0 }
  const states: HealthState[] = []
  const health = new NetworkHealth({ counters: () => counters, onstate: (s) => states.push(s) })
  const tick = (responses: number, timeouts: number): void => {
    counters.responses += responses
    counters.timeouts += timeouts
    health.update()
  }
  return { health, states, tick }
}

test('cold and idle ticks change nothing', (t) => {
  const { health, states, tick } = harness()
  for (let i = 0; i < 3; i++) tick(0, 10)
  t.ok(health.cold)
  t.alike(states, [], 'no verdict while cold')
  tick(1, 1)
  t.absent(health.cold)
  t.ok(health.idle)
  t.alike(states, [])
  t.ok(health.online)
})

test('offline after two ticks with timeouts and no responses; back online on a response', (t) => {
  const { health, states, tick } = harness()
  for (let i = 0; i < 4; i++) tick(10, 0)
  t.alike(states, ['online'])
  tick(0, 10)
  t.ok(health.online, 'one silent tick is not enough')
  tick(0, 10)
  t.absent(health.online)
  t.is(states[states.length - 1], 'offline')
  tick(10, 0)
  t.ok(health.online)
  t.is(states[states.length - 1], 'online')
  t.alike(health.stats, {
    online: true,
    degraded: false,
    cold: false,
    idle: false,
    responses: 10,
    timeouts: 0,
    timeoutsRate: 0
  })
})

test('degraded after four ticks with a timeout rate over 50%, healthy after four good ones', (t) => {
  const { health, tick } = harness()
  for (let i = 0; i < 4; i++) tick(10, 0)
  for (let i = 0; i < 3; i++) tick(2, 8)
  t.absent(health.degraded, 'three bad ticks are not enough')
  tick(2, 8)
  t.ok(health.degraded)
  t.ok(health.online)
  for (let i = 0; i < 3; i++) tick(10, 0)
  t.ok(health.degraded, 'still degraded until the window is clean')
  tick(10, 0)
  t.absent(health.degraded)
})

test('reset reports online and starts cold', (t) => {
  const { health, states, tick } = harness()
  for (let i = 0; i < 6; i++) tick(0, 10)
  t.absent(health.online)
  health.reset()
  t.ok(health.online)
  t.ok(health.cold)
  t.is(states[states.length - 1], 'online')
})
