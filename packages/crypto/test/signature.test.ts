// Tests for sign and verify: round trips, tampering and malformed input.

import test from 'brittle'
import { keyPair, randomBytes, sign, verify } from '../src/index.js'

const kp = keyPair(Buffer.alloc(32, 7))
const other = keyPair(Buffer.alloc(32, 8))

test('sign/verify round trip for several message sizes', (t) => {
  for (const size of [0, 1, 32, 64, 1000]) {
    const msg = randomBytes(size)
    const sig = sign(msg, kp.secretKey)
    t.is(sig.byteLength, 64, `${size}: 64-byte signature`)
    t.ok(Buffer.isBuffer(sig))
    t.ok(verify(msg, sig, kp.publicKey), `${size}: verifies`)
    t.alike(sign(msg, kp.secretKey), sig, `${size}: deterministic`)
  }
})

test('plain Uint8Array inputs work', (t) => {
  const msg = new Uint8Array([1, 2, 3])
  const sig = sign(msg, new Uint8Array(kp.secretKey))
  t.ok(verify(msg, new Uint8Array(sig), new Uint8Array(kp.publicKey)))
})

test('tampered message, signature or key fails', (t) => {
  const msg = Buffer.from('the signed bytes')
  const sig = sign(msg, kp.secretKey)
  for (let i = 0; i < msg.byteLength; i++) {
    const bad = Buffer.from(msg)
    bad[i] = (bad[i] ?? 0) ^ 1
    t.absent(verify(bad, sig, kp.publicKey), `message byte ${i} flipped`)
  }
  for (const i of [0, 31, 32, 63]) {
    const bad = Buffer.from(sig)
    bad[i] = (bad[i] ?? 0) ^ 0x80
    t.absent(verify(msg, bad, kp.publicKey), `signature byte ${i} flipped`)
  }
  t.absent(verify(msg, sig, other.publicKey), 'other public key')
  t.absent(verify(Buffer.concat([msg, Buffer.alloc(1)]), sig, kp.publicKey), 'extended message')
})

test('verify returns false (never throws) on malformed input', (t) => {
  const msg = Buffer.from('x')
  const sig = sign(msg, kp.secretKey)
  const cases: [string, unknown, unknown, unknown][] = [
    ['63-byte signature', msg, sig.subarray(0, 63), kp.publicKey],
    ['65-byte signature', msg, Buffer.concat([sig, Buffer.alloc(1)]), kp.publicKey],
    ['empty signature', msg, Buffer.alloc(0), kp.publicKey],
    ['31-byte key', msg, sig, kp.publicKey.subarray(0, 31)],
    ['64-byte key', msg, sig, kp.secretKey],
    ['string message', 'x', sig, kp.publicKey],
    ['null signature', msg, null, kp.publicKey],
    ['undefined key', msg, sig, undefined]
  ]
  for (const [name, m, s, k] of cases) {
    let result: boolean | undefined
    t.execution(() => {
      result = verify(m as Uint8Array, s as Uint8Array, k as Uint8Array)
    }, `${name}: no throw`)
    t.is(result, false, `${name}: false`)
  }
})

test('sign misuse throws CryptoError', (t) => {
  t.exception(() => sign(Buffer.from('x'), kp.publicKey), /INVALID_KEY_LENGTH/, '32-byte key')
  t.exception(() => sign(Buffer.from('x'), Buffer.alloc(65)), /INVALID_KEY_LENGTH/, '65-byte key')
  t.exception(() => sign('x' as unknown as Uint8Array, kp.secretKey), /INVALID_ARGUMENT/)
  t.exception(() => sign(Buffer.from('x'), null as unknown as Uint8Array), /INVALID_ARGUMENT/)
})
