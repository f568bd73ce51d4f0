// Blind relaying (relayThrough, §9) between keymesh peers on a real UDP testnet: a keymesh relay
// carries the connection when punching is vetoed, either side may choose the relay (the server's
// choice wins), a working direct path retires the relay, and failures and junk are contained.

import { randomBytes } from 'node:crypto'
import test from 'brittle'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type UDX from 'udx-native'
import { HyperDHT } from '../src/index.js'
import type { RelayServer } from '../src/index.js'
import { createTestnet } from '../src/testnet.js'
import { closed, echo, echoServer, opened } from './helpers/streams.js'
import type { Teardown } from '../src/testnet.js'

test.configure({ timeout: 60_000 })

const NO_PUNCH = (): boolean => false
// on loopback every path works, so both sides stay off the others: the server never punches, the
// client vetoes punching, opens no early session and skips the LAN shortcut
const SERVER_RELAY_ONLY = { holepunch: false } as const
const CLIENT_RELAY_ONLY = { holepunch: NO_PUNCH, fastOpen: false, localConnection: false }

async function network(t: { teardown: Teardown }) {
  const testnet = await createTestnet(6, t)
  const relayNode = testnet.nodes[testnet.nodes.length - 1] as HyperDHT
  const relay = relayNode.createRelayServer()
  await relay.listen(HyperDHT.keyPair())
  const serverNode = testnet.createNode()
  const clientNode = testnet.createNode()
  await Promise.all([serverNode.fullyBootstrapped(), clientNode.fullyBootstrapped()])
  return { testnet, relay, relayNode, serverNode, clientNode }
}

/** Resolves when `n` of the relay's peer connections have closed. */
function relayPeersClosed(relay: RelayServer, n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n
    relay.server.on('connection', (socket: NoiseSecretStream) => {
      socket.once('close', () => {
        if (--left === 0) resolve()
      })
    })
  })
}

function remotePort(stream: NoiseSecretStream): number {
  return (stream.rawStream as UDX.Stream).remotePort
}

/** The ports a node receives on (its server socket and its client socket). */
function portsOf(node: HyperDHT): number[] {
  return [node.port, node.socket?.address()?.port ?? -1]
}

test('client relayThrough: with punching vetoed the connection runs through the relay', async (t) => {
  const { relay, relayNode, serverNode, clientNode } = await network(t)
  const server = echoServer(serverNode, SERVER_RELAY_ONLY)
  await server.listen(HyperDHT.keyPair())

  const stream = clientNode.connect(server.publicKey as Buffer, {
    relayThrough: relay.publicKey as Buffer,
    ...CLIENT_RELAY_ONLY
  })
  await opened(stream)
  t.ok(portsOf(relayNode).includes(remotePort(stream)), 'the client stream goes to the relay node')
  const data = randomBytes(1024 * 1024)
  const back = await echo(stream, data)
  t.ok(back.equals(data), '1 MB echoed byte-exact through the relay')
  t.is(clientNode.stats.relaying.successes, 1, 'client: one relay pairing')
  t.is(serverNode.stats.relaying.successes, 1, 'server: one relay pairing')
  t.is(relay.stats.pairings.matched, 1, 'relay: one matched pairing')
  t.is(relay.stats.streams.opened, 2, 'relay: one stream per side')
})

test('server relayThrough: the server chooses, and its choice wins over the client', async (t) => {
  const { testnet, relay, relayNode, serverNode, clientNode } = await network(t)
  const other = (testnet.nodes[1] as HyperDHT).createRelayServer()
  await other.listen(HyperDHT.keyPair())
  const server = echoServer(serverNode, {
    ...SERVER_RELAY_ONLY,
    relayThrough: relay.publicKey as Buffer
  })
  await server.listen(HyperDHT.keyPair())

  const stream = clientNode.connect(server.publicKey as Buffer, {
    relayThrough: other.publicKey as Buffer,
    ...CLIENT_RELAY_ONLY
  })
  await opened(stream)
  t.ok(portsOf(relayNode).includes(remotePort(stream)), "relayed through the server's relay")
  const data = randomBytes(256 * 1024)
  t.ok((await echo(stream, data)).equals(data), 'echoed byte-exact')
  t.is(relay.stats.pairings.matched, 1, "the server's relay paired")
  t.is(other.stats.sessions.accepted, 0, "the client's relay was never used")
})

