// ExpiringMap and Router units on an injected clock: lifetimes, LRU cap, pinned (local) entries.

import test from 'brittle'
import { Router } from '../src/router.js'
import { ExpiringMap } from '../src/store-expiring-map.js'

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 5_000
  return { now: () => t, advance: (ms) => (t += ms) }
}

test('expiring map: entries live maxAge after their last write or read', (t) => {
  const c = clock()
  const m = new ExpiringMap<number>({ maxSize: 10, maxAge: 100, now: c.now })
  m.set('a', 1)
  m.set('b', 2)
  c.advance(60)
  t.is(m.get('a'), 1, 'read refreshes a')
  c.advance(60)
  t.is(m.get('b'), undefined, 'b expired at 100 ms')
  t.ok(m.has('a'))
  c.advance(40)
  t.absent(m.has('a'), 'a expired 100 ms after its read')
  t.is(m.expired, 2)
  t.is(m.size, 0)
})

test('expiring map: over maxSize the least recently used goes', (t) => {
  const m = new ExpiringMap<string>({ maxSize: 3, maxAge: 1000 })
  m.set('a', 'a')
  m.set('b', 'b')
  m.set('c', 'c')
  m.get('a')
  m.set('d', 'd')
  t.absent(m.has('b'))
  t.ok(m.has('a'))
  m.set('c', 'c2')
  m.set('e', 'e')
  t.absent(m.has('a'), 'a was used before c was rewritten')
  t.is(m.get('c'), 'c2')
  t.is(m.evicted, 2)
  t.is(m.size, 3)
})

test('expiring map: pinned entries never expire and are not counted by the cap', (t) => {
  const c = clock()
  const m = new ExpiringMap<string>({ maxSize: 1, maxAge: 10, now: c.now })
  m.pin('p', 'pinned')
  m.set('a', 'a')
  t.is(m.size, 2)
  c.advance(1000)
  t.is(m.get('p'), 'pinned')
  t.absent(m.has('a'))
  t.ok(m.isPinned('p'))
  m.set('p', 'unpinned')
  t.absent(m.isPinned('p'), 'set unpins')
  c.advance(10)
  t.absent(m.has('p'))
  m.pin('q', 'q')
  t.ok(m.delete('q'))
  t.absent(m.delete('q'))
  m.set('z', 'z')
  m.clear()
  t.is(m.size, 0)
})

test('router: remote entries expire unless read; local entries stay and win', (t) => {
  const c = clock()
  const router = new Router({ maxAge: 1000, maxSize: 10, now: c.now })
  const target = Buffer.alloc(32, 7)
  const hex = target.toString('hex')
  const relay = { host: '10.0.0.1', port: 4000 }
  router.set(target, { relay, record: Buffer.from('remote'), local: false })
  t.alike(router.get(hex)?.relay, relay, 'buffer and hex keys are the same entry')
  c.advance(900)
  t.ok(router.get(target), 'read refreshes')
  c.advance(900)
  t.ok(router.get(target))
  c.advance(1000)
  t.is(router.get(target), null, 'expired')

  router.set(target, { relay: null, record: Buffer.from('local'), local: true })
  router.set(target, { relay, record: Buffer.from('remote'), local: false })
  t.alike(router.get(target)?.record, Buffer.from('local'), 'an announce cannot displace it')
  c.advance(1_000_000)
  t.ok(router.get(target)?.local, 'local never expires')
  t.is(router.size, 1)
  router.delete(target)
  t.is(router.get(target), null)
  router.set(target, { relay, record: Buffer.from('remote'), local: false })
  router.destroy()
  t.is(router.size, 0)
})

test('router: maxSize keeps the most recently used remote entries', (t) => {
  const router = new Router({ maxSize: 2 })
  const e = { relay: null, record: Buffer.alloc(0), local: false }
  router.set('a', e)
  router.set('b', e)
  router.get('a')
  router.set('c', e)
  t.ok(router.get('a'))
  t.is(router.get('b'), null)
  t.ok(router.get('c'))
})
