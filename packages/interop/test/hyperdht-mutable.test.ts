// Interop: mutablePut / mutableGet between @keymesh/hyperdht and the real hyperdht 6.33.0 on real
// nodes (testnet.js's shape), a keymesh testnet and two mixed networks. Records put by one kind are
// read by the other; both sign exactly the spec's bytes; seq updates, stale and reused seqs, nodes
// that disagree and refreshes behave the same on every storing node of either kind; keymesh's size
// limit holds on both sides (the client refuses before sending, its nodes stay silent).

import { createRequire } from 'node:module'
import { MAX_MUTABLE_VALUE_BYTES } from '@keymesh/hyperdht'
import test from 'brittle'
import {
  HYPERDHT_COMMANDS,
  HYPER_NETWORK_KINDS,
  RealHyperDHT,
  SEQ_REUSED,
  SEQ_TOO_LOW,
  asKeymesh,
  askEach,
  commitEach,
  createHyperNetwork,
  hyperImpls,
  memberName,
  replyInfoProblems
} from '../src/hyperdht-network.js'
import type {
  CommitEachOptions,
  HyperMember,
  HyperNetwork,
  KeyPair
} from '../src/hyperdht-network.js'
import { label, withTimeout } from '../src/index.js'
import type { T } from './helpers/brittle.js'
import { Prng, seedFrom } from './helpers/prng.js'

const OP_MS = 10_000
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0x3c4d)
const { MUTABLE_GET, MUTABLE_PUT } = HYPERDHT_COMMANDS
const WIDE_SEQ_EXTRA_BYTES = 8 // a uint64 seq takes 9 bytes instead of 1

test.configure({ timeout: 60_000 })

// --- the spec's bytes (docs/wire-protocol.md §4.2, §4.3.8, §4.6), independent of both packages

interface Sodium {
  crypto_generichash(out: Uint8Array, input: Uint8Array): void
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void
}

// hyperdht's own libsodium binding, resolved from hyperdht's location (not declared here)
const requireHere = createRequire(import.meta.url)
const sodium = createRequire(requireHere.resolve('hyperdht'))('sodium-universal') as Sodium

function blake2b(...parts: Uint8Array[]): Buffer {
  const out = Buffer.alloc(32)
  sodium.crypto_generichash(out, Buffer.concat(parts))
  return out
}

/** compact-encoding `uint`. */
function uint(n: number): Buffer {
  if (n <= 0xfc) return Buffer.from([n])
  if (n <= 0xffff) return Buffer.concat([Buffer.from([0xfd]), le(n, 2)])
  if (n <= 0xffffffff) return Buffer.concat([Buffer.from([0xfe]), le(n, 4)])
  return Buffer.concat([Buffer.from([0xff]), le(n % 2 ** 32, 4), le(Math.floor(n / 2 ** 32), 4)])
}

function le(n: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes)
  out.writeUIntLE(n, 0, bytes)
  return out
}

/** compact-encoding `buffer`: uint length, then the bytes. */
function buffer(bytes: Uint8Array): Buffer {
  return Buffer.concat([uint(bytes.byteLength), bytes])
}

const NS_MUTABLE_PUT = blake2b(blake2b(Buffer.from('hyperswarm/dht')), Buffer.from([6]))

/** Ed25519 over `NS_MUTABLE_PUT || H(uint(seq) || buffer(value))` (§4.6). */
function specSignature(keyPair: KeyPair, seq: number, value: Uint8Array): Buffer {
  const signable = Buffer.concat([NS_MUTABLE_PUT, blake2b(uint(seq), buffer(value))])
  const signature = Buffer.alloc(64)
  sodium.crypto_sign_detached(signature, signable, keyPair.secretKey)
  return signature
}

/** `mutableGetResponse`: what a node stores and answers MUTABLE_GET with. */
function storedBytes(keyPair: KeyPair, seq: number, value: Uint8Array): Buffer {
  return Buffer.concat([uint(seq), buffer(value), specSignature(keyPair, seq, value)])
}

/** `mutablePutRequest`: the MUTABLE_PUT value. */
function putRequestBytes(keyPair: KeyPair, seq: number, value: Uint8Array): Buffer {
  return Buffer.concat([keyPair.publicKey, storedBytes(keyPair, seq, value)])
}

// --- helpers

