// Republishing with short lifetimes: keepAlive records outlive several lifetimes on the storing
// nodes, stop after cancel/unannounce, continue across restarts, yield to newer seqs.

import test from 'brittle'
import { once } from 'node:events'
import { HyperDHT, HyperDHTError, PutRefusedError } from '../src/index.js'
import type { HyperDHTOptions, RepublishedRecord } from '../src/index.js'
import { createTestnet } from '../src/testnet.js'
import type { Testnet } from '../src/testnet.js'
import { tempDir } from './helpers/temp-dir.js'

/** Lifetime of everything the storing nodes hold (their `maxAge`), in ms. */
const LIFETIME_MS = 500
/** The publisher refreshes this often: well inside the lifetime. */
const INTERVAL_MS = 150
const REPUBLISH = { valueInterval: INTERVAL_MS, announceInterval: INTERVAL_MS, jitter: 0.2 }
/** Bound of a polled condition. */
const POLL_LIMIT_MS = 5000
const POLL_STEP_MS = 25

type T = { teardown(fn: () => unknown, opts?: { order?: number }): void }

async function shortLived(t: T, size = 4): Promise<Testnet> {
  return createTestnet(size, {
    teardown: (fn, opts) => t.teardown(fn, opts),
    nodeOptions: { maxAge: LIFETIME_MS }
  })
}

// how many storing nodes hold `kind` records now (stats prune expired entries on read)
function held(testnet: Testnet, kind: 'mutables' | 'immutables' | 'records'): number {
  let n = 0
  for (const node of testnet.nodes) n += node.stats.records?.[kind] ?? 0
  return n
}

// the storing nodes (the persistent ones)
function storing(testnet: Testnet): number {
  return testnet.nodes.filter((n) => n.stats.records !== null).length
}

// there is no event for "expired on another node": poll, with a bound
async function until(cond: () => boolean): Promise<boolean> {
  const end = Date.now() + POLL_LIMIT_MS
  while (!cond()) {
    if (Date.now() > end) return false
    await new Promise((resolve) => setTimeout(resolve, POLL_STEP_MS))
  }
  return true
}

// wait for `key`'s refreshes until `ms` have passed since `start`; returns how many were seen
async function refreshesUntil(
  node: HyperDHT,
  key: string,
  start: number,
  ms: number
): Promise<number> {
  let n = 0
  while (Date.now() - start < ms) {
    const [record] = (await once(node.republisher, 'republish')) as [RepublishedRecord]
    if (record.key === key) n++
  }
  return n
}

test('keepAlive: mutable and immutable records outlive several lifetimes, until cancelled', async (t) => {
  const testnet = await shortLived(t)
  const publisher = testnet.createNode({ republish: REPUBLISH })
  await publisher.fullyBootstrapped()
  const keyPair = HyperDHT.keyPair()
  const value = Buffer.from('kept alive')

  const start = Date.now()
  await publisher.mutablePut(keyPair, value, { seq: 1, keepAlive: true })
  const { hash } = await publisher.immutablePut(Buffer.from('kept too'), { keepAlive: true })
  // the control: stored once, never refreshed
  await publisher.mutablePut(HyperDHT.keyPair(), Buffer.from('forgotten'), { seq: 1 })
  t.is(held(testnet, 'mutables'), 2 * storing(testnet), 'both mutables stored everywhere')

  const mutableKey = `mutable:${keyPair.publicKey.toString('hex')}`
  const immutableKey = `immutable:${hash.toString('hex')}`
  t.alike(
    publisher.republisher
      .list()
      .map((r) => r.key)
      .sort(),
    [immutableKey, mutableKey].sort()
  )

  const refreshes = await refreshesUntil(publisher, mutableKey, start, 4 * LIFETIME_MS)
  t.ok(refreshes >= 4, `${refreshes} refreshes over 4 lifetimes`)
  t.is(held(testnet, 'mutables'), storing(testnet), 'only the kept mutable is left')
  t.is(held(testnet, 'immutables'), storing(testnet), 'the immutable is still held')
  t.ok(publisher.republisher.stats.republished >= refreshes)

  t.ok(await publisher.republisher.cancel(mutableKey))
  t.absent(await publisher.republisher.cancel(mutableKey), 'cancel twice: false')
  let after = 0
  const count = (r: RepublishedRecord): void => {
    if (r.key === mutableKey) after++
  }
  publisher.republisher.on('republish', count)
  t.ok(await until(() => held(testnet, 'mutables') === 0), 'the cancelled record expires')
  t.is(after, 0, 'and is never refreshed again')
  t.ok(held(testnet, 'immutables') > 0, 'the other one is still kept')
  publisher.republisher.off('republish', count)
})

test('keepAlive announce: outlives several lifetimes; unannounce stops it', async (t) => {
  const testnet = await shortLived(t)
  const publisher = testnet.createNode({ republish: REPUBLISH })
  await publisher.fullyBootstrapped()
  const keyPair = HyperDHT.keyPair()
  const topic = HyperDHT.hash(Buffer.from('kept topic'))
  const key = `announce:${topic.toString('hex')}:${keyPair.publicKey.toString('hex')}`

  const start = Date.now()
  await publisher
    .announce(topic, keyPair, [{ host: '127.0.0.1', port: 4000 }], { keepAlive: true })
    .finished()
  const [entry] = publisher.republisher.list()
  t.is(entry?.key, key)
  t.is(entry?.type, 'announce')
  t.absent(JSON.stringify(entry).includes(keyPair.secretKey.toString('hex')), 'no secret key')

  t.ok((await refreshesUntil(publisher, key, start, 3 * LIFETIME_MS)) >= 3)
  t.ok(held(testnet, 'records') > 0, 'still announced after 3 lifetimes')
  const reader = testnet.createNode()
  let found = false
  for await (const reply of reader.lookup(topic)) {
    if (reply.peers.some((p) => p.publicKey.equals(keyPair.publicKey))) found = true
  }
  t.ok(found, 'lookup finds it')

  await publisher.unannounce(topic, keyPair)
  t.absent(publisher.republisher.has(key), 'unannounce cancels the keep-alive')
  t.ok(await until(() => held(testnet, 'records') === 0), 'gone from every node')
})

