// Tests for holepunchToken against holepunch-payloads.json.

import test from 'brittle'
import { holepunchToken } from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { HolepunchFile } from './helpers/vectors.js'

const v = loadVector<HolepunchFile>('holepunch-payloads.json')
const SECRET = fromHex(v.local_secret_hex)

test('every token example', (t) => {
  t.is(v.token_examples.length, 2)
  for (const c of v.token_examples) {
    const token = holepunchToken(SECRET, c.host)
    t.is(toHex(token), c.token_hex, c.host)
    t.ok(Buffer.isBuffer(token))
  }
})

test('secret and host both matter', (t) => {
  const other = Buffer.from(SECRET)
  other[0] = (other[0] ?? 0) ^ 1
  t.unlike(holepunchToken(other, '203.0.113.9'), holepunchToken(SECRET, '203.0.113.9'))
  t.unlike(holepunchToken(SECRET, '203.0.113.8'), holepunchToken(SECRET, '203.0.113.9'))
})

test('misuse throws CryptoError', (t) => {
  t.exception(() => holepunchToken(SECRET.subarray(1), '1.2.3.4'), /INVALID_KEY_LENGTH/)
  t.exception(() => holepunchToken(Buffer.alloc(64), '1.2.3.4'), /INVALID_KEY_LENGTH/)
  t.exception(() => holepunchToken(SECRET, 4 as unknown as string), /INVALID_ARGUMENT/)
  t.exception(() => holepunchToken('s' as unknown as Uint8Array, '1.2.3.4'), /INVALID_ARGUMENT/)
})
