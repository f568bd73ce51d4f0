// DHT maintenance on a fake network: ticks, pings of old nodes, down hints, wake-up, health, NAT events.

import test from 'brittle'
import { nodeId } from '@keymesh/crypto'
import { INTERNAL_COMMANDS, downHintValue, encode, rpcRequest } from '@keymesh/wire'
import { DHT } from '../src/dht.js'
import type { DHTOptions } from '../src/dht.js'
import type { DHTNode } from '../src/peer.js'
import type { TestInstance } from './helpers/brittle.js'
import { settle } from './helpers/fake-io.js'
import { FakeNetwork } from './helpers/fake-udx.js'
import type { FakeSocket } from './helpers/fake-udx.js'

async function fakeNode(
  t: TestInstance,
  net: FakeNetwork,
  opts: DHTOptions = {},
  host = '127.0.0.1'
): Promise<DHT> {
  const node = new DHT({ udx: net.udx(host), bootstrap: [], host, requestTimeout: 5, ...opts })
  t.teardown(() => node.destroy())
  await node.fullyBootstrapped()
  return node
}

function removedPromise(node: DHT, port: number): Promise<DHTNode> {
  return new Promise((resolve) => {
    node.on('remove-node', (n) => {
      if (n.port === port) resolve(n)
    })
  })
}

test('every 8th tick pings the least recently seen nodes; dead ones are removed', async (t) => {
  const net = new FakeNetwork()
  const peer = DHT.bootstrapper(45000, '127.0.0.1', { udx: net.udx(), host: '127.0.0.1' })
  t.teardown(() => peer.destroy())
  await peer.fullyBootstrapped()
  t.ok(peer.id, 'a persistent peer answers with its id')
  const node = await fakeNode(t, net)
  node.addNode({ host: '127.0.0.1', port: 1 }) // nobody there
  node.addNode({ host: '127.0.0.1', port: peer.address()!.port })
  t.is(node.toArray().length, 2)

  const removed = removedPromise(node, 1)
  node._tick = 7 // next tick is a multiple of 8
  node._ontick()
  const dead = await removed
  t.is(dead.port, 1)
  await settle()
  t.alike(node.toArray(), [{ host: '127.0.0.1', port: peer.address()!.port }], 'the live one stays')
})

test('a DOWN_HINT makes the node check the hinted table node', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net)
  node.addNode({ host: '127.0.0.1', port: 2 }) // dead
  const removed = removedPromise(node, 2)
  const raw = net.udx().createSocket() as unknown as FakeSocket
  raw.bind(0)
  const replies: Buffer[] = []
  raw.on('message', (b: Buffer) => replies.push(b))
  raw.trySend(
    encode(rpcRequest, {
      tid: 1,
      to: { host: '127.0.0.1', port: node.address()!.port },
      id: null,
      token: null,
      internal: true,
      command: INTERNAL_COMMANDS.DOWN_HINT,
      target: null,
      value: encode(downHintValue, { host: '127.0.0.1', port: 2 })
    }),
    node.address()!.port,
    '127.0.0.1'
  )
  await removed
  t.is(replies.length, 1, 'the hint itself was answered')
  t.is(node.stats.commands.ping.tx, 1, 'checked with a ping')
  t.is(node.stats.requests.retries, 3, 'retried until it timed out')
  await raw.close()
})

test('a node that keeps timing out is evicted after evictAfterTimeouts attempts', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net, { evictAfterTimeouts: 2 })
  node.addNode({ host: '127.0.0.1', port: 3 })
  const target = nodeId('127.0.0.1', 3)
  const removed = removedPromise(node, 3)
  const q = node.findNode(target, { nodes: [{ host: '127.0.0.1', port: 3 }] })
  await q.finished()
  await removed
  t.is(node.stats.table.evictedAfterTimeouts, 1)
  t.is(q.retries, 1, 'query attempts capped at evictAfterTimeouts')
})

test('sleeping (a late tick) triggers wakeup; an adaptive persistent node turns ephemeral', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net)
  t.ok(node.adaptive)
  node.ephemeral = false
  node.io.ephemeral = false
  const events: string[] = []
  node.on('ephemeral', () => events.push('ephemeral'))
  node.on('wakeup', () => events.push('wakeup'))
  const queries = node.stats.queries.total
  node._lastTick = Date.now() - 20_000
  node._ontick()
  t.alike(events, ['ephemeral', 'wakeup'])
  t.ok(node.ephemeral)
  t.is(node.id, null)
  t.is(node.stats.queries.total, queries + 1, 'and refreshes the table')
})