test('with storage, republishing continues across a restart (announce key pair included)', async (t) => {
  const testnet = await shortLived(t)
  const dir = tempDir(t)
  const opts: HyperDHTOptions = { storage: dir, republish: REPUBLISH }
  const first = testnet.createNode(opts)
  await first.fullyBootstrapped()
  const keyPair = HyperDHT.keyPair()
  const topic = HyperDHT.hash(Buffer.from('restart topic'))
  await first.mutablePut(keyPair, Buffer.from('survives restarts'), { seq: 3, keepAlive: true })
  await first.announce(topic, keyPair, [], { keepAlive: true }).finished()
  const before = first
    .toJSON()
    .records.map((r) => r.key)
    .sort()
  t.is(before.length, 2)
  t.ok(first.toJSON().records.every((r) => r.persisted))
  await first.destroy()

  const start = Date.now()
  const second = testnet.createNode(opts)
  t.alike(
    second.republisher
      .list()
      .map((r) => r.key)
      .sort(),
    before,
    'restored before the node is even bootstrapped'
  )
  const mutableKey = `mutable:${keyPair.publicKey.toString('hex')}`
  const announceKey = before.find((k) => k.startsWith('announce:')) as string
  const seen = new Set<string>()
  while (Date.now() - start < 3 * LIFETIME_MS || seen.size < 2) {
    const [record] = (await once(second.republisher, 'republish')) as [RepublishedRecord]
    seen.add(record.key)
  }
  t.ok(seen.has(mutableKey) && seen.has(announceKey), 'both refreshed by the new process')
  t.is(held(testnet, 'mutables'), storing(testnet), 'mutable alive after 3 lifetimes')
  t.ok(held(testnet, 'records') > 0, 'announce alive (re-signed with the stored key pair)')
  const got = await testnet.createNode().mutableGet(keyPair.publicKey)
  t.alike(got?.value, Buffer.from('survives restarts'))
})

test('a newer seq replaces the kept record; a seq refused by the network drops it', async (t) => {
  const testnet = await shortLived(t)
  const publisher = testnet.createNode({ republish: REPUBLISH })
  const other = testnet.createNode()
  await Promise.all([publisher.fullyBootstrapped(), other.fullyBootstrapped()])
  const keyPair = HyperDHT.keyPair()
  const key = `mutable:${keyPair.publicKey.toString('hex')}`

  await publisher.mutablePut(keyPair, Buffer.from('one'), { seq: 1, keepAlive: true })
  await publisher.mutablePut(keyPair, Buffer.from('two'), { seq: 2 })
  const kept = publisher.republisher.list()[0]
  t.is(kept?.type === 'mutable' ? kept.seq : -1, 2, 'a later put of the same key is kept instead')

  // another device of the same owner moves on to seq 3: refreshing seq 2 is refused everywhere
  await other.mutablePut(keyPair, Buffer.from('three'), { seq: 3 })
  for (;;) {
    const [record, err] = (await once(publisher.republisher, 'republish-error')) as [
      RepublishedRecord,
      Error
    ]
    if (record.key !== key) continue
    t.ok(err instanceof PutRefusedError)
    t.is((err as HyperDHTError).code, 'SEQ_TOO_LOW')
    break
  }
  t.absent(publisher.republisher.has(key), 'superseded: no longer kept')
  t.is(publisher.republisher.stats.superseded, 1)
})

test('limits and options are checked before anything is sent', async (t) => {
  t.exception(
    () => new HyperDHT({ bootstrap: false, republish: { valueInterval: 0 } }),
    /INVALID_ARGUMENT/
  )
  const testnet = await shortLived(t, 3)
  const publisher = testnet.createNode({ republish: { ...REPUBLISH, maxRecords: 1 } })
  await publisher.fullyBootstrapped()
  await publisher.immutablePut(Buffer.from('first'), { keepAlive: true })
  await t.exception(
    publisher.immutablePut(Buffer.from('second'), { keepAlive: true }),
    /REPUBLISH_LIMIT/
  )
  await t.exception(
    publisher.mutablePut(HyperDHT.keyPair(), Buffer.from('x'), { keepAlive: true }),
    /REPUBLISH_LIMIT/
  )
  await publisher.immutablePut(Buffer.from('first'), { keepAlive: true })
  t.pass('re-keeping a kept record is fine')
  t.is(publisher.republisher.stats.records, 1)
})

test('without keepAlive nothing is kept, and destroy clears the timer', async (t) => {
  const testnet = await shortLived(t, 3)
  const node = testnet.createNode({ republish: REPUBLISH })
  await node.fullyBootstrapped()
  await node.mutablePut(HyperDHT.keyPair(), Buffer.from('plain'), { seq: 1 })
  await node.immutablePut(Buffer.from('plain'))
  await node.announce(HyperDHT.hash(Buffer.from('plain')), HyperDHT.keyPair()).finished()
  t.is(node.republisher.stats.records, 0)
  t.alike(node.toJSON().records, [])
  await node.immutablePut(Buffer.from('kept'), { keepAlive: true })
  await node.destroy()
  t.is(node.republisher.stats.records, 1, 'kept in memory, but no longer refreshed')
})
