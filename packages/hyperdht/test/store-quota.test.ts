// SourceQuota units: the heaviest group and per-group oldest entry, checked against a brute force.

import test from 'brittle'
import { SourceQuota, type QuotaCharge } from '../src/store-quota.js'

// deterministic xorshift, so the sequence of operations is the same on every run
function prng(seed: number): () => number {
  let x = seed
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

test('quota: charge, release, heaviest and oldest', (t) => {
  const q = new SourceQuota<string>()
  const a1 = q.charge('a', 10, 'a1')
  q.charge('a', 10, 'a2')
  q.charge('b', 15, 'b1')
  t.is(q.heaviest()?.key, 'a')
  t.is(q.oldestOf('a'), 'a1')
  t.is(q.total, 35)
  q.release(a1)
  q.release(a1)
  t.is(q.total, 25, 'releasing twice is a no-op')
  t.is(q.heaviest()?.key, 'b')
  t.is(q.oldestOf('a'), 'a2')
  t.is(q.bytesOf('a'), 10)
  t.is(q.size, 2)
  q.clear()
  t.is(q.heaviest(), null)
  t.is(q.oldestOf('a'), null)
  t.is(q.total, 0)
})

test('quota: the heap agrees with a brute force over 5000 random operations', (t) => {
  const random = prng(0x9e3779b9)
  const q = new SourceQuota<number>()
  const live: QuotaCharge<number>[] = []
  const bytes = new Map<string, number>()
  let mismatches = 0
  for (let i = 0; i < 5000; i++) {
    if (live.length > 0 && random() < 0.45) {
      const j = Math.floor(random() * live.length)
      const c = live[j] as QuotaCharge<number>
      live[j] = live[live.length - 1] as QuotaCharge<number>
      live.pop()
      q.release(c)
      bytes.set(c.group.key, (bytes.get(c.group.key) ?? 0) - c.bytes)
    } else {
      const key = `g${Math.floor(random() * 40)}`
      const n = 1 + Math.floor(random() * 500)
      live.push(q.charge(key, n, i))
      bytes.set(key, (bytes.get(key) ?? 0) + n)
    }
    let max = 0
    for (const v of bytes.values()) max = Math.max(max, v)
    if ((q.heaviest()?.bytes ?? 0) !== max) mismatches++
  }
  t.is(mismatches, 0)
  t.is(q.size, [...bytes.values()].filter((v) => v > 0).length, 'empty groups are forgotten')
})
