// Tests for namespace() and the NS / NS_SECRET_STREAM constants against the vectors.

import test from 'brittle'
import {
  DHT_NAMESPACE_NAME,
  NS,
  NS_SECRET_STREAM,
  SECRET_STREAM_NAMESPACE_NAME,
  announceSignable,
  namespace
} from '../src/index.js'
import { loadVector, toHex } from './helpers/vectors.js'
import type { NamespacesFile } from './helpers/vectors.js'

const v = loadVector<NamespacesFile>('namespaces-and-hashes.json')

const FAMILIES = [
  {
    file: v.hyperswarm_dht,
    name: DHT_NAMESPACE_NAME,
    constants: NS as unknown as Record<string, Buffer>
  },
  {
    file: v.hyperswarm_secret_stream,
    name: SECRET_STREAM_NAMESPACE_NAME,
    constants: NS_SECRET_STREAM as unknown as Record<string, Buffer>
  }
]

test('constants match every namespace in the vector file, and nothing else', (t) => {
  for (const { file, name, constants } of FAMILIES) {
    t.is(name, file.name)
    const entries = Object.entries(file.namespaces)
    t.ok(entries.length >= 3, `${name} has entries`)
    t.alike(Object.keys(constants).sort(), entries.map(([k]) => k).sort(), `${name} key set`)
    for (const [key, ns] of entries) {
      const value = constants[key]
      t.ok(value !== undefined && Buffer.isBuffer(value), `${key} is a Buffer`)
      t.is(value ? toHex(value) : '', ns.hex, `${name} ${key}`)
    }
  }
})

test('namespace(name, ids) reproduces every vector in one call', (t) => {
  for (const { file } of FAMILIES) {
    const entries = Object.entries(file.namespaces)
    const out = namespace(
      file.name,
      entries.map(([, ns]) => ns.id_byte)
    )
    t.is(out.length, entries.length)
    entries.forEach(([key, ns], i) => t.is(toHex(out[i] ?? Buffer.alloc(0)), ns.hex, key))
  }
})

test('namespace: empty ids, order, independence of outputs', (t) => {
  t.alike(namespace('x', []), [])
  const [a, b] = namespace('x', [1, 2])
  const [b2, a2] = namespace('x', [2, 1])
  t.alike(a, a2)
  t.alike(b, b2)
  t.unlike(a, b)
  t.unlike(namespace('y', [1])[0], a, 'name matters')
  t.not(a?.buffer, b?.buffer, 'each output has its own memory')
})

test('constants are frozen and writing into them does not change signables', (t) => {
  t.ok(Object.isFrozen(NS))
  t.ok(Object.isFrozen(NS_SECRET_STREAM))
  t.exception.all(() => {
    ;(NS as unknown as Record<string, unknown>)['ANNOUNCE'] = null
  }, 'cannot replace a constant (strict mode)')
  const z = Buffer.alloc(32)
  const before = announceSignable(z, z, z, z, null)
  const saved = Buffer.from(NS.ANNOUNCE)
  NS.ANNOUNCE.fill(0)
  try {
    t.alike(announceSignable(z, z, z, z, null), before, 'internal copy unaffected')
  } finally {
    saved.copy(NS.ANNOUNCE)
  }
  t.is(toHex(NS.ANNOUNCE), v.hyperswarm_dht.namespaces['ANNOUNCE']?.hex)
})

test('namespace misuse throws INVALID_ARGUMENT', (t) => {
  const bad: [string, () => unknown][] = [
    ['id 256', () => namespace('x', [256])],
    ['id -1', () => namespace('x', [-1])],
    ['id 1.5', () => namespace('x', [1.5])],
    ['id NaN', () => namespace('x', [Number.NaN])],
    ['ids not array', () => namespace('x', 4 as unknown as number[])],
    ['name not string', () => namespace(4 as unknown as string, [1])]
  ]
  for (const [name, fn] of bad) t.exception(fn, /INVALID_ARGUMENT/, name)
})
