// Tests for NatAnalyzer: the classification table, freezing, and sampling over real UDP.

import test from 'brittle'
import UDX from 'udx-native'
import { FIREWALL, NatAnalyzer } from '../src/index.js'
import type { HostPort } from '../src/index.js'
import { createEchoNodes } from './helpers/echo-node.js'
import { addressOf, createSocket, isSettled } from './helpers/net.js'
import { TestTransport } from './helpers/test-transport.js'

const udx = new UDX()

// Sockets are never used by add(); one shared unbound socket stands in.
const unused = udx.createSocket()

function analyzer(firewalled = true): { nat: NatAnalyzer; transport: TestTransport } {
  const transport = new TestTransport()
  transport.firewalled = firewalled
  return { nat: new NatAnalyzer(transport, unused), transport }
}

// Feeds samples, each reported by a different node.
function feed(nat: NatAnalyzer, samples: string[], firstNode = 0): void {
  samples.forEach((s, i) => nat.add(parse(s), { host: '10.9.9.9', port: 1000 + firstNode + i }))
}

function parse(s: string): HostPort {
  const [host = '', port = '0'] = s.split(':')
  return { host, port: Number(port) }
}

interface Row {
  name: string
  samples: string[]
  firewall: number
  addresses: string[] | null
}

const A = '1.1.1.1'
const B = '2.2.2.2'
const C = '3.3.3.3'
const D = '4.4.4.4'

const TABLE: Row[] = [
  { name: 'no samples', samples: [], firewall: FIREWALL.UNKNOWN, addresses: null },
  {
    name: 'fewer than 3 samples',
    samples: [`${A}:1`, `${A}:1`],
    firewall: FIREWALL.UNKNOWN,
    addresses: null
  },
  {
    name: 'top seen 3 times',
    samples: [`${A}:1`, `${A}:1`, `${A}:1`],
    firewall: FIREWALL.CONSISTENT,
    addresses: [`${A}:1`]
  },
  {
    name: 'top seen once, one host',
    samples: [`${A}:1`, `${A}:2`, `${A}:3`],
    firewall: FIREWALL.RANDOM,
    addresses: [`${A}:0`]
  },
  {
    name: 'top seen once, many hosts: first host',
    samples: [`${A}:1`, `${B}:1`, `${C}:1`],
    firewall: FIREWALL.RANDOM,
    addresses: [`${A}:0`]
  },
  {
    name: 'top seen once, the most seen host wins',
    samples: [`${A}:1`, `${B}:1`, `${B}:2`],
    firewall: FIREWALL.RANDOM,
    addresses: [`${B}:0`]
  },
  {
    name: 'two hits, one host, 3 samples: undecided',
    samples: [`${A}:1`, `${A}:1`, `${A}:2`],
    firewall: FIREWALL.UNKNOWN,
    addresses: null
  },
  {
    name: 'two hits, one host, 4 samples: random',
    samples: [`${A}:1`, `${A}:1`, `${A}:2`, `${A}:3`],
    firewall: FIREWALL.RANDOM,
    addresses: [`${A}:0`]
  },
  {
    name: 'two hits on two hosts: consistent',
    samples: [`${A}:1`, `${A}:1`, `${B}:5`, `${B}:5`],
    firewall: FIREWALL.CONSISTENT,
    addresses: [`${A}:1`, `${B}:5`]
  },
  {
    name: 'two hits, hosts differ, second once, 4 samples: undecided',
    samples: [`${A}:1`, `${A}:1`, `${B}:1`, `${C}:1`],
    firewall: FIREWALL.UNKNOWN,
    addresses: null
  },
  {
    name: 'two hits, hosts differ, 5 samples: random',
    samples: [`${A}:1`, `${A}:1`, `${B}:1`, `${C}:1`, `${D}:1`],
    firewall: FIREWALL.RANDOM,
    addresses: [`${A}:0`]
  },
  {
    name: 'consistent lists at least two candidates',
    samples: [`${A}:1`, `${A}:1`, `${A}:1`, `${B}:7`],
    firewall: FIREWALL.CONSISTENT,
    addresses: [`${A}:1`, `${B}:7`]
  },
  {
    name: 'consistent lists every repeated mapping',
    samples: [`${A}:1`, `${A}:1`, `${A}:1`, `${B}:7`, `${B}:7`, `${C}:9`, `${C}:9`, `${D}:1`],
    firewall: FIREWALL.CONSISTENT,
    addresses: [`${A}:1`, `${B}:7`, `${C}:9`]
  },
  {
    name: 'consistent drops single hits past two',
    samples: [`${A}:1`, `${A}:1`, `${A}:1`, `${B}:7`, `${B}:7`, `${C}:9`],
    firewall: FIREWALL.CONSISTENT,
    addresses: [`${A}:1`, `${B}:7`]
  },
  {
    name: 'a later mapping overtakes on hits',
    samples: [`${A}:1`, `${B}:2`, `${B}:2`, `${B}:2`],
    firewall: FIREWALL.CONSISTENT,
    addresses: [`${B}:2`, `${A}:1`]
  }
]

