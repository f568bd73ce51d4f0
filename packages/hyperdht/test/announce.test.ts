// announce / lookup / unannounce / findPeer over a real UDP testnet.

import test from 'brittle'
import { HyperDHT } from '../src/index.js'
import type { LookupResult } from '../src/index.js'
import { createTestnet } from '../src/testnet.js'

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of stream) out.push(item)
  return out
}

function holders(results: LookupResult[], publicKey: Buffer): LookupResult[] {
  return results.filter((r) => r.peers.some((p) => p.publicKey.equals(publicKey)))
}

test('announce then lookup finds the peer and its relay addresses; unannounce removes it', async (t) => {
  const testnet = await createTestnet(8, t)
  const a = testnet.createNode()
  const b = testnet.createNode()
  await Promise.all([a.fullyBootstrapped(), b.fullyBootstrapped()])
  const topic = HyperDHT.hash(Buffer.from('topic'))
  const keyPair = HyperDHT.keyPair()
  const relays = [{ host: '127.0.0.1', port: 40000 }]

  const announcing = a.announce(topic, keyPair, relays)
  await announcing.finished()
  t.ok(announcing.closestReplies.length > 0)

  const found = holders(await collect(b.lookup(topic)), keyPair.publicKey)
  t.ok(found.length >= 1, `found on ${found.length} nodes`)
  const record = found[0]!.peers.find((p) => p.publicKey.equals(keyPair.publicKey))!
  t.alike(record.relayAddresses, relays)
  t.ok(found[0]!.token !== null && found[0]!.from.id !== null)

  await a.unannounce(topic, keyPair)
  const after = holders(await collect(b.lookup(topic)), keyPair.publicKey)
  t.is(after.length, 0, 'gone from every node after unannounce')
})

test('announce: bump is kept per topic; clear unannounces first', async (t) => {
  const testnet = await createTestnet(6, t)
  const a = testnet.createNode()
  await a.fullyBootstrapped()
  const topic = HyperDHT.hash(Buffer.from('bumped'))
  const keyPair = HyperDHT.keyPair()
  const bump = Date.now()
  await a.announce(topic, keyPair, [], { bump }).finished()
  const results = await collect(a.lookup(topic))
  t.ok(
    results.some((r) => r.bump === bump),
    'bump returned by lookup'
  )

  const other = HyperDHT.keyPair()
  await a.announce(topic, other, [], { clear: true }).finished()
  const again = await collect(a.lookup(topic))
  t.ok(holders(again, other.publicKey).length >= 1, 'the new key is announced')
})

test('findPeer: a self-announce (target = H(publicKey)) is found; others are not', async (t) => {
  const testnet = await createTestnet(6, t)
  const server = testnet.createNode()
  const client = testnet.createNode()
  await Promise.all([server.fullyBootstrapped(), client.fullyBootstrapped()])
  const keyPair = HyperDHT.keyPair()
  const relays = [{ host: '127.0.0.1', port: 40001 }]
  await server.announce(HyperDHT.hash(keyPair.publicKey), keyPair, relays).finished()

  const found = await collect(client.findPeer(keyPair.publicKey))
  t.ok(found.length >= 1)
  t.alike(found[0]!.peer.publicKey, keyPair.publicKey)
  t.alike(found[0]!.peer.relayAddresses, relays)

  const byTarget = await collect(client.findPeer(HyperDHT.hash(keyPair.publicKey), { hash: false }))
  t.ok(byTarget.length >= 1, 'hash: false takes the target itself')
  t.is((await collect(client.findPeer(HyperDHT.keyPair().publicKey))).length, 0)
})

test('a node keeps serving after strangers send garbage to every command', async (t) => {
  const testnet = await createTestnet(4, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const target = testnet.nodes[1]!
  const to = { host: '127.0.0.1', port: target.address()!.port }
  const probe = await client.request({ command: 2, target: Buffer.alloc(32) }, to)
  const garbage: Array<Promise<unknown>> = []
  for (let command = 0; command <= 12; command++) {
    for (const value of [Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff]), Buffer.alloc(600, 9)]) {
      const req = { command, target: Buffer.alloc(32, command), token: probe.token, value }
      // silence is hyperdht's answer to most malformed requests: one attempt, no retries
      garbage.push(client.request(req, to, { retry: false }).catch(() => null))
    }
  }
  await Promise.all(garbage)
  const keyPair = HyperDHT.keyPair()
  const put = await client.mutablePut(keyPair, Buffer.from('still alive'))
  t.ok(put.stored >= 1, 'the network still stores records')
  const stats = target.stats.records
  t.ok(stats !== null)
  t.comment(JSON.stringify(stats?.dropped))
})
