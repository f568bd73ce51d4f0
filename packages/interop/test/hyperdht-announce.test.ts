// Interop: announce / lookup / unannounce / findPeer between @keymesh/hyperdht and the real hyperdht
// 6.33.0 on real nodes (testnet.js's shape), a keymesh testnet and two mixed networks. Each kind
// sees what the other announced on every storing node (relay addresses cut to 3, bumps, 20 records
// per reply), unannounces by one kind remove the other's records, and self-announces (target
// H(publicKey)) answer findPeer.

import test from 'brittle'
import {
  HYPER_NETWORK_KINDS,
  RealHyperDHT,
  asKeymesh,
  collect,
  createHyperNetwork,
  memberName,
  replyInfoProblems
} from '../src/hyperdht-network.js'
import type {
  HyperMember,
  HyperNetwork,
  HyperStream,
  KeyPair,
  PeerRecord,
  RelayAddress,
  ReplyInfo
} from '../src/hyperdht-network.js'
import { hex, label, withTimeout } from '../src/index.js'
import { Prng, seedFrom } from './helpers/prng.js'

const OP_MS = 10_000
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0x5e6f)
const MAX_RELAYS = 3 // relay addresses a storing node keeps (§4.5)
const MAX_BUMP_DRIFT_MS = 60_000 // how far ahead a stored bump may lie (§4.5)
const MAX_LOOKUP_RECORDS = 20 // records one LOOKUP reply carries at most (§4.5)

test.configure({ timeout: 60_000 })

function keyPair(): KeyPair {
  return RealHyperDHT.keyPair(prng.bytes(32))
}

function relays(n: number): RelayAddress[] {
  return Array.from({ length: n }, () => ({
    host: `10.${prng.int(256)}.${prng.int(256)}.${1 + prng.int(254)}`,
    port: 1 + prng.int(65535)
  }))
}

/** A peer record as text, `<publicKey prefix>@host:port,...`, for readable diffs. */
function peerText(p: { publicKey: Uint8Array; relayAddresses: readonly RelayAddress[] }): string {
  const addrs = p.relayAddresses.map((a) => `${a.host}:${a.port}`).join(',')
  const keys = p.relayAddresses.every((a) => Object.keys(a).sort().join() === 'host,port')
  return `${hex(p.publicKey).slice(0, 16)}@${addrs}${keys ? '' : ' (extra fields)'}`
}

/** What a node should hold after `keyPair` announced `relayAddresses`. */
function stored(kp: KeyPair, relayAddresses: RelayAddress[]): string {
  return peerText({ publicKey: kp.publicKey, relayAddresses: relayAddresses.slice(0, MAX_RELAYS) })
}

async function announce(
  member: HyperMember,
  topic: Buffer,
  kp: KeyPair,
  relayAddresses: RelayAddress[],
  bump = 0
): Promise<HyperStream<unknown>> {
  const opts = bump === 0 ? {} : { bump }
  const stream = member.node.announce(topic, kp, relayAddresses, opts)
  await withTimeout(stream.finished(), OP_MS, `${label(member.impl)} announce`)
  return stream
}

/** The records a storing node should list (any order); `null`: some, not checked here. */
type Expectation = readonly string[] | null

/**
 * What is wrong with a lookup (or findPeer) by `reader`: every storing node must answer with the
 * expected records and `bump` (null: not checked); a node expected to list nothing must not
 * answer with records at all. `expected` may differ per node.
 */
function recordProblems(
  net: HyperNetwork,
  reader: HyperMember,
  replies: readonly (ReplyInfo & { peers: PeerRecord[]; bump?: number })[],
  expected: Expectation | ((member: HyperMember) => Expectation),
  bump: number | null
): string[] {
  const expectedOf = typeof expected === 'function' ? expected : () => expected
  const problems: string[] = []
  const seen = new Set<number>()
  for (const r of replies) {
    const member = net.at(r.from)
    const name = member === undefined ? `stranger ${r.from.port}` : memberName(member)
    if (seen.has(r.from.port)) problems.push(`${name}: answered twice`)
    seen.add(r.from.port)
    const want = member === undefined ? [] : expectedOf(member)
    const got = r.peers.map(peerText).sort()
    if (want !== null && got.join(' ') !== [...want].sort().join(' ')) {
      problems.push(`${name}: lists [${got}], not [${[...want].sort()}]`)
    }
    if (bump !== null && r.bump !== bump) problems.push(`${name}: bump ${r.bump}, not ${bump}`)
    problems.push(...replyInfoProblems(net, reader, r).map((p) => `${name}: ${p}`))
  }
  for (const m of net.storing) {
    const want = expectedOf(m)
    if (!seen.has(m.port) && (want === null || want.length > 0)) {
      problems.push(`${memberName(m)}: no record`)
    }
  }
  return problems
}

