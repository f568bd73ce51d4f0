// Tests for announceSignable, unannounceSignable and mutableSignable against signatures.json.

import test from 'brittle'
import { NS, announceSignable, hash, mutableSignable, unannounceSignable } from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { AnnounceVector, SignaturesFile } from './helpers/vectors.js'

const v = loadVector<SignaturesFile>('signatures.json')

// the three announce-style cases and the builder each one uses
const ANNOUNCE_CASES: [string, AnnounceVector, typeof announceSignable][] = [
  ['announce', v.announce, announceSignable],
  ['announce_with_refresh', v.announce_with_refresh, announceSignable],
  ['unannounce', v.unannounce, unannounceSignable]
]

function refreshOf(c: AnnounceVector): Buffer | null {
  return c.refresh_hex === '' ? null : fromHex(c.refresh_hex)
}

test('announce-style signables and inner hashes', (t) => {
  for (const [name, c, build] of ANNOUNCE_CASES) {
    const s = build(
      fromHex(c.target_hex),
      fromHex(c.node_id_hex),
      fromHex(c.token_hex),
      fromHex(c.peer_encoding_hex),
      refreshOf(c)
    )
    t.is(s.byteLength, 64, `${name} length`)
    t.ok(Buffer.isBuffer(s))
    t.is(toHex(s), c.signable_hex, `${name} signable`)
    t.is(toHex(s.subarray(32)), c.inner_hash_hex, `${name} inner hash`)
    const concat = Buffer.concat([
      fromHex(c.target_hex),
      fromHex(c.node_id_hex),
      fromHex(c.token_hex),
      fromHex(c.peer_encoding_hex),
      fromHex(c.refresh_hex)
    ])
    t.is(toHex(hash(concat)), c.inner_hash_hex, `${name} inner hash = H(concatenation)`)
  }
})

test('announce and unannounce use their own namespace', (t) => {
  const c = v.unannounce
  const args = [
    fromHex(c.target_hex),
    fromHex(c.node_id_hex),
    fromHex(c.token_hex),
    fromHex(c.peer_encoding_hex),
    null
  ] as const
  const ann = announceSignable(...args)
  const unann = unannounceSignable(...args)
  t.alike(ann.subarray(0, 32), NS.ANNOUNCE)
  t.alike(unann.subarray(0, 32), NS.UNANNOUNCE)
  t.alike(ann.subarray(32), unann.subarray(32), 'same inner hash')
})

test('absent refresh: null, undefined and empty are the same', (t) => {
  const c = v.announce
  const base = [
    fromHex(c.target_hex),
    fromHex(c.node_id_hex),
    fromHex(c.token_hex),
    fromHex(c.peer_encoding_hex)
  ] as const
  t.is(toHex(announceSignable(...base)), c.signable_hex, 'omitted')
  t.is(toHex(announceSignable(...base, undefined)), c.signable_hex, 'undefined')
  t.is(toHex(announceSignable(...base, new Uint8Array(0))), c.signable_hex, 'empty')
})

test('mutable signables for every vector case', (t) => {
  t.is(v.mutable.length, 3)
  for (const c of v.mutable) {
    const encoded = fromHex(c.mutableSignable_hex)
    const s = mutableSignable(encoded)
    t.is(toHex(s), c.signable_hex, `seq ${c.seq} signable`)
    t.is(toHex(s.subarray(32)), c.inner_hash_hex, `seq ${c.seq} inner hash`)
    t.alike(s.subarray(0, 32), NS.MUTABLE_PUT, `seq ${c.seq} namespace`)
    t.ok(c.mutableSignable_hex.endsWith(c.value_hex), `seq ${c.seq} encoding ends with the value`)
  }
})

test('signable misuse throws CryptoError', (t) => {
  const z = Buffer.alloc(32)
  const peer = Buffer.alloc(33)
  const bad: [string, () => unknown, RegExp][] = [
    ['31-byte target', () => announceSignable(z.subarray(1), z, z, peer, null), /INVALID_LENGTH/],
    [
      '33-byte node id',
      () => announceSignable(z, Buffer.alloc(33), z, peer, null),
      /INVALID_LENGTH/
    ],
    ['0-byte token', () => unannounceSignable(z, z, Buffer.alloc(0), peer, null), /INVALID_LENGTH/],
    ['16-byte refresh', () => announceSignable(z, z, z, peer, Buffer.alloc(16)), /INVALID_LENGTH/],
    [
      'string peer',
      () => announceSignable(z, z, z, 'p' as unknown as Uint8Array, null),
      /INVALID_ARGUMENT/
    ],
    [
      'string refresh',
      () => announceSignable(z, z, z, peer, 'r' as unknown as Uint8Array),
      /INVALID_ARGUMENT/
    ],
    ['mutable string', () => mutableSignable('x' as unknown as Uint8Array), /INVALID_ARGUMENT/]
  ]
  for (const [name, fn, code] of bad) t.exception(fn, code, name)
})