function ports(nodes: readonly { port: number }[]): number[] {
  return nodes.map((n) => n.port).sort((a, b) => a - b)
}

/** Storing nodes whose MUTABLE_GET (seq 0) answer is not exactly `expected` (or `expectedOf`). */
async function notHolding(
  net: HyperNetwork,
  reader: HyperMember,
  publicKey: Buffer,
  expected: Buffer,
  expectedOf: (member: HyperMember) => Buffer = () => expected
): Promise<string[]> {
  const request = { command: MUTABLE_GET, target: RealHyperDHT.hash(publicKey), value: uint(0) }
  const held = await askEach(net, reader, request, OP_MS)
  const wrong = held.filter((h) => !expectedOf(h.member).equals(h.reply.value ?? Buffer.alloc(0)))
  return wrong.map((h) => memberName(h.member))
}

/** A MUTABLE_PUT of `signed` sent by hand through `client` (see commitEach), per storing node. */
async function rawPut(
  net: HyperNetwork,
  client: HyperMember,
  publicKey: Buffer,
  signed: Buffer,
  opts: Omit<CommitEachOptions, 'ms'> = {}
): Promise<string[]> {
  const query = { command: MUTABLE_GET, target: RealHyperDHT.hash(publicKey), value: uint(0) }
  const commit = { command: MUTABLE_PUT, value: signed }
  const outcomes = await commitEach(net, client, query, commit, { ...opts, ms: OP_MS })
  return outcomes.map((o) => o.outcome)
}

const STORED = 'error 0, token true, value false' // a node's answer to a put it stored (§4.5)

async function refusal(
  promise: Promise<unknown>
): Promise<{ code?: unknown; name?: unknown; refused?: { code: string }[] } | null> {
  try {
    await promise
    return null
  } catch (err) {
    return err as { code?: unknown; name?: unknown; refused?: { code: string }[] }
  }
}

/** Put by `writer`, check the result, every node's bytes, and `reader`'s gets. */
async function roundTrip(
  t: T,
  net: HyperNetwork,
  writer: HyperMember,
  reader: HyperMember,
  value: Buffer,
  seq: number
): Promise<KeyPair> {
  const dir = `${label(writer.impl)} → ${label(reader.impl)}, seq ${seq}, ${value.byteLength} bytes`
  const seed = prng.bytes(32)
  const keyPair = RealHyperDHT.keyPair(seed)
  t.alike(hyperImpls.keymesh.keyPair(seed), keyPair, `${dir}: both kinds derive the same key pair`)
  const { publicKey } = keyPair
  const opts = seq === 0 ? {} : { seq }
  const put = await withTimeout(writer.node.mutablePut(keyPair, value, opts), OP_MS, `${dir}: put`)
  t.alike(put.publicKey, publicKey, `${dir}: put.publicKey`)
  t.is(put.seq, seq, `${dir}: put.seq`)
  t.alike(put.signature, specSignature(keyPair, seq, value), `${dir}: signature = the spec's`)
  t.alike(ports(put.closestNodes), ports(net.storing), `${dir}: closestNodes = the storing nodes`)
  const keys = Object.keys(put)
  const shared = ['closestNodes', 'publicKey', 'seq', 'signature']
  t.ok(
    shared.every((k) => keys.includes(k)),
    `${dir}: result has hyperdht's fields`
  )
  if (asKeymesh(writer.node) !== null) {
    const extras = put as { stored?: number; refused?: unknown[] }
    t.is(extras.stored, net.storing.length, `${dir}: keymesh reports every node stored it`)
    t.alike(extras.refused, [], `${dir}: keymesh reports no refusal`)
  }

  const expected = storedBytes(keyPair, seq, value)
  t.alike(await notHolding(net, reader, publicKey, expected), [], `${dir}: every node stores it`)
  const target = RealHyperDHT.hash(publicKey)
  const higher = await askEach(
    net,
    reader,
    { command: MUTABLE_GET, target, value: uint(seq + 1) },
    OP_MS
  )
  const answered = higher.filter((h) => h.reply.value !== null).map((h) => memberName(h.member))
  t.alike(answered, [], `${dir}: no node answers a request for seq ${seq + 1}`)

  const got = await withTimeout(reader.node.mutableGet(publicKey), OP_MS, `${dir}: get`)
  if (got === null) {
    t.fail(`${dir}: mutableGet found nothing`)
    return keyPair
  }
  t.is(got.seq, seq, `${dir}: get.seq`)
  t.alike(got.value, value, `${dir}: get.value`)
  t.alike(got.signature, put.signature, `${dir}: get.signature`)
  const shape = ['from', 'seq', 'signature', 'to', 'token', 'value']
  t.alike(Object.keys(got).sort(), shape, `${dir}: result shape`)
  t.alike(replyInfoProblems(net, reader, got), [], `${dir}: token, from and to`)
  const first = await withTimeout(
    reader.node.mutableGet(publicKey, { latest: false }),
    OP_MS,
    'get'
  )
  t.is(first?.seq, seq, `${dir}: get { latest: false }`)
  const above = await withTimeout(reader.node.mutableGet(publicKey, { seq: seq + 1 }), OP_MS, 'get')
  t.is(above, null, `${dir}: get { seq: ${seq + 1} } is null`)
  return keyPair
}

