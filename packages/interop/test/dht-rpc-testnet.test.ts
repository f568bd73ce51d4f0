// @keymesh/dht-rpc's `./testnet` subpath (a keymesh addition, modelled on hyperdht's testnet.js):
// its nodes are persistent with the right ids, and real dht-rpc nodes can join and use it.

import createTestnet from '@keymesh/dht-rpc/testnet'
import test from 'brittle'
import { LOCALHOST, RealDHT, hex, nodeId, withTimeout } from '../src/index.js'

test.configure({ timeout: 60_000 })

test('keymesh testnet: persistent nodes that real nodes can join and look up', async (t) => {
  const testnet = await createTestnet(5, t)
  t.is(testnet.nodes.length, 5, 'five nodes')
  const ports = testnet.nodes.map((n) => n.address()?.port ?? 0)
  t.alike(testnet.bootstrap, [{ host: LOCALHOST, port: ports[0] }], 'bootstrap is the first node')
  for (const [i, node] of [...testnet].entries()) {
    t.is(node.ephemeral, false, `node ${i}: persistent`)
    t.is(hex(node.id ?? Buffer.alloc(0)), hex(nodeId(LOCALHOST, ports[i] ?? 0)), `node ${i}: id`)
  }

  const real = new RealDHT({ bootstrap: testnet.bootstrap, ephemeral: false, host: LOCALHOST })
  t.teardown(() => real.destroy())
  await withTimeout(real.fullyBootstrapped(), 10_000, 'real node joining the keymesh testnet')
  const realPort = real.address()?.port ?? 0
  t.is(real.ephemeral, false, 'the real node became persistent')
  t.alike(
    real
      .toArray()
      .map((a) => a.port)
      .sort((a, b) => a - b),
    [...ports].sort((a, b) => a - b),
    'the real node knows every testnet node'
  )
  const holders = testnet.nodes.filter((n) => n.toArray().some((a) => a.port === realPort))
  t.ok(holders.length > 0, `${holders.length} testnet nodes stored the real node`)

  const client = testnet.createNode()
  await withTimeout(client.fullyBootstrapped(), 10_000, 'testnet.createNode()')
  t.is(client.ephemeral, true, 'createNode() makes an ephemeral node')
  const query = client.findNode(nodeId(LOCALHOST, realPort))
  await withTimeout(query.finished(), 10_000, 'findNode')
  t.is(query.closestReplies[0]?.from.port, realPort, 'a testnet client finds the real node')
})
