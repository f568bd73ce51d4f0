// Server and Announcer over a real UDP testnet: lifecycle, errors, announces, suspend, connections.

import { once } from 'node:events'
import test from 'brittle'
import { HyperDHT, defaultSignAnnounce } from '../src/index.js'
import type { FindPeerResult, KeyPair, Server } from '../src/index.js'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import { createTestnet } from '../src/testnet.js'

test.configure({ timeout: 30_000 })

async function findPeer(node: HyperDHT, publicKey: Uint8Array): Promise<FindPeerResult[]> {
  const out: FindPeerResult[] = []
  for await (const r of node.findPeer(publicKey)) out.push(r)
  return out.filter((r) => r.peer.publicKey.equals(publicKey))
}

// the announcer re-announces in the background after resume(); look until it is back (bounded)
async function findPeerEventually(
  node: HyperDHT,
  publicKey: Uint8Array,
  attempts = 20
): Promise<FindPeerResult[]> {
  for (let i = 0; i < attempts; i++) {
    const found = await findPeer(node, publicKey)
    if (found.length > 0) return found
  }
  return []
}

function echo(socket: NoiseSecretStream): void {
  socket.on('error', () => {})
  socket.pipe(socket)
}

/** Connect, send `data`, end, and collect what comes back until the stream closes. */
async function roundTrip(
  client: HyperDHT,
  publicKey: Uint8Array,
  data: Buffer,
  opts: { keyPair?: KeyPair } = {}
): Promise<{ received: Buffer; stream: NoiseSecretStream }> {
  const stream = client.connect(publicKey, opts)
  const chunks: Buffer[] = []
  stream.on('data', (d: Buffer) => chunks.push(d))
  stream.on('open', () => stream.end(data))
  await new Promise<void>((resolve) => stream.once('close', () => resolve()))
  return { received: Buffer.concat(chunks), stream }
}

/** The error `connect()` is destroyed with. */
async function connectError(
  client: HyperDHT,
  publicKey: Uint8Array,
  opts: { keyPair?: KeyPair } = {}
): Promise<{ code: unknown; ms: number }> {
  const start = Date.now()
  const stream = client.connect(publicKey, opts)
  const [err] = (await once(stream, 'error')) as [{ code?: unknown }]
  return { code: err.code, ms: Date.now() - start }
}

test('listen and close: events, state, address(), idempotent close', async (t) => {
  const testnet = await createTestnet(6, t)
  const node = testnet.nodes[2] as HyperDHT
  const server = node.createServer()
  const keyPair = HyperDHT.keyPair()
  t.is(server.listening, false)
  t.is(server.address(), null)
  t.is(server.publicKey, null)
  t.alike(server.relayAddresses, [])

  const listening = once(server, 'listening')
  const returned = await server.listen(keyPair)
  await listening
  t.is(returned, server, 'listen resolves to the server')
  t.ok(server.listening)
  t.ok(node.listening.has(server))
  t.alike(server.publicKey, keyPair.publicKey)
  t.alike(server.address(), { publicKey: keyPair.publicKey, host: node.host, port: node.port })
  t.is(server.address()?.host, '127.0.0.1')
  // a persistent, unfirewalled node lists its own address first
  t.alike(server.relayAddresses[0], node.remoteAddress())
  t.ok(server.relayAddresses.length >= 2 && server.relayAddresses.length <= 3)

  let closes = 0
  server.on('close', () => closes++)
  const closing = server.close()
  t.is(server.close(), closing, 'close() returns the same promise')
  await closing
  await server.close()
  t.is(closes, 1, "'close' emitted once")
  t.ok(server.closed)
  t.is(server.listening, false)
  t.is(server.address(), null)
  t.is(node.listening.has(server), false)
  t.is(node._router.get(HyperDHT.hash(keyPair.publicKey)), null, 'router entry removed')
})

test('close before listen emits close; the default key pair is used', async (t) => {
  const testnet = await createTestnet(4, t)
  const node = testnet.nodes[1] as HyperDHT
  const idle = node.createServer()
  const closed = once(idle, 'close')
  await idle.close()
  await closed
  t.ok(idle.closed)

  const server = node.createServer()
  await server.listen()
  t.alike(server.publicKey, node.defaultKeyPair.publicKey)
  await server.close()
})