test('network interface changes emit network-change and network-update', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net)
  const seen: string[] = []
  node.on('network-change', (ifaces) => seen.push('change:' + ifaces.length))
  node.on('network-update', () => seen.push('update'))
  node.io.networkInterfaces.emit('change', [
    { name: 'eth0', host: '10.0.0.2', family: 4, internal: false }
  ])
  t.alike(seen, ['change:1', 'update'])
})

test('health: offline after silent ticks emits network-update; online again on answers', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net)
  let updates = 0
  node.on('network-update', () => updates++)
  const tick = (responses: number, timeouts: number): void => {
    node.stats.requests.responses += responses
    node.stats.requests.timeouts += timeouts
    node._lastTick = Date.now()
    node._ontick()
  }
  for (let i = 0; i < 4; i++) tick(10, 0)
  tick(0, 10)
  tick(0, 10)
  t.absent(node.online)
  t.is(updates, 1)
  tick(10, 0)
  t.ok(node.online)
  t.absent(node.degraded)
  t.is(updates, 2)
})

test('an adaptive node checks persistence after STABLE_TICKS and becomes persistent', async (t) => {
  const net = new FakeNetwork()
  const peers = [1, 2, 3].map(() => null)
  const others: DHT[] = []
  for (const _ of peers)
    others.push(await fakeNode(t, net, { ephemeral: false, firewalled: false }))
  const node = await fakeNode(t, net, {
    nodes: others.map((o) => ({ host: '127.0.0.1', port: o.address()!.port })),
    firewalled: false
  })
  await node.findNode(Buffer.alloc(32)).finished() // samples our address from the replies
  t.is(node.host, '127.0.0.1')
  t.ok(node.ephemeral)
  const persistent = new Promise<void>((resolve) => node.once('persistent', () => resolve()))
  node._stableTicks = 1
  node._lastTick = Date.now()
  node._ontick()
  await persistent
  t.absent(node.ephemeral)
  t.alike(node.id, nodeId('127.0.0.1', node.address()!.port))
})

test('nat-update reports the sampled public address', async (t) => {
  const net = new FakeNetwork()
  const peer = await fakeNode(t, net, { ephemeral: false, firewalled: false })
  const node = await fakeNode(t, net, {}, '127.0.0.1')
  const update = new Promise<[string | null, number]>((resolve) =>
    node.once('nat-update', (host, port) => resolve([host, port]))
  )
  await node.ping({ host: '127.0.0.1', port: peer.address()!.port })
  node.addNode({ host: '127.0.0.1', port: peer.address()!.port })
  await node.findNode(Buffer.alloc(32)).finished()
  const [host, port] = await update
  t.is(host, '127.0.0.1')
  t.is(port, node.address()!.port)
})

test('destroy clears timers and pending delayed replies', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net)
  const raw = net.udx().createSocket() as unknown as FakeSocket
  raw.bind(0)
  raw.trySend(
    encode(rpcRequest, {
      tid: 9,
      to: { host: '127.0.0.1', port: node.address()!.port },
      id: null,
      token: null,
      internal: true,
      command: INTERNAL_COMMANDS.DELAYED_PING,
      target: null,
      value: Buffer.from([20, 0, 0, 0])
    }),
    node.address()!.port,
    '127.0.0.1'
  )
  await settle()
  t.is(node._delayedReplies.size, 1, 'the reply is scheduled')
  await node.destroy()
  t.is(node._delayedReplies.size, 0, 'destroy cancelled it')
  await raw.close()
})

test('a suspected node that does not answer is remembered as dead until heard from', async (t) => {
  const net = new FakeNetwork()
  const node = await fakeNode(t, net)
  const silent = net.udx().createSocket() as unknown as FakeSocket
  silent.bind(0)
  const addr = { host: '127.0.0.1', port: silent.address()!.port }
  const swallow = (): void => {}
  silent.on('message', swallow)
  const marked = new Promise<string>((resolve) => {
    const add = node._dead.add.bind(node._dead)
    node._dead.add = (key) => {
      add(key)
      resolve(key)
    }
  })
  node._suspectNode({ id: null, ...addr }, [])
  t.is(await marked, `${addr.host}:${addr.port}`)
  t.ok(node._isDead(addr))
  t.is(node.stats.requests.timeouts, 1, 'confirmed by a ping that timed out')
  silent.off('message', swallow)

  // any valid request from it clears the mark
  silent.trySend(
    encode(rpcRequest, {
      tid: 1,
      to: { host: '127.0.0.1', port: node.address()!.port },
      id: null,
      token: null,
      internal: true,
      command: INTERNAL_COMMANDS.PING,
      target: null,
      value: null
    }),
    node.address()!.port,
    '127.0.0.1'
  )
  await settle()
  t.absent(node._isDead(addr))
  await silent.close()
})
