// connect() against keymesh servers on a real UDP testnet: paths, byte-exact echo, error codes,
// lifecycle and cleanup.

import { randomBytes } from 'node:crypto'
import test from 'brittle'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import { HyperDHT } from '../src/index.js'
import { parseRemoteKey } from '../src/remote-key.js'
import { createTestnet } from '../src/testnet.js'
import { closed, echo, echoServer, opened } from './helpers/streams.js'
import type { Teardown } from '../src/testnet.js'

test.configure({ timeout: 60_000 })

const MB = 1024 * 1024

async function network(t: { teardown: Teardown }, size = 6) {
  const testnet = await createTestnet(size, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  return { testnet, client }
}

test('a client echoes several MB byte-exact through a server on a persistent node', async (t) => {
  const { testnet, client } = await network(t)
  const host = testnet.nodes[testnet.nodes.length - 1] as HyperDHT
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(host)
  const accepted = new Promise<NoiseSecretStream>((resolve) => server.once('connection', resolve))
  await server.listen(keyPair)

  const stream = client.connect(keyPair.publicKey)
  await opened(stream)
  t.alike(stream.remotePublicKey, keyPair.publicKey, 'client sees the server key')
  const serverSide = await accepted
  t.alike(serverSide.remotePublicKey, client.defaultKeyPair.publicKey, 'server sees ours')

  const data = randomBytes(4 * MB)
  const back = await echo(stream, data)
  t.is(back.length, data.length, '4 MB echoed')
  t.ok(back.equals(data), 'byte-exact')
  await server.close()
})

test('a server on an ephemeral (firewalled) node is reached over the LAN path', async (t) => {
  const { testnet, client } = await network(t)
  const serverNode = testnet.createNode()
  await serverNode.fullyBootstrapped()
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(serverNode)
  await server.listen(keyPair)

  const stream = client.connect(keyPair.publicKey)
  await opened(stream)
  const data = randomBytes(256 * 1024)
  t.ok((await echo(stream, data)).equals(data), 'echoed through the firewalled server')
  await server.close()
})

test('connect accepts hex, z-base32 and pear:// keys; junk is INVALID_ARGUMENT', async (t) => {
  const key = HyperDHT.keyPair().publicKey
  t.alike(parseRemoteKey(key.toString('hex')).publicKey, key, 'hex')
  const z32 = 'ybndrfg8ejkmcpqxot1uwisza345h769'
  // z-base32 of 32 bytes is 52 characters
  const encoded = z32Encode(key, z32)
  t.alike(parseRemoteKey(encoded).publicKey, key, 'z-base32')
  t.alike(parseRemoteKey('pear://' + encoded).publicKey, key, 'pear://')
  t.exception(() => parseRemoteKey('nope'), /INVALID_ARGUMENT/)
  t.exception(() => parseRemoteKey(new Uint8Array(5)), /INVALID_ARGUMENT/)
})

test('an unknown key fails with PEER_NOT_FOUND', async (t) => {
  const { client } = await network(t)
  const stream = client.connect(HyperDHT.keyPair().publicKey)
  const err = await closed(stream)
  t.is((err as { code?: string } | null)?.code, 'PEER_NOT_FOUND')
})

test('a firewall rejection reaches the client as CONNECTION_REFUSED', async (t) => {
  const { testnet, client } = await network(t)
  const host = testnet.nodes[1] as HyperDHT
  const keyPair = HyperDHT.keyPair()
  const seen: Buffer[] = []
  const server = echoServer(host, {
    firewall: (remotePublicKey: Buffer) => {
      seen.push(remotePublicKey)
      return true
    }
  })
  await server.listen(keyPair)
  const err = await closed(client.connect(keyPair.publicKey))
  t.is((err as { code?: string } | null)?.code, 'CONNECTION_REFUSED')
  t.alike(seen[0], client.defaultKeyPair.publicKey, 'the hook saw the client key')
  await server.close()
})

test('server close keeps open connections (as hyperdht) and refuses new ones', async (t) => {
  const { testnet, client } = await network(t)
  const host = testnet.nodes[2] as HyperDHT
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(host)
  await server.listen(keyPair)
  const stream = client.connect(keyPair.publicKey)
  await opened(stream)
  await server.close()
  t.ok(server.closed, 'closed')
  const data = randomBytes(10_000)
  t.ok((await echo(stream, data)).equals(data), 'the open connection still works')

  const late = client.connect(keyPair.publicKey)
  const err = await closed(late)
  t.ok(err !== null, `a new connect fails (${(err as { code?: string } | null)?.code})`)
})

test('client destroy mid-handshake is clean', async (t) => {
  const { testnet, client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(testnet.nodes[2] as HyperDHT)
  await server.listen(keyPair)
  const early = client.connect(keyPair.publicKey)
  early.destroy()
  await closed(early)
  t.is(client.rawStreams.size, 0, 'no raw streams left on the client')
  await server.close()
})

test('many servers on one node are each reachable', async (t) => {
  const { testnet, client } = await network(t)
  const host = testnet.nodes[3] as HyperDHT
  const keys = [HyperDHT.keyPair(), HyperDHT.keyPair(), HyperDHT.keyPair(), HyperDHT.keyPair()]
  const servers = keys.map(() => echoServer(host))
  await Promise.all(servers.map((s, i) => s.listen(keys[i])))
  for (const kp of keys) {
    const stream = client.connect(kp.publicKey)
    await opened(stream)
    t.alike(stream.remotePublicKey, kp.publicKey)
    const data = randomBytes(1000)
    t.ok((await echo(stream, data)).equals(data))
  }
  await Promise.all(servers.map((s) => s.close()))
})

test('a pool keeps one connection per key', async (t) => {
  const { testnet, client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(testnet.nodes[1] as HyperDHT)
  await server.listen(keyPair)
  const pool = client.pool()
  const a = client.connect(keyPair.publicKey, { pool })
  const b = client.connect(keyPair.publicKey, { pool })
  t.is(a, b, 'the second connect returns the pooled stream')
  await opened(a)
  t.ok(pool.has(keyPair.publicKey))
  a.destroy()
  await closed(a)
  t.absent(pool.has(keyPair.publicKey), 'gone from the pool once closed')
  await server.close()
})

test('destroying the client node leaves no raw streams or holepunch sockets', async (t) => {
  const { testnet, client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(testnet.nodes[1] as HyperDHT)
  await server.listen(keyPair)
  const stream = client.connect(keyPair.publicKey)
  await opened(stream)
  const end = closed(stream)
  await client.destroy()
  await end
  t.is(client.rawStreams.size, 0)
  t.is(client._socketPool.size, 0)
  const late = client.connect(keyPair.publicKey)
  const err = await closed(late)
  t.is((err as { code?: string } | null)?.code, 'NODE_DESTROYED')
})

function z32Encode(bytes: Uint8Array, alphabet: string): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += alphabet[(acc >> bits) & 31]
    }
    acc &= (1 << bits) - 1
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31]
  return out
}

test('connectionKeepAlive reaches both ends; false turns it off', async (t) => {
  const testnet = await createTestnet(4, t)
  const on = testnet.createNode({ connectionKeepAlive: 1234 })
  const off = testnet.createNode({ connectionKeepAlive: false })
  await Promise.all([on.fullyBootstrapped(), off.fullyBootstrapped()])
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(on)
  const accepted = new Promise<NoiseSecretStream>((resolve) => server.once('connection', resolve))
  await server.listen(keyPair)
  const stream = off.connect(keyPair.publicKey)
  await opened(stream)
  t.is(stream.keepAlive, 0, 'client: off')
  t.is((await accepted).keepAlive, 1234, 'server: its node setting')
  stream.destroy()
  await closed(stream)
  await server.close()
})

test('a raw stream rides an open connection (createRawStream + connectRawStream)', async (t) => {
  const { testnet, client } = await network(t)
  const host = testnet.nodes[1] as HyperDHT
  const keyPair = HyperDHT.keyPair()
  const serverRaw = host.createRawStream()
  const server = host.createServer((socket: NoiseSecretStream) => {
    socket.on('error', () => {})
    socket.once('data', (id: Buffer) => {
      HyperDHT.connectRawStream(socket, serverRaw, id.readUInt32LE(0))
      const mine = Buffer.alloc(4)
      mine.writeUInt32LE(serverRaw.id)
      socket.write(mine)
    })
  })
  await server.listen(keyPair)
  const stream = client.connect(keyPair.publicKey)
  await opened(stream)
  const clientRaw = client.createRawStream()
  const id = Buffer.alloc(4)
  id.writeUInt32LE(clientRaw.id)
  stream.write(id)
  const remoteId = await new Promise<number>((resolve) =>
    stream.once('data', (d: Buffer) => resolve(d.readUInt32LE(0)))
  )
  HyperDHT.connectRawStream(stream, clientRaw, remoteId)
  const got = new Promise<Buffer>((resolve) => serverRaw.once('data', (d) => resolve(d as Buffer)))
  clientRaw.write(Buffer.from('raw bytes'))
  t.is((await got).toString(), 'raw bytes', 'bytes over the raw stream')
  clientRaw.destroy()
  serverRaw.destroy()
  stream.destroy()
  await closed(stream)
  await server.close()
})

test('suspend fails connections and refuses new ones; resume connects again', async (t) => {
  const { testnet, client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  const server = echoServer(testnet.nodes[1] as HyperDHT)
  await server.listen(keyPair)
  const stream = client.connect(keyPair.publicKey)
  await opened(stream)
  const gone = closed(stream)
  await client.suspend()
  await gone
  t.pass('the open connection closed on suspend')
  const during = client.connect(keyPair.publicKey)
  t.is(((await closed(during)) as { code?: string } | null)?.code, 'SUSPENDED')
  await client.resume()
  const again = client.connect(keyPair.publicKey)
  await opened(again)
  const data = randomBytes(1000)
  t.ok((await echo(again, data)).equals(data), 'connects after resume')
  await server.close()
})