test('classification table (firewalled DHT)', (t) => {
  for (const row of TABLE) {
    const { nat } = analyzer()
    feed(nat, row.samples)
    t.is(nat.sampled, row.samples.length, `${row.name}: sampled`)
    t.is(nat.firewall, row.firewall, `${row.name}: firewall`)
    t.alike(nat.addresses, row.addresses?.map(parse) ?? null, `${row.name}: addresses`)
  }
})

test('a node counts once, however often it answers', (t) => {
  const { nat } = analyzer()
  const from = { host: '10.0.0.1', port: 9 }
  nat.add({ host: A, port: 1 }, from)
  nat.add({ host: A, port: 1 }, from)
  nat.add({ host: A, port: 1 }, { ...from })
  t.is(nat.sampled, 1)
})

test('not firewalled: OPEN from the start and after samples, no addresses', (t) => {
  const { nat } = analyzer(false)
  t.is(nat.firewall, FIREWALL.OPEN)
  feed(nat, [`${A}:1`])
  t.is(nat.firewall, FIREWALL.OPEN)
  t.is(nat.addresses, null)
  feed(nat, [`${A}:1`, `${A}:1`], 1)
  t.is(nat.firewall, FIREWALL.OPEN)
  t.is(nat.addresses, null)
})

test('update() drops an OPEN view once the DHT turns firewalled', (t) => {
  const { nat, transport } = analyzer(false)
  feed(nat, [`${A}:1`, `${A}:1`, `${A}:1`])
  t.is(nat.firewall, FIREWALL.OPEN)
  transport.firewalled = true
  nat.update()
  t.is(nat.firewall, FIREWALL.CONSISTENT)
  t.alike(nat.addresses, [parse(`${A}:1`)])
})

test('update() with too few samples leaves a firewalled view UNKNOWN', (t) => {
  const { nat, transport } = analyzer(false)
  feed(nat, [`${A}:1`])
  transport.firewalled = true
  nat.update()
  t.is(nat.firewall, FIREWALL.UNKNOWN)
  t.is(nat.addresses, null)
})

test('freeze holds the class and addresses; unfreeze recomputes', (t) => {
  const { nat } = analyzer()
  feed(nat, [`${A}:1`, `${A}:2`, `${A}:3`])
  t.is(nat.firewall, FIREWALL.RANDOM)
  nat.freeze()
  t.ok(nat.frozen)
  feed(nat, [`${A}:1`, `${A}:1`, `${A}:1`], 3)
  t.is(nat.sampled, 6, 'samples still counted')
  t.is(nat.firewall, FIREWALL.RANDOM, 'class frozen')
  t.alike(nat.addresses, [parse(`${A}:0`)], 'addresses frozen')
  nat.unfreeze()
  t.absent(nat.frozen)
  t.is(nat.firewall, FIREWALL.CONSISTENT)
  t.alike(nat.addresses, [parse(`${A}:1`), parse(`${A}:2`)])
})

test('analyzing resolves on CONSISTENT', async (t) => {
  const { nat } = analyzer()
  feed(nat, [`${A}:1`, `${A}:1`])
  t.absent(await isSettled(nat.analyzing), 'not after 2 samples')
  feed(nat, [`${A}:1`], 2)
  t.ok(await isSettled(nat.analyzing))
})

test('analyzing resolves after 4 samples even when undecided', async (t) => {
  const { nat } = analyzer()
  feed(nat, [`${A}:1`, `${A}:1`, `${B}:1`])
  t.absent(await isSettled(nat.analyzing))
  feed(nat, [`${C}:1`], 3)
  t.is(nat.firewall, FIREWALL.UNKNOWN)
  t.ok(await isSettled(nat.analyzing))
})

test('analyzing resolves at once when not firewalled and a sample arrives', async (t) => {
  const { nat } = analyzer(false)
  t.absent(await isSettled(nat.analyzing))
  feed(nat, [`${A}:1`])
  t.ok(await isSettled(nat.analyzing))
})