test('a direct path found by punching retires the relay; the stream carries on', async (t) => {
  const { relay, relayNode, serverNode, clientNode } = await network(t)
  const server = echoServer(serverNode)
  await server.listen(HyperDHT.keyPair())
  const bothGone = relayPeersClosed(relay, 2)

  const stream = clientNode.connect(server.publicKey as Buffer, {
    relayThrough: relay.publicKey as Buffer,
    localConnection: false
  })
  await opened(stream)
  await bothGone
  t.absent(portsOf(relayNode).includes(remotePort(stream)), 'the stream runs on the direct path')
  const data = randomBytes(512 * 1024)
  t.ok((await echo(stream, data)).equals(data), 'echoed byte-exact after the relay left')
  t.is(relay.stats.streams.active, 0, 'the relay holds no streams')
})

test('a relay nobody runs: with punching vetoed the connect fails and counts an abort', async (t) => {
  const { serverNode, clientNode } = await network(t)
  const server = echoServer(serverNode, SERVER_RELAY_ONLY)
  await server.listen(HyperDHT.keyPair())

  const stream = clientNode.connect(server.publicKey as Buffer, {
    relayThrough: HyperDHT.keyPair().publicKey,
    ...CLIENT_RELAY_ONLY
  })
  let opens = 0
  stream.on('open', () => opens++)
  const err = await closed(stream)
  t.is(opens, 0, 'never opened')
  t.ok(err !== null, `failed: ${String(err)}`)
  t.is(clientNode.stats.relaying.aborts, 1, 'client: one relay abort')
  t.is(clientNode.stats.relaying.successes, 0, 'client: no relay pairing')
})

test('the relay survives junk from a peer and keeps relaying for others', async (t) => {
  const { relay, serverNode, clientNode, testnet } = await network(t)
  const stranger = testnet.createNode()
  await stranger.fullyBootstrapped()
  const junk = stranger.connect(relay.publicKey as Buffer)
  await opened(junk)
  const junkClosed = closed(junk)
  for (let i = 0; i < 20; i++) junk.write(randomBytes(1 + (i % 7) * 13))
  junk.write(Buffer.from([0x00, 0x01, 0x05])) // an open frame cut short: always malformed
  await junkClosed
  t.pass('the junk connection was dropped')

  const server = echoServer(serverNode, SERVER_RELAY_ONLY)
  await server.listen(HyperDHT.keyPair())
  const stream = clientNode.connect(server.publicKey as Buffer, {
    relayThrough: relay.publicKey as Buffer,
    ...CLIENT_RELAY_ONLY
  })
  await opened(stream)
  const data = randomBytes(64 * 1024)
  t.ok((await echo(stream, data)).equals(data), 'relayed echo after the junk')
})

test('a relay server caps its sessions and close() ends them', async (t) => {
  const testnet = await createTestnet(4, t)
  const relay = (testnet.nodes[3] as HyperDHT).createRelayServer({ maxSessions: 1 })
  await relay.listen(HyperDHT.keyPair())
  const a = testnet.createNode()
  const b = testnet.createNode()
  await Promise.all([a.fullyBootstrapped(), b.fullyBootstrapped()])

  const first = a.connect(relay.publicKey as Buffer)
  await opened(first)
  const second = b.connect(relay.publicKey as Buffer)
  second.on('error', () => {})
  t.ok((await closed(second)) !== null || second.destroyed, 'a second peer is turned away')
  const firstClosed = closed(first)
  await relay.close()
  await firstClosed
  t.pass('close() ended the remaining session')
})