async function lookup(reader: HyperMember, topic: Buffer): Promise<RealLookupReply[]> {
  return collect(reader.node.lookup(topic), OP_MS, `${label(reader.impl)} lookup`)
}

type RealLookupReply = ReplyInfo & { peers: PeerRecord[]; bump: number }

function asPeers(replies: readonly (ReplyInfo & { peer: PeerRecord })[]): RealLookupReply[] {
  return replies.map((r) => ({ token: r.token, from: r.from, to: r.to, peers: [r.peer], bump: 0 }))
}

for (const kind of HYPER_NETWORK_KINDS) {
  test(`announce: each kind looks up and unannounces what the other announced (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    const km = net.client('keymesh')
    const real = net.client('real')
    const [k, r] = [label('keymesh'), label('real')]
    const topic = prng.bytes(32)
    const [kmPeer, realPeer] = [keyPair(), keyPair()]
    const [kmRelays, realRelays] = [relays(4), relays(2)]
    const kmRecord = stored(kmPeer, kmRelays)
    const realRecord = stored(realPeer, realRelays)

    const s1 = await announce(km, topic, kmPeer, kmRelays)
    t.alike(
      ports(s1.closestNodes),
      ports(net.storing),
      `${k} announce: committed to the storing nodes`
    )
    const seen1 = await lookup(real, topic)
    t.alike(
      recordProblems(net, real, seen1, [kmRecord], 0),
      [],
      `${r} sees ${k}'s announce (3 relays)`
    )
    const shape = Object.keys(seen1[0] ?? {}).sort()
    t.alike(shape, ['bump', 'from', 'peers', 'to', 'token'], `${r} lookup result shape`)

    const s2 = await announce(real, topic, realPeer, realRelays)
    t.alike(
      ports(s2.closestNodes),
      ports(net.storing),
      `${r} announce: committed to the storing nodes`
    )
    const seen2 = await lookup(km, topic)
    const both = [kmRecord, realRecord]
    t.alike(recordProblems(net, km, seen2, both, 0), [], `${k} sees both announces`)
    t.alike(Object.keys(seen2[0] ?? {}).sort(), shape, `${k} lookup result shape = ${r}'s`)

    await withTimeout(real.node.unannounce(topic, kmPeer), OP_MS, `${r} unannounce`)
    const seen3 = await lookup(km, topic)
    t.alike(recordProblems(net, km, seen3, [realRecord], 0), [], `${r} unannounced ${k}'s record`)

    await withTimeout(km.node.unannounce(topic, realPeer), OP_MS, `${k} unannounce`)
    const seen4 = await lookup(real, topic)
    t.alike(recordProblems(net, real, seen4, [], 0), [], `${k} unannounced ${r}'s record`)
  })

  test(`findPeer: a self-announce (target H(publicKey)) is found by the other kind (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    for (const [a, b] of net.directions()) {
      const dir = `${label(a.impl)} → ${label(b.impl)}`
      const kp = keyPair()
      const target = RealHyperDHT.hash(kp.publicKey)
      const addrs = relays(4)
      const record = stored(kp, addrs)
      // the bump of a self-announce is not stored (it becomes a router entry, not a topic record)
      await announce(a, target, kp, addrs, Date.now())

      const found = await collect(b.node.findPeer(kp.publicKey), OP_MS, `${dir}: findPeer`)
      t.alike(recordProblems(net, b, asPeers(found), [record], null), [], `${dir}: findPeer`)
      const shape = ['from', 'peer', 'to', 'token']
      t.alike(Object.keys(found[0] ?? {}).sort(), shape, `${dir}: findPeer result shape`)
      const unhashed = await collect(b.node.findPeer(target, { hash: false }), OP_MS, 'findPeer')
      t.alike(recordProblems(net, b, asPeers(unhashed), [record], null), [], `${dir}: hash: false`)
      const listed = await lookup(b, target)
      t.alike(recordProblems(net, b, listed, [record], 0), [], `${dir}: lookup(H(pk)) lists it`)

      // a plain topic announce is no router entry
      const other = keyPair()
      await announce(a, prng.bytes(32), other, relays(1))
      const none = await collect(b.node.findPeer(other.publicKey), OP_MS, `${dir}: findPeer`)
      t.alike(recordProblems(net, b, asPeers(none), [], null), [], `${dir}: topic announce unfound`)

      await withTimeout(b.node.unannounce(target, kp), OP_MS, `${dir}: unannounce`)
      const gone = await collect(a.node.findPeer(kp.publicKey), OP_MS, `${dir}: findPeer`)
      t.alike(
        recordProblems(net, a, asPeers(gone), [], null),
        [],
        `${dir}: unannounced by the other`
      )
      const unlisted = await lookup(a, target)
      t.alike(
        recordProblems(net, a, unlisted, [], 0),
        [],
        `${dir}: lookup(H(pk)) no longer lists it`
      )
    }
  })

  test(`bump: stored with the topic, lower and far-future bumps ignored (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    for (const [a, b] of net.directions()) {
      const dir = `${label(a.impl)} ⇄ ${label(b.impl)}`
      const topic = prng.bytes(32)
      const now = Date.now()
      const records: string[] = []
      const step = async (by: HyperMember, reader: HyperMember, bump: number, expected: number) => {
        const kp = keyPair()
        const addrs = relays(records.length % 2) // records without and with relay addresses
        records.push(stored(kp, addrs))
        await announce(by, topic, kp, addrs, bump)
        const seen = await lookup(reader, topic)
        const what = `${dir}: bump ${bump - now} ms from now by ${label(by.impl)}`
        t.alike(recordProblems(net, reader, seen, records, expected), [], what)
      }
      await step(a, b, now, now)
      await step(b, a, now - 1000, now) // lower: kept at now
      await step(a, b, now + MAX_BUMP_DRIFT_MS + 60_000, now) // beyond the drift: ignored
      await step(b, a, now + 1, now + 1)
      await step(a, b, now + MAX_BUMP_DRIFT_MS / 2, now + MAX_BUMP_DRIFT_MS / 2)
    }
  })

  test(`re-announce of a fresh record: real nodes keep the first, keymesh nodes the newest (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    for (const [a, b] of net.directions()) {
      const dir = `${label(a.impl)} then ${label(b.impl)}`
      const topic = prng.bytes(32)
      const kp = keyPair()
      const [first, second] = [relays(2), relays(2)]
      await announce(a, topic, kp, first)
      await announce(b, topic, kp, second)
      const seen = await lookup(a, topic)
      // documented difference: record-cache keeps the first copy while it is fresh (§4.5);
      // keymesh replaces it (record-store.ts `addRecord`), since only the key owner can sign one
      const expectedOf = (m: HyperMember): string[] =>
        asKeymesh(m.node) === null ? [stored(kp, first)] : [stored(kp, second)]
      t.alike(recordProblems(net, a, seen, expectedOf, 0), [], `${dir}: per-kind record`)

      // with clear: true the announcer first unannounces, so every node ends up with the newest
      const third = relays(3)
      const stream = b.node.announce(topic, kp, third, { clear: true })
      await withTimeout(stream.finished(), OP_MS, `${dir}: announce { clear: true }`)
      const cleared = await lookup(a, topic)
      const newest = [stored(kp, third)]
      t.alike(recordProblems(net, a, cleared, newest, 0), [], `${dir}: clear: true replaces it`)
    }
  })

  test(`lookup: at most 20 records per reply; unannounce reaches nodes listing 20 (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    const topic = prng.bytes(32)
    const announced = new Map<string, { kp: KeyPair; by: HyperMember }>()
    for (let i = 0; i < MAX_LOOKUP_RECORDS + 4; i++) {
      const by = net.client(i % 2 === 0 ? 'keymesh' : 'real')
      const kp = keyPair()
      const addrs = relays(3)
      await announce(by, topic, kp, addrs)
      announced.set(stored(kp, addrs), { kp, by })
    }
    // every storing node answers with 20 distinct records out of the announced ones
    const sampleProblems = async (reader: HyperMember): Promise<string[]> => {
      const replies = await lookup(reader, topic)
      const problems = recordProblems(net, reader, replies, null, 0)
      for (const r of replies) {
        const texts = r.peers.map(peerText)
        const name = memberName(net.at(r.from) ?? reader)
        if (new Set(texts).size !== MAX_LOOKUP_RECORDS) problems.push(`${name}: ${texts.length}`)
        for (const text of texts) {
          if (!announced.has(text)) problems.push(`${name}: lists ${text}`)
        }
      }
      return problems
    }
    for (const reader of [net.client('keymesh'), net.client('real')]) {
      const what = `${label(reader.impl)} lookup: 20 of ${announced.size} records from every node`
      t.alike(await sampleProblems(reader), [], what)
    }
    // the lookups no longer show whether a node lists our key, so both kinds unannounce from
    // every node answering with 20 records
    for (const [a, b] of net.directions()) {
      const victim = [...announced].find(([, v]) => v.by === a)
      if (victim === undefined) throw new Error('nothing announced by the writer')
      await withTimeout(b.node.unannounce(topic, victim[1].kp), OP_MS, 'unannounce')
      announced.delete(victim[0])
      const what = `${label(b.impl)} unannounced ${label(a.impl)}'s record from every node`
      t.alike(await sampleProblems(a), [], what)
    }
  })
}

function ports(nodes: readonly { port: number }[]): number[] {
  return nodes.map((n) => n.port).sort((a, b) => a - b)
}