test('destroy resolves analyzing', async (t) => {
  const { nat } = analyzer()
  nat.destroy()
  t.ok(await isSettled(nat.analyzing))
})

test('autoSample over real UDP: 4 pings, loopback samples are CONSISTENT', async (t) => {
  const nodes = createEchoNodes(t, udx, 5)
  const socket = createSocket(t, udx)
  const transport = new TestTransport(nodes)
  socket.on('message', (buf, rinfo) => transport.deliver(buf, rinfo))

  const nat = new NatAnalyzer(transport, socket)
  nat.autoSample()
  nat.autoSample() // no-op while sampling
  await nat.analyzing
  t.is(nat.firewall, FIREWALL.CONSISTENT)
  await transport.idle()

  t.alike(
    transport.pinged.map((p) => p.node),
    nodes.slice(0, 4),
    'the 4 most recent nodes, in order'
  )
  t.ok(
    transport.pinged.every((p) => p.socket === socket),
    'sent from the analyzed socket'
  )
  t.is(nat.sampled, 4)
  t.is(nat.firewall, FIREWALL.CONSISTENT)
  t.alike(nat.addresses, [addressOf(socket)])
})

test('autoSample skips the 5 newest nodes when 8 or more are known', async (t) => {
  const nodes = createEchoNodes(t, udx, 10)
  const socket = createSocket(t, udx)
  const transport = new TestTransport(nodes)
  socket.on('message', (buf, rinfo) => transport.deliver(buf, rinfo))

  const nat = new NatAnalyzer(transport, socket)
  nat.autoSample()
  await nat.analyzing
  await transport.idle()
  t.alike(
    transport.pinged.map((p) => p.node),
    nodes.slice(5, 9)
  )
  t.is(nat.firewall, FIREWALL.CONSISTENT)
})

test('autoSample runs one more round over untried nodes when samples are missing', async (t) => {
  const nodes = createEchoNodes(t, udx, 6)
  const socket = createSocket(t, udx)
  const transport = new TestTransport(nodes)
  for (const n of nodes.slice(0, 2)) transport.unreachable.add(n.host + ':' + n.port)
  socket.on('message', (buf, rinfo) => transport.deliver(buf, rinfo))

  const nat = new NatAnalyzer(transport, socket)
  nat.autoSample()
  await nat.analyzing
  await transport.idle()
  t.alike(
    transport.pinged.map((p) => p.node),
    nodes,
    '4 in the first round, the 2 untried ones in the retry'
  )
  t.is(nat.sampled, 4)
  t.is(nat.firewall, FIREWALL.CONSISTENT)
})

test('autoSample without retry resolves UNKNOWN when every ping fails', async (t) => {
  const nodes = [
    { host: '127.0.0.1', port: 1 },
    { host: '127.0.0.1', port: 2 },
    { host: '127.0.0.1', port: 3 },
    { host: '127.0.0.1', port: 4 },
    { host: '127.0.0.1', port: 5 }
  ]
  const transport = new TestTransport(nodes)
  for (const n of nodes) transport.unreachable.add(n.host + ':' + n.port)
  const nat = new NatAnalyzer(transport, unused)
  nat.autoSample(false)
  await nat.analyzing
  t.is(transport.pinged.length, 4, 'one round only')
  t.is(nat.firewall, FIREWALL.UNKNOWN)
  t.is(nat.addresses, null)
})

test('autoSample with no nodes resolves after the retry round', async (t) => {
  const transport = new TestTransport([])
  const nat = new NatAnalyzer(transport, unused)
  nat.autoSample()
  await nat.analyzing
  t.is(transport.pinged.length, 0)
  t.is(nat.firewall, FIREWALL.UNKNOWN)
})

test('a transport whose ping throws synchronously is treated as a failed ping', async (t) => {
  const transport = new TestTransport([{ host: '127.0.0.1', port: 1 }])
  transport.ping = () => {
    throw new Error('boom')
  }
  const nat = new NatAnalyzer(transport, unused)
  nat.autoSample()
  await nat.analyzing
  t.is(nat.firewall, FIREWALL.UNKNOWN)
})

test('replies after destroy are ignored', async (t) => {
  const nodes = createEchoNodes(t, udx, 4)
  const socket = createSocket(t, udx)
  const transport = new TestTransport(nodes)
  socket.on('message', (buf, rinfo) => transport.deliver(buf, rinfo))
  const nat = new NatAnalyzer(transport, socket)
  nat.autoSample()
  nat.destroy()
  await transport.idle()
  t.is(nat.sampled, 0)
})