test('close during listen: listen resolves without listening; listen after close is a no-op', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = testnet.nodes[2] as HyperDHT
  const server = node.createServer()
  let listened = false
  server.on('listening', () => (listened = true))
  const keyPair = HyperDHT.keyPair()
  const listening = server.listen(keyPair)
  const closing = server.close()
  t.is(await listening, server, 'listen resolves')
  await closing
  t.is(listened, false, "no 'listening'")
  t.ok(server.closed)
  t.is(server.listening, false)
  t.is(node.listening.has(server), false)
  t.is(node._router.get(HyperDHT.hash(keyPair.publicKey)), null)

  await server.listen(keyPair)
  t.is(server.listening, false, 'still closed')
  t.is(node.listening.has(server), false, 'not registered with the node')
})

test('listen errors: ALREADY_LISTENING, KEYPAIR_ALREADY_USED, NODE_DESTROYED', async (t) => {
  const testnet = await createTestnet(4, t)
  const node = testnet.nodes[1] as HyperDHT
  const keyPair = HyperDHT.keyPair()

  const server = node.createServer()
  const first = server.listen(keyPair)
  await t.exception(server.listen(keyPair), /ALREADY_LISTENING/, 'while starting')
  await first
  await t.exception(server.listen(HyperDHT.keyPair()), /ALREADY_LISTENING/, 'once listening')

  const twin = node.createServer()
  await t.exception(twin.listen(keyPair), /KEYPAIR_ALREADY_USED/)
  t.is(twin.listening, false, 'the twin is not listening')
  t.is(node.listening.has(twin), false)
  t.ok(node._router.get(HyperDHT.hash(keyPair.publicKey)) !== null, "the first one's entry stays")

  // the same key pair on another node is fine (it is a different node's router)
  const other = (testnet.nodes[2] as HyperDHT).createServer()
  await other.listen(keyPair)
  await other.close()

  const lonely = testnet.createNode()
  await lonely.destroy()
  const late = lonely.createServer()
  const err = await late.listen().catch((e: unknown) => e)
  t.is((err as { code?: unknown }).code, 'NODE_DESTROYED')
  await server.close()
})

test('the announce is stored on the closest nodes and close unannounces it', async (t) => {
  const testnet = await createTestnet(8, t)
  const serverNode = testnet.createNode() // ephemeral: only the relays know the server
  const reader = testnet.createNode()
  await Promise.all([serverNode.fullyBootstrapped(), reader.fullyBootstrapped()])
  const server = serverNode.createServer()
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)

  const relays = server.relayAddresses
  t.is(relays.length, 3, 'three relays')
  const nodePorts = new Set(testnet.nodes.map((n) => n.address()?.port))
  t.ok(
    relays.every((r) => r.host === '127.0.0.1' && nodePorts.has(r.port)),
    'relays are testnet nodes'
  )
  const stats = server.announcerStats
  t.ok(stats !== null && stats.announces === 3 && stats.cycles === 1, 'three announces, one cycle')

  const found = await findPeer(reader, keyPair.publicKey)
  t.ok(found.length >= 1, `found on ${found.length} nodes`)
  for (const r of found) {
    t.ok(
      relays.some((a) => a.host === r.from.host && a.port === r.from.port),
      `record served by relay ${r.from.port}`
    )
    t.alike(r.peer.relayAddresses, [], 'the stored record carries no relay addresses')
  }

  await server.close()
  t.alike(await findPeer(reader, keyPair.publicKey), [], 'gone after close')
})

