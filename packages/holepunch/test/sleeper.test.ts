// Tests for Sleeper: pauses that resolve on time or at once on destroy, leaving no timer.

import test from 'brittle'
import { Sleeper } from '../src/index.js'
import { activeTimers, isSettled } from './helpers/net.js'

test('Sleeper: pauses resolve after their time', async (t) => {
  const s = new Sleeper()
  const p = s.pause(5)
  t.absent(await isSettled(p))
  await p
  t.pass('resolved')
})

test('Sleeper: destroy resolves every pending pause and clears its timers', async (t) => {
  const timers = activeTimers()
  const s = new Sleeper()
  const a = s.pause(60_000)
  const b = s.pause(60_000)
  t.is(activeTimers(), timers + 2)
  s.destroy()
  t.is(activeTimers(), timers)
  t.ok(await isSettled(Promise.all([a, b])))
  t.ok(s.destroyed)
  t.ok(await isSettled(s.pause(60_000)), 'later pauses resolve at once')
  t.is(activeTimers(), timers)
})
