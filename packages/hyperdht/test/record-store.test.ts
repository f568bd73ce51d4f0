// RecordStore units: lifetimes on an injected clock, entry caps, byte budgets, /24 eviction order.

import test from 'brittle'
import { ENTRY_OVERHEAD_BYTES, RecordStore } from '../src/record-store.js'
import type { RecordStoreOptions } from '../src/record-store.js'
import { sourceGroup } from '../src/store-quota.js'

const MINUTE = 60 * 1000

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: (ms) => (t += ms) }
}

// a record whose charge is exactly `size` bytes
function rec(label: string, size = ENTRY_OVERHEAD_BYTES + 8): Buffer {
  const b = Buffer.alloc(size - ENTRY_OVERHEAD_BYTES)
  b.write(label.slice(0, b.byteLength))
  return b
}

function keys(n: number, prefix = 'k'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`)
}

function store(opts: RecordStoreOptions = {}): RecordStore {
  return new RecordStore(opts)
}

test('sourceGroup is the IPv4 /24; anything else is its own group', (t) => {
  t.is(sourceGroup('192.0.2.10'), '192.0.2')
  t.is(sourceGroup('192.0.2.250'), '192.0.2')
  t.is(sourceGroup('10.0.0.1'), '10.0.0')
  t.is(sourceGroup('::1'), '::1')
  t.is(sourceGroup('not-an-ip'), 'not-an-ip')
})

test('records: add, replace, remove, sample without repeats', (t) => {
  const s = store()
  t.ok(s.addRecord('topic', 'a', rec('a1'), '10.0.0.1'))
  t.ok(s.addRecord('topic', 'a', rec('a2'), '10.0.0.1'), 're-announce replaces')
  t.is(s.recordCount('topic'), 1)
  t.alike(s.records('topic', 20), [rec('a2')])

  for (const k of keys(30)) s.addRecord('topic', k, rec(k), '10.0.0.1')
  t.is(s.recordCount('topic'), 31)
  const picked = s.records('topic', 20)
  t.is(picked.length, 20)
  t.is(new Set(picked.map((b) => b.toString())).size, 20, 'no repeats')
  t.is(s.records('topic', 100).length, 31, 'fewer than max: all of them')
  t.alike(s.records('other', 20), [])

  t.ok(s.removeRecord('topic', 'a'))
  t.absent(s.removeRecord('topic', 'a'), 'already gone')
  t.is(s.recordCount('topic'), 30)
  for (const k of keys(30)) s.removeRecord('topic', k)
  t.is(s.stats.topics, 0, 'an empty topic is forgotten')
  t.is(s.stats.bytes, 0)
  t.is(s.stats.sources, 0)
})

test('records: sampling draws from the injected random source', (t) => {
  let i = 0
  const s = store({ random: () => (i++ % 5) / 5 })
  for (const k of keys(5)) s.addRecord('topic', k, rec(k), '10.0.0.1')
  const seen: string[] = []
  for (let n = 0; n < 5; n++) for (const b of s.records('topic', 1)) seen.push(b.toString())
  t.is(new Set(seen).size, 5, 'each draw picks the slot the random value points at')
})

test('lifetimes: records by maxAge, values by maxValueAge; reads refresh values', (t) => {
  const c = clock()
  const s = store({ now: c.now, maxAge: 20 * MINUTE, maxValueAge: 60 * MINUTE })
  s.addRecord('topic', 'a', rec('a'), '10.0.0.1')
  s.putMutable('m', rec('m'), 3, '10.0.0.1')
  s.putImmutable('i', rec('i'), '10.0.0.1')
  s.putImmutable('j', rec('j'), '10.0.0.1')

  c.advance(20 * MINUTE - 1)
  t.is(s.recordCount('topic'), 1, 'alive just before maxAge')
  c.advance(1)
  t.is(s.recordCount('topic'), 0, 'gone at maxAge')
  t.is(s.stats.expired, 1)

  c.advance(30 * MINUTE)
  const m = s.getMutable('m')
  t.alike(m && { value: m.value, seq: m.seq }, { value: rec('m'), seq: 3 }, 'read refreshes')
  t.alike(s.getImmutable('i'), rec('i'))
  c.advance(40 * MINUTE)
  t.is(s.getImmutable('j'), null, 'unread value expired')
  t.ok(s.getMutable('m'), 'read value still alive after 70 min')
  t.ok(s.getImmutable('i'))
  c.advance(60 * MINUTE)
  t.is(s.stats.mutables, 0)
  t.is(s.stats.immutables, 0)
  t.is(s.stats.expired, 4)
  t.is(s.stats.bytes, 0)
})

test('lifetimes: a re-announce restarts the record lifetime', (t) => {
  const c = clock()
  const s = store({ now: c.now, maxAge: 10 * MINUTE })
  s.addRecord('topic', 'a', rec('a'), '10.0.0.1')
  c.advance(9 * MINUTE)
  s.addRecord('topic', 'a', rec('a'), '10.0.0.1')
  c.advance(9 * MINUTE)
  t.is(s.recordCount('topic'), 1)
})

test('caps: maxSize for records, half of it for each value kind, oldest first', (t) => {
  const s = store({ maxSize: 4 })
  for (const k of keys(6)) s.addRecord(`t${k}`, k, rec(k), '10.0.0.1')
  t.is(s.stats.records, 4)
  t.is(s.recordCount('tk0'), 0, 'oldest evicted')
  t.is(s.recordCount('tk1'), 0)
  t.is(s.recordCount('tk5'), 1)

  for (const k of keys(3)) s.putMutable(k, rec(k), 0, '10.0.0.1')
  for (const k of keys(3)) s.putImmutable(k, rec(k), '10.0.0.1')
  t.is(s.stats.mutables, 2)
  t.is(s.stats.immutables, 2)
  t.is(s.getMutable('k0'), null)
  t.is(s.getImmutable('k0'), null)
  t.alike(s.stats.evicted, { maxSize: 4, topicCap: 0, sourceQuota: 0, budget: 0 })
})

test('caps: reading a value protects it from the maxSize eviction', (t) => {
  const s = store({ maxSize: 4 })
  s.putImmutable('a', rec('a'), '10.0.0.1')
  s.putImmutable('b', rec('b'), '10.0.0.1')
  s.getImmutable('a')
  s.putImmutable('c', rec('c'), '10.0.0.1')
  t.ok(s.getImmutable('a'), 'recently read survives')
  t.is(s.getImmutable('b'), null, 'least recently used goes')
})

test('caps: maxRecordsPerTopic evicts the oldest record of that topic only', (t) => {
  const s = store({ maxRecordsPerTopic: 3 })
  s.addRecord('other', 'x', rec('x'), '10.0.0.1')
  for (const k of keys(5)) s.addRecord('topic', k, rec(k), '10.0.0.1')
  t.is(s.recordCount('topic'), 3)
  const left = s.records('topic', 20).map((b) => b.toString().replace(/\0+$/, ''))
  t.alike(left.sort(), ['k2', 'k3', 'k4'])
  t.is(s.recordCount('other'), 1)
  t.is(s.stats.evicted.topicCap, 2)
})

test('budget: a flooding /24 loses its oldest records, everyone else keeps theirs', (t) => {
  const size = ENTRY_OVERHEAD_BYTES + 8
  const s = store({ maxStorageBytes: 10 * size, maxStorageBytesPerSource: 10 * size })
  s.addRecord('t', 'b1', rec('b1', size), '10.0.1.5')
  s.addRecord('t', 'b2', rec('b2', size), '10.0.1.6')
  s.putMutable('c1', rec('c1', size), 1, '192.168.1.1')
  // the flooder rotates through its own /24
  for (let i = 0; i < 20; i++) s.addRecord('flood', `f${i}`, rec(`f${i}`, size), `10.0.0.${i}`)

  t.is(s.stats.bytes, 10 * size, 'exactly at budget')
  t.is(s.recordCount('t'), 2, 'small sources untouched')
  t.ok(s.getMutable('c1'))
  t.is(s.recordCount('flood'), 7)
  const left = s.records('flood', 20).map((b) => b.toString().replace(/\0+$/, ''))
  t.alike(left.sort(), ['f13', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19'], 'newest kept')
  t.is(s.stats.evicted.budget, 13)
  t.is(s.stats.sources, 3)
})

test('budget: the heaviest source pays, even when a light one triggers the overflow', (t) => {
  const size = ENTRY_OVERHEAD_BYTES + 8
  const s = store({ maxStorageBytes: 8 * size, maxStorageBytesPerSource: 8 * size })
  for (let i = 0; i < 5; i++) s.putImmutable(`a${i}`, rec(`a${i}`, size), '10.0.0.1')
  for (let i = 0; i < 3; i++) s.putImmutable(`b${i}`, rec(`b${i}`, size), '10.0.1.1')
  t.ok(s.putImmutable('c0', rec('c0', size), '10.0.2.1'), 'the newcomer is stored')
  t.is(s.getImmutable('a0'), null, 'oldest of the heaviest source evicted')
  for (let i = 1; i < 5; i++) t.ok(s.getImmutable(`a${i}`))
  for (let i = 0; i < 3; i++) t.ok(s.getImmutable(`b${i}`))
  // now a and b hold 4 and 3 entries; two more from c evict from a again
  s.putImmutable('c1', rec('c1', size), '10.0.2.1')
  t.is(s.getImmutable('a1'), null)
  t.ok(s.getImmutable('b0'), 'lighter source still whole')
  t.is(s.stats.evicted.budget, 2)
})

test('budget: a record that is the heaviest source on its own is refused', (t) => {
  const s = store({ maxStorageBytes: 1000, maxStorageBytesPerSource: 1000 })
  t.ok(s.putImmutable('a', rec('a', 400), '10.0.0.1'))
  t.absent(s.putImmutable('b', rec('b', 700), '10.0.1.1'), 'evicted at once: it is the heaviest')
  t.ok(s.getImmutable('a'), 'the lighter source survives')
  t.is(s.stats.bytes, 400)
})

test('quota: a source over its own quota loses its oldest entries, others unaffected', (t) => {
  const size = ENTRY_OVERHEAD_BYTES + 8
  const s = store({ maxStorageBytes: 100 * size, maxStorageBytesPerSource: 3 * size })
  s.addRecord('t', 'other', rec('other', size), '10.9.9.9')
  for (const k of keys(5)) s.addRecord('t', k, rec(k, size), '10.0.0.1')
  t.is(s.recordCount('t'), 4)
  const left = s.records('t', 20).map((b) => b.toString().replace(/\0+$/, ''))
  t.alike(left.sort(), ['k2', 'k3', 'k4', 'other'])
  t.is(s.stats.evicted.sourceQuota, 2)
})

test('quota: a value bigger than the quota is refused without evicting anything', (t) => {
  const s = store({ maxStorageBytes: 10_000, maxStorageBytesPerSource: 1000 })
  t.ok(s.putMutable('m', rec('m', 500), 1, '10.0.0.1'))
  t.absent(s.putMutable('m', rec('m', 1001), 2, '10.0.0.1'))
  t.alike(s.getMutable('m')?.seq, 1, 'old value kept')
  t.absent(s.addRecord('t', 'k', rec('k', 1001), '10.0.0.1'))
  t.is(s.stats.evicted.sourceQuota, 0)
})

test('quota: a replaced entry moves to the new writer’s group', (t) => {
  const s = store()
  s.putImmutable('i', rec('i'), '10.0.0.1')
  s.putImmutable('i', rec('i'), '10.0.1.1')
  t.is(s.stats.sources, 1)
  t.is(s.stats.bytes, rec('i').byteLength + ENTRY_OVERHEAD_BYTES)
})

test('stats: bytes are values plus per-entry overhead; clear empties everything', (t) => {
  const s = store()
  s.addRecord('t', 'a', Buffer.alloc(51), '10.0.0.1')
  s.putMutable('m', Buffer.alloc(100), 1, '10.0.1.1')
  s.putImmutable('i', Buffer.alloc(10), '10.0.2.1')
  t.alike(
    { ...s.stats },
    {
      records: 1,
      topics: 1,
      mutables: 1,
      immutables: 1,
      bytes: 161 + 3 * ENTRY_OVERHEAD_BYTES,
      sources: 3,
      expired: 0,
      evicted: { maxSize: 0, topicCap: 0, sourceQuota: 0, budget: 0 }
    }
  )
  s.clear()
  t.is(s.stats.records + s.stats.mutables + s.stats.immutables + s.stats.bytes, 0)
  t.is(s.getMutable('m'), null)
})