test('many servers on one node: each announced and reachable, each closes alone', async (t) => {
  const testnet = await createTestnet(6, t)
  const node = testnet.nodes[3] as HyperDHT
  const client = testnet.createNode()
  await client.fullyBootstrapped()

  const servers: { server: Server; keyPair: KeyPair }[] = []
  for (let i = 0; i < 5; i++) {
    const keyPair = HyperDHT.keyPair()
    const server = node.createServer((socket) => {
      socket.on('error', () => {})
      socket.end(Buffer.from(`server ${i}`))
    })
    servers.push({ server, keyPair })
  }
  await Promise.all(servers.map(({ server, keyPair }) => server.listen(keyPair)))
  t.is(node.listening.size, 5)

  for (let i = 0; i < servers.length; i++) {
    const { keyPair } = servers[i] as { keyPair: KeyPair }
    const { received, stream } = await roundTrip(client, keyPair.publicKey, Buffer.alloc(0))
    t.is(received.toString(), `server ${i}`, `server ${i} answered`)
    t.alike(stream.remotePublicKey, keyPair.publicKey)
  }

  const [first, ...rest] = servers
  await first?.server.close()
  t.is(node.listening.size, 4)
  t.alike(await findPeer(client, first?.keyPair.publicKey as Buffer), [], 'the closed one is gone')
  t.ok((await findPeer(client, rest[0]?.keyPair.publicKey as Buffer)).length > 0, 'others stay')
  await Promise.all(rest.map(({ server }) => server.close()))
  t.is(node.listening.size, 0)
})

test('suspend unannounces, resume announces again', async (t) => {
  const testnet = await createTestnet(6, t)
  const serverNode = testnet.createNode()
  const reader = testnet.createNode()
  await Promise.all([serverNode.fullyBootstrapped(), reader.fullyBootstrapped()])
  const server = serverNode.createServer(echo)
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  t.ok((await findPeer(reader, keyPair.publicKey)).length > 0, 'announced')

  await server.suspend()
  t.ok(server.suspended)
  t.alike(await findPeer(reader, keyPair.publicKey), [], 'unannounced while suspended')

  await server.resume()
  t.is(server.suspended, false)
  t.ok((await findPeerEventually(reader, keyPair.publicKey)).length > 0, 'announced again')
  const { received } = await roundTrip(reader, keyPair.publicKey, Buffer.from('after resume'))
  t.is(received.toString(), 'after resume', 'connections work again')
  await server.close()
})

test('listen signal: aborted before, and during the first announce', async (t) => {
  const testnet = await createTestnet(6, t)
  const node = testnet.nodes[2] as HyperDHT

  const before = node.createServer()
  const reason = new Error('not now')
  const err = await before
    .listen(HyperDHT.keyPair(), { signal: AbortSignal.abort(reason) })
    .catch((e: unknown) => e)
  t.is(err, reason, 'rejects with signal.reason')
  t.is(before.listening, false)

  const during = node.createServer()
  const controller = new AbortController()
  const keyPair = HyperDHT.keyPair()
  const listening = during.listen(keyPair, { signal: controller.signal })
  controller.abort(reason)
  t.is(await listening.catch((e: unknown) => e), reason, 'rejects with signal.reason')
  t.is(during.listening, false)
  t.is(node.listening.has(during), false)
  t.is(node._router.get(HyperDHT.hash(keyPair.publicKey)), null)

  // aborted while the first announce is being signed: the announce is cut short
  const mid = new AbortController()
  const midReason = new Error('mid-announce')
  const midListen = during.listen(keyPair, {
    signal: mid.signal,
    signAnnounce: (target, token, nodeId, ann, kp) => {
      mid.abort(midReason)
      return defaultSignAnnounce(target, token, nodeId, ann, kp)
    }
  })
  t.is(await midListen.catch((e: unknown) => e), midReason, 'rejects with signal.reason')
  t.is(during.listening, false)
  t.is(node._router.get(HyperDHT.hash(keyPair.publicKey)), null)

  // and the server can listen again afterwards
  await during.listen(keyPair)
  t.ok(during.listening)
  await during.close()
})

test('connections: several MB echoed byte-exact, keys on both sides, to an open and a firewalled server', async (t) => {
  const testnet = await createTestnet(6, t)
  const client = testnet.createNode()
  const firewalledNode = testnet.createNode()
  await Promise.all([client.fullyBootstrapped(), firewalledNode.fullyBootstrapped()])
  const data = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < data.byteLength; i++) data[i] = (i * 31 + (i >> 8)) & 0xff

  for (const [name, node] of [
    ['open server', testnet.nodes[3] as HyperDHT],
    ['firewalled server', firewalledNode]
  ] as const) {
    const keyPair = HyperDHT.keyPair()
    let serverSide: NoiseSecretStream | null = null
    const server = node.createServer((socket) => {
      serverSide = socket
      echo(socket)
    })
    await server.listen(keyPair)
    const { received, stream } = await roundTrip(client, keyPair.publicKey, data)
    t.ok(received.equals(data), `${name}: ${received.byteLength} bytes echoed byte-exact`)
    t.alike(stream.remotePublicKey, keyPair.publicKey, `${name}: client sees the server key`)
    const side = serverSide as NoiseSecretStream | null
    t.alike(side?.remotePublicKey, client.defaultKeyPair.publicKey, `${name}: server sees ours`)
    t.alike(side?.publicKey, keyPair.publicKey)
    await server.close()
  }
})

