// Tests for keyPair: seeded vectors, random pairs and misuse.

import test from 'brittle'
import { CryptoError, keyPair, sign, verify } from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { NamespacesFile, SignaturesFile } from './helpers/vectors.js'

const ns = loadVector<NamespacesFile>('namespaces-and-hashes.json')
const sigs = loadVector<SignaturesFile>('signatures.json')

const SEEDED = [
  { name: 'namespaces keypair_from_seed', ...ns.keypair_from_seed },
  { name: 'signatures announce_keypair', ...sigs.announce_keypair, secretKey_hex: undefined },
  { name: 'signatures mutable_keypair', ...sigs.mutable_keypair }
]

test('key pairs from the vector seeds', (t) => {
  t.is(SEEDED.length, 3)
  for (const v of SEEDED) {
    const kp = keyPair(fromHex(v.seed_hex))
    t.is(toHex(kp.publicKey), v.publicKey_hex, `${v.name} publicKey`)
    const expectedSecret = v.secretKey_hex ?? v.seed_hex + v.publicKey_hex
    t.is(toHex(kp.secretKey), expectedSecret, `${v.name} secretKey = seed || publicKey`)
  }
})

test('accepts a plain Uint8Array seed and returns Buffers with their own memory', (t) => {
  const seed = new Uint8Array(32).fill(1)
  const kp = keyPair(seed)
  t.is(toHex(kp.publicKey), ns.keypair_from_seed.publicKey_hex)
  t.ok(Buffer.isBuffer(kp.publicKey))
  t.ok(Buffer.isBuffer(kp.secretKey))
  t.is(kp.publicKey.buffer.byteLength, 32, 'publicKey does not sit in a shared slab')
  t.is(kp.secretKey.buffer.byteLength, 64, 'secretKey does not sit in a shared slab')
})

test('random key pairs are distinct, well-formed and usable', (t) => {
  const a = keyPair()
  const b = keyPair(null)
  t.is(a.publicKey.byteLength, 32)
  t.is(a.secretKey.byteLength, 64)
  t.unlike(a.publicKey, b.publicKey)
  t.alike(a.secretKey.subarray(32), a.publicKey, 'secretKey ends with publicKey')
  t.alike(keyPair(a.secretKey.subarray(0, 32)).publicKey, a.publicKey, 'seed half rederives it')
  const msg = Buffer.from('hello')
  t.ok(verify(msg, sign(msg, a.secretKey), a.publicKey))
})

test('a seed of the wrong length or type throws INVALID_SEED / INVALID_ARGUMENT', (t) => {
  for (const len of [0, 1, 31, 33, 64]) {
    t.exception(() => keyPair(new Uint8Array(len)), /INVALID_SEED/, `${len}-byte seed`)
  }
  t.exception(() => keyPair('seed' as unknown as Uint8Array), /INVALID_ARGUMENT/)
  try {
    keyPair(new Uint8Array(5))
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof CryptoError)
    t.is((err as CryptoError).code, 'INVALID_SEED')
  }
})
