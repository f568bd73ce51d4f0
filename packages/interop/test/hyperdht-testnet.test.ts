// Interop of the two testnets: a keymesh client stores and reads records on hyperdht's own
// testnet.js, and @keymesh/hyperdht/testnet has testnet.js's shape and serves real clients.

import KeymeshHyperDHT from '@keymesh/hyperdht'
import createKeymeshTestnet from '@keymesh/hyperdht/testnet'
import test from 'brittle'
import { RealHyperDHT, createRealTestnet } from '../src/hyperdht-network.js'
import type { HyperDHTNode } from '../src/hyperdht-network.js'
import { LOCALHOST, SANITY, freeUdpPort, hex, nodeId, withTimeout } from '../src/index.js'
import { Prng, seedFrom } from './helpers/prng.js'

const OP_MS = 10_000
const SIZE = 5
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0x7a8b)

test.configure({ timeout: 60_000 })

function hasOwnId(node: { id: Buffer | null; address(): { port: number } | null }): boolean {
  const port = node.address()?.port ?? 0
  return node.id !== null && hex(node.id) === hex(nodeId(LOCALHOST, port))
}

// keymesh's node seen through the real package's API, for the operations both share
function asNode(node: KeymeshHyperDHT): HyperDHTNode {
  return node as unknown as HyperDHTNode
}

test("hyperdht's testnet.js: a keymesh client stores and reads records on it", async (t) => {
  // testnet.js binds nodes 1… to 49737–49741, shared with other processes: keep it short-lived
  const port = await freeUdpPort()
  const testnet = await withTimeout(
    createRealTestnet(SIZE, { host: LOCALHOST, port }),
    OP_MS,
    'hyperdht testnet'
  )
  t.teardown(() => testnet.destroy(), { order: Infinity })
  const [first, ...rest] = testnet.nodes
  t.is(first?.id, null, 'its first node stays without an id (docs/wire-protocol.md §10.3)')
  t.ok(rest.length === SIZE - 1 && rest.every(hasOwnId), 'the others are persistent')

  const Keymesh = SANITY ? RealHyperDHT : KeymeshHyperDHT
  const km = new Keymesh({
    bootstrap: testnet.bootstrap,
    ephemeral: true,
    host: LOCALHOST,
    port: await freeUdpPort()
  })
  t.teardown(() => km.destroy())
  await withTimeout(km.fullyBootstrapped(), OP_MS, 'keymesh client bootstrap')
  const client = asNode(km as KeymeshHyperDHT)
  const real = testnet.createNode()
  await withTimeout(real.fullyBootstrapped(), OP_MS, 'testnet.createNode()')
  t.is(real.id, null, 'createNode() makes an ephemeral node')

  const value = prng.bytes(64)
  const put = await withTimeout(client.immutablePut(value), OP_MS, 'immutablePut')
  t.is(put.closestNodes.length, SIZE - 1, 'keymesh immutablePut reached every persistent node')
  const got = await withTimeout(real.immutableGet(put.hash), OP_MS, 'immutableGet')
  t.alike(got?.value, value, 'the real client reads it')

  const keyPair = RealHyperDHT.keyPair(prng.bytes(32))
  await withTimeout(real.mutablePut(keyPair, value, { seq: 7 }), OP_MS, 'mutablePut')
  const record = await withTimeout(client.mutableGet(keyPair.publicKey), OP_MS, 'mutableGet')
  t.is(record?.seq, 7, 'keymesh reads the real client’s record: seq')
  t.alike(record?.value, value, 'keymesh reads the real client’s record: value')

  const topic = prng.bytes(32)
  const relay = { host: '10.0.0.1', port: 4242 }
  await withTimeout(client.announce(topic, keyPair, [relay]).finished(), OP_MS, 'announce')
  const replies = []
  for await (const reply of real.lookup(topic)) replies.push(reply)
  const listed = replies.filter((r) => r.peers.some((p) => p.publicKey.equals(keyPair.publicKey)))
  t.is(listed.length, SIZE - 1, 'every persistent node lists keymesh’s announce')
})

test('@keymesh/hyperdht/testnet: testnet.js’s shape; real clients use it', async (t) => {
  if (SANITY) return void t.comment('sanity mode: nothing to compare')
  const testnet = await withTimeout(
    createKeymeshTestnet(SIZE, {
      host: LOCALHOST,
      port: await freeUdpPort(),
      nodeOptions: { port: await freeUdpPort() },
      teardown: t.teardown.bind(t)
    }),
    OP_MS,
    'keymesh testnet'
  )
  const ports = testnet.nodes.map((n) => n.address()?.port ?? 0)
  t.alike(testnet.bootstrap, [{ host: LOCALHOST, port: ports[0] }], 'bootstrap: the first node')
  t.alike([...testnet], testnet.nodes, 'iterates over its nodes')
  // a keymesh extra: its first node knows its address, so it is persistent and stores too
  t.ok(testnet.nodes.every(hasOwnId), 'every node is persistent, the first one included')

  const real = new RealHyperDHT({
    bootstrap: testnet.bootstrap,
    ephemeral: true,
    host: LOCALHOST,
    port: await freeUdpPort()
  })
  t.teardown(() => real.destroy())
  await withTimeout(real.fullyBootstrapped(), OP_MS, 'real client bootstrap')
  const km = testnet.createNode()
  await withTimeout(km.fullyBootstrapped(), OP_MS, 'testnet.createNode()')
  t.ok(km instanceof KeymeshHyperDHT && km.id === null, 'createNode() makes an ephemeral node')

  const keyPair = RealHyperDHT.keyPair(prng.bytes(32))
  const value = prng.bytes(32)
  const put = await withTimeout(real.mutablePut(keyPair, value, { seq: 3 }), OP_MS, 'put')
  t.is(put.closestNodes.length, SIZE, 'the real put reached every node')
  const record = await withTimeout(km.mutableGet(keyPair.publicKey), OP_MS, 'mutableGet')
  t.alike(record?.value, value, 'a createNode() client reads it')
  t.alike(record?.signature, put.signature, 'with the real client’s signature')
})