test('firewall: called with key, payload and address; rejection is CONNECTION_REFUSED at once', async (t) => {
  const testnet = await createTestnet(6, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const refused = HyperDHT.keyPair()
  const seen: { key: Buffer; version: number; host: string }[] = []
  const server = (testnet.nodes[3] as HyperDHT).createServer(
    {
      // async on purpose: the hook may await
      firewall: async (remotePublicKey, remotePayload, clientAddress) => {
        seen.push({
          key: remotePublicKey,
          version: remotePayload.version,
          host: clientAddress.host
        })
        await new Promise((resolve) => setImmediate(resolve))
        return remotePublicKey.equals(refused.publicKey)
      }
    },
    echo
  )
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)

  const { code, ms } = await connectError(client, keyPair.publicKey, { keyPair: refused })
  t.is(code, 'CONNECTION_REFUSED')
  t.ok(ms < 5000, `refused after ${ms} ms`)
  t.ok(
    seen.some((s) => s.key.equals(refused.publicKey) && s.version === 1 && s.host === '127.0.0.1'),
    'the hook saw the client key, payload and address'
  )

  const { received } = await roundTrip(client, keyPair.publicKey, Buffer.from('welcome'))
  t.is(received.toString(), 'welcome', 'an accepted key still connects')
  await server.close()
})

test('firewall: a throwing hook refuses', async (t) => {
  const testnet = await createTestnet(5, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const server = (testnet.nodes[2] as HyperDHT).createServer({
    firewall: () => {
      throw new Error('hook failed')
    }
  })
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  t.is((await connectError(client, keyPair.publicKey)).code, 'CONNECTION_REFUSED')
  await server.close()
})

test('firewall with rejectSilently: no answer, the client gives up on its own', async (t) => {
  const testnet = await createTestnet(5, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  let calls = 0
  const server = (testnet.nodes[2] as HyperDHT).createServer({
    rejectSilently: true,
    firewall: () => {
      calls++
      return true
    }
  })
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  const { code } = await connectError(client, keyPair.publicKey)
  t.not(code, 'CONNECTION_REFUSED')
  t.ok(calls >= 1, 'the firewall ran')
  await server.close()
})

test('close keeps open connections (as hyperdht); destroying the node ends them', async (t) => {
  const testnet = await createTestnet(6, t)
  const client = testnet.createNode()
  const serverNode = testnet.createNode()
  await Promise.all([client.fullyBootstrapped(), serverNode.fullyBootstrapped()])
  const server = serverNode.createServer(echo)
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)

  const stream = client.connect(keyPair.publicKey)
  stream.on('error', () => {})
  await once(stream, 'open')
  stream.write(Buffer.from('ping'))
  t.is(((await once(stream, 'data')) as [Buffer])[0].toString(), 'ping')

  await server.close()
  stream.write(Buffer.from('still there'))
  t.is(((await once(stream, 'data')) as [Buffer])[0].toString(), 'still there')
  t.alike(await findPeer(client, keyPair.publicKey), [], 'but no longer announced')

  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
  await serverNode.destroy()
  await closed
  t.pass('the client saw the connection close')
})

test('a closed server answers no handshakes; a new server takes the key over', async (t) => {
  const testnet = await createTestnet(5, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const node = testnet.nodes[2] as HyperDHT
  const keyPair = HyperDHT.keyPair()
  const first = node.createServer(echo)
  await first.listen(keyPair)
  await first.close()

  const second = node.createServer((socket) => {
    socket.on('error', () => {})
    socket.end(Buffer.from('second'))
  })
  await second.listen(keyPair)
  const { received } = await roundTrip(client, keyPair.publicKey, Buffer.alloc(0))
  t.is(received.toString(), 'second')
  await second.close()
})
