// Tests for hash, hash512 and keyedHash: vector targets, node:crypto cross-checks and misuse.

import test from 'brittle'
import { createHash } from 'node:crypto'
import { hash, hash512, keyedHash, randomBytes } from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { IdsAndTokensFile, NamespacesFile } from './helpers/vectors.js'

const ns = loadVector<NamespacesFile>('namespaces-and-hashes.json')
const ids = loadVector<IdsAndTokensFile>('dht-rpc-ids-and-tokens.json')

test('H vectors: name hashes, server target, topic, immutable target', (t) => {
  const cases: [string, Buffer, string][] = [
    ['H("hyperswarm/dht")', Buffer.from(ns.hyperswarm_dht.name), ns.hyperswarm_dht.name_hash_hex],
    [
      'H("hyperswarm/secret-stream")',
      Buffer.from(ns.hyperswarm_secret_stream.name),
      ns.hyperswarm_secret_stream.name_hash_hex
    ],
    ['server target', fromHex(ns.server_target.publicKey_hex), ns.server_target.target_hex],
    ['topic example', Buffer.from(ns.topic_example.input_utf8, 'utf8'), ns.topic_example.topic_hex],
    ['immutable target', fromHex(ns.immutable.value_hex), ns.immutable.target_hex],
    ['immutable value utf8', Buffer.from(ns.immutable.value_utf8, 'utf8'), ns.immutable.target_hex]
  ]
  for (const [name, input, expected] of cases) t.is(toHex(hash(input)), expected, name)
})

test('H over node-id inputs', (t) => {
  t.ok(ids.node_id.cases.length > 0)
  for (const c of ids.node_id.cases) {
    t.is(toHex(hash(fromHex(c.hash_input_hex))), c.id_hex, `${c.host}:${c.port}`)
  }
})

test('H_k reproduces the token vectors (host under secret0 and secret1)', (t) => {
  const { secrets, cases } = ids.token
  t.ok(cases.length > 0)
  for (const c of cases) {
    const host = Buffer.from(c.host)
    t.is(toHex(keyedHash(host, fromHex(secrets.secret0_hex))), c.with_secret0_hex, `${c.host} s0`)
    t.is(toHex(keyedHash(host, fromHex(secrets.secret1_hex))), c.with_secret1_hex, `${c.host} s1`)
  }
})

test('hash512 equals node:crypto blake2b512 and hash differs from a truncation of it', (t) => {
  for (const size of [0, 1, 63, 64, 65, 500]) {
    const data = randomBytes(size)
    const ours = hash512(data)
    t.is(ours.byteLength, 64)
    t.is(toHex(ours), createHash('blake2b512').update(data).digest('hex'), `${size} bytes`)
    t.not(toHex(hash(data)), toHex(ours.subarray(0, 32)), 'BLAKE2b-256 is not truncated -512')
  }
})

test('outputs are fresh Buffers', (t) => {
  const a = hash(Buffer.from('a'))
  t.ok(Buffer.isBuffer(a))
  t.is(a.buffer.byteLength, 32, 'own backing store')
  t.ok(Buffer.isBuffer(keyedHash(Buffer.from('a'), Buffer.alloc(16))))
  t.ok(Buffer.isBuffer(hash512(new Uint8Array(3))))
})

test('consecutive outputs never share memory', (t) => {
  const a = hash(Buffer.from('a'))
  const aHex = toHex(a)
  const b = hash(Buffer.from('b'))
  const k = keyedHash(Buffer.from('c'), Buffer.alloc(32, 1))
  const w = hash512(Buffer.from('d'))
  t.is(toHex(a), aHex, 'earlier output unchanged by later calls')
  t.unlike(a, b)
  t.not(a.buffer, b.buffer)
  t.not(k.buffer, w.buffer)
  a.fill(0)
  t.is(toHex(hash(Buffer.from('a'))), aHex, 'writing into an output does not affect later ones')
})

test('keyedHash key bounds and misuse', (t) => {
  const data = Buffer.from('x')
  t.is(keyedHash(data, Buffer.alloc(16)).byteLength, 32, '16-byte key ok')
  t.is(keyedHash(data, Buffer.alloc(64)).byteLength, 32, '64-byte key ok')
  t.unlike(
    keyedHash(data, Buffer.alloc(32, 1)),
    keyedHash(data, Buffer.alloc(32, 2)),
    'key matters'
  )
  t.unlike(keyedHash(data, Buffer.alloc(32, 1)), hash(data), 'keyed differs from unkeyed')
  for (const len of [0, 15, 65]) {
    t.exception(() => keyedHash(data, Buffer.alloc(len)), /INVALID_KEY_LENGTH/, `${len}-byte key`)
  }
  t.exception(() => keyedHash('x' as unknown as Uint8Array, Buffer.alloc(32)), /INVALID_ARGUMENT/)
  t.exception(() => keyedHash(data, 'k' as unknown as Uint8Array), /INVALID_ARGUMENT/)
  t.exception(() => hash('x' as unknown as Uint8Array), /INVALID_ARGUMENT/)
  t.exception(() => hash512(null as unknown as Uint8Array), /INVALID_ARGUMENT/)
})