for (const kind of HYPER_NETWORK_KINDS) {
  test(`mutable: put by one kind, get by the other, identical bytes everywhere (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    t.comment(`storing nodes: ${net.storing.map(memberName).join(', ')}`)
    for (const [writer, reader] of net.directions()) {
      const value = Buffer.concat([Buffer.from(`mutable from ${writer.impl} `), prng.bytes(16)])
      const keyPair = await roundTrip(t, net, writer, reader, value, 1)
      // re-putting the identical (seq, value) is accepted, and signed identically
      const dir = `${label(reader.impl)} re-put`
      const again = await withTimeout(
        reader.node.mutablePut(keyPair, value, { seq: 1 }),
        OP_MS,
        dir
      )
      t.alike(again.signature, specSignature(keyPair, 1, value), `${dir}: same signature`)
      if (asKeymesh(reader.node) !== null) {
        const stored = (again as { stored?: number }).stored
        t.is(stored, net.storing.length, `${dir}: every node accepts the identical record`)
      }
    }
    for (const impl of ['keymesh', 'real'] as const) {
      const got = await withTimeout(net.client(impl).node.mutableGet(prng.bytes(32)), OP_MS, 'get')
      t.is(got, null, `${label(impl)}: mutableGet of an unknown key is null`)
    }
  })

  test(`mutable: seq updates across kinds; stale and reused seqs refused by every node (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    for (const [a, b] of net.directions()) {
      const dir = `seq 1 by ${label(a.impl)}, seq 2 by ${label(b.impl)}`
      const keyPair = RealHyperDHT.keyPair(prng.bytes(32))
      const { publicKey } = keyPair
      const [v1, v2, v3] = [1, 2, 3].map((i) => Buffer.from(`value ${i} by ${dir}`)) as [
        Buffer,
        Buffer,
        Buffer
      ]
      await withTimeout(a.node.mutablePut(keyPair, v1, { seq: 1 }), OP_MS, `${dir}: put 1`)
      await withTimeout(b.node.mutablePut(keyPair, v2, { seq: 2 }), OP_MS, `${dir}: put 2`)
      for (const c of [a, b]) {
        const got = await withTimeout(c.node.mutableGet(publicKey, { latest: true }), OP_MS, 'get')
        t.is(got?.seq, 2, `${dir}: ${label(c.impl)} gets seq 2`)
        t.alike(got?.value, v2, `${dir}: ${label(c.impl)} gets value 2`)
      }
      const current = storedBytes(keyPair, 2, v2)
      t.alike(await notHolding(net, a, publicKey, current), [], `${dir}: every node holds seq 2`)

      for (const [seq, value, code, error] of [
        [1, v3, 'SEQ_TOO_LOW', SEQ_TOO_LOW],
        [2, v3, 'SEQ_REUSED', SEQ_REUSED]
      ] as const) {
        const what = `${dir}: seq ${seq} with another value`
        for (const c of [a, b]) {
          const put = c.node.mutablePut(keyPair, value, { seq })
          const err = await withTimeout(refusal(put), OP_MS, `${what}: put`)
          if (asKeymesh(c.node) === null) {
            t.is(err, null, `${what}: the real mutablePut resolves (it reports nothing)`)
            continue
          }
          t.is(err?.code, code, `${what}: keymesh rejects with ${code}`)
          t.is(err?.name, 'DHTError', `${what}: err.name`)
          const codes = (err?.refused ?? []).map((r) => r.code)
          t.alike(
            codes,
            net.storing.map(() => code),
            `${what}: every node refused with ${code}`
          )
        }
        for (const c of [a, b]) {
          const outcomes = await rawPut(net, c, publicKey, putRequestBytes(keyPair, seq, value))
          const expected = net.storing.map(() => `error ${error}, token false, value false`)
          t.alike(outcomes, expected, `${what}: every node answers ${label(c.impl)} ${code}`)
        }
        t.alike(await notHolding(net, b, publicKey, current), [], `${what}: nodes keep seq 2`)
      }
      const outcomes = await rawPut(net, a, publicKey, putRequestBytes(keyPair, 3, v3))
      const expected = net.storing.map(() => STORED)
      t.alike(outcomes, expected, `${dir}: a raw put of seq 3 is accepted by every node`)
      const got = await withTimeout(b.node.mutableGet(publicKey), OP_MS, `${dir}: get`)
      t.is(got?.seq, 3, `${dir}: ${label(b.impl)} gets seq 3`)
    }
  })

  test(`mutable: nodes that disagree: latest gets the highest seq, partial refusals, refresh (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    // about half the storing nodes, of both kinds in the mixed networks (they alternate there)
    const ahead = new Set(net.storing.filter((_, i) => i % 4 < 2).map((m) => m.port))
    const behind = net.storing.length - ahead.size
    for (const [a, b] of net.directions()) {
      const dir = `seq 1 by ${label(a.impl)}, seq 2 on ${ahead.size} nodes by ${label(b.impl)}`
      const keyPair = RealHyperDHT.keyPair(prng.bytes(32))
      const { publicKey } = keyPair
      const [v1, v2] = [Buffer.from(`one: ${dir}`), Buffer.from(`two: ${dir}`)]
      await withTimeout(a.node.mutablePut(keyPair, v1, { seq: 1 }), OP_MS, `${dir}: put 1`)
      const to = (m: HyperMember): boolean => ahead.has(m.port)
      const outcomes = await rawPut(net, b, publicKey, putRequestBytes(keyPair, 2, v2), { to })
      const sent = net.storing.map((m) => (to(m) ? STORED : 'not sent'))
      t.alike(outcomes, sent, `${dir}: seq 2 stored by ${ahead.size} nodes`)
      const [one, two] = [storedBytes(keyPair, 1, v1), storedBytes(keyPair, 2, v2)]
      const expectedOf = (m: HyperMember): Buffer => (ahead.has(m.port) ? two : one)
      const wrong = await notHolding(net, a, publicKey, one, expectedOf)
      t.alike(wrong, [], `${dir}: the nodes disagree as intended`)

      for (const c of [a, b]) {
        const latest = await withTimeout(c.node.mutableGet(publicKey), OP_MS, 'get')
        t.is(latest?.seq, 2, `${dir}: ${label(c.impl)} latest get finds seq 2`)
        t.alike(latest?.value, v2, `${dir}: ${label(c.impl)} latest get finds value 2`)
        const min2 = await withTimeout(c.node.mutableGet(publicKey, { seq: 2 }), OP_MS, 'get')
        t.alike(min2?.value, v2, `${dir}: ${label(c.impl)} get { seq: 2 } finds value 2`)
        const first = await withTimeout(
          c.node.mutableGet(publicKey, { latest: false }),
          OP_MS,
          'get'
        )
        const valid = (first?.seq === 1 && first.value.equals(v1)) || first?.seq === 2
        t.ok(valid, `${dir}: ${label(c.impl)} get { latest: false } finds seq ${first?.seq}`)
      }

      // the identical seq 1 again: the nodes behind accept it, the nodes ahead refuse it
      for (const c of [a, b]) {
        const put = c.node.mutablePut(keyPair, v1, { seq: 1 })
        const result = await withTimeout(put, OP_MS, `${dir}: put 1 again`)
        if (asKeymesh(c.node) === null) continue
        const extras = result as { stored?: number; refused?: { code: string }[] }
        t.is(extras.stored, behind, `${dir}: keymesh: ${behind} nodes stored it again`)
        const codes = (extras.refused ?? []).map((r) => r.code)
        t.alike(
          codes,
          [...ahead].map(() => 'SEQ_TOO_LOW'),
          `${dir}: keymesh: the rest refused`
        )
      }
      t.alike(await notHolding(net, b, publicKey, one, expectedOf), [], `${dir}: nothing changed`)

      // a get with refresh re-puts what it found to the closest nodes: now all agree on seq 2
      let offered: number | null = null
      const refresh = (result: { seq: number }): boolean => {
        offered = result.seq
        return true
      }
      const got = await withTimeout(b.node.mutableGet(publicKey, { refresh }), OP_MS, 'refresh')
      t.is(got?.seq, 2, `${dir}: ${label(b.impl)} get { refresh } finds seq 2`)
      t.is(offered, 2, `${dir}: ${label(b.impl)} offers seq 2 for refreshing`)
      t.alike(await notHolding(net, a, publicKey, two), [], `${dir}: refreshed onto every node`)
    }
  })

  test(`mutable: empty and the largest values round-trip, larger ones are refused by keymesh before sending (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    // MAX_MUTABLE_VALUE_BYTES holds for a one-byte seq; the widest seq (uint64) takes 8 bytes more
    const [narrow, wide] = [
      { seq: 0, max: MAX_MUTABLE_VALUE_BYTES },
      { seq: 2 ** 40, max: MAX_MUTABLE_VALUE_BYTES - WIDE_SEQ_EXTRA_BYTES }
    ]
    // an empty value is stored and read back like any other (§4.5)
    for (const { seq, size } of [
      { seq: 1, size: 0 },
      ...[narrow, wide].map((w) => ({ seq: w.seq, size: w.max }))
    ]) {
      for (const [writer, reader] of net.directions()) {
        await roundTrip(t, net, writer, reader, prng.bytes(size), seq)
      }
    }

    const km = asKeymesh(net.client('keymesh').node)
    if (km === null) return void t.comment('sanity mode: no keymesh client')
    const before = km.stats.requests.total
    for (const { seq, max } of [narrow, wide]) {
      const keyPair = RealHyperDHT.keyPair(prng.bytes(32))
      const err = await refusal(km.mutablePut(keyPair, prng.bytes(max + 1), { seq }))
      const what = `seq ${seq}, ${max + 1} bytes`
      t.is(err?.code, 'VALUE_TOO_LARGE', `${what}: mutablePut rejects with VALUE_TOO_LARGE`)
      t.is(err?.name, 'DHTError', `${what}: err.name`)
    }
    t.is(km.stats.requests.total, before, 'nothing was sent')
  })

  test(`mutable: records keymesh would refuse to send: real nodes store them, keymesh nodes stay silent (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    const real = net.client('real')
    const seq = 2 ** 40
    const value = prng.bytes(MAX_MUTABLE_VALUE_BYTES) // 8 bytes over keymesh's bound at this seq
    const keyPair = RealHyperDHT.keyPair(prng.bytes(32))
    const signed = putRequestBytes(keyPair, seq, value)
    // one attempt per node: a silent node then costs one second instead of four
    const outcomes = await rawPut(net, real, keyPair.publicKey, signed, { retry: false })
    const isKeymesh = (m: HyperMember): boolean => asKeymesh(m.node) !== null
    const expected = net.storing.map((m) => (isKeymesh(m) ? 'REQUEST_TIMEOUT' : STORED))
    // documented difference (persistent.ts `onmutableput`): keymesh drops a record whose
    // worst-case MUTABLE_GET reply would exceed 2048 bytes; hyperdht stores it
    t.alike(outcomes, expected, 'real nodes store it, keymesh nodes do not answer')
    const record = storedBytes(keyPair, seq, value)
    const expectedOf = (m: HyperMember): Buffer => (isKeymesh(m) ? Buffer.alloc(0) : record)
    const wrong = await notHolding(net, real, keyPair.publicKey, record, expectedOf)
    t.alike(wrong, [], 'only the real nodes hold it')
    const anyReal = net.storing.some((m) => !isKeymesh(m))
    for (const impl of ['keymesh', 'real'] as const) {
      const got = await withTimeout(
        net.client(impl).node.mutableGet(keyPair.publicKey),
        OP_MS,
        'get'
      )
      const what = `${label(impl)} mutableGet`
      if (anyReal) t.alike(got?.value, value, `${what} reads it from the real nodes`)
      else t.is(got, null, `${what} finds nothing`)
    }
  })
}
