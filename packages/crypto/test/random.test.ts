// Tests for randomBytes.

import test from 'brittle'
import { randomBytes } from '../src/index.js'

test('randomBytes returns n fresh bytes', (t) => {
  for (const n of [0, 1, 32, 1000]) {
    const b = randomBytes(n)
    t.ok(Buffer.isBuffer(b))
    t.is(b.byteLength, n)
  }
  t.unlike(randomBytes(32), randomBytes(32), 'two draws differ')
  t.unlike(randomBytes(32), Buffer.alloc(32), 'not all zero')
})

test('randomBytes rejects a bad count', (t) => {
  for (const n of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
    t.exception(() => randomBytes(n), /INVALID_ARGUMENT/, String(n))
  }
  t.exception(() => randomBytes('4' as unknown as number), /INVALID_ARGUMENT/)
})
