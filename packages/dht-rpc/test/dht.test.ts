// Real-UDP tests on 127.0.0.1: bootstrap, persistence, queries, commands, errors, lifecycle, abuse.

import test from 'brittle'
import { randomBytes } from 'node:crypto'
import { nodeId } from '@keymesh/crypto'
import { encode, rpcRequest, rpcResponse, tryDecode } from '@keymesh/wire'
import DHT, { DHTError } from '../src/index.js'
import type { DHTNode, Reply, Request } from '../src/index.js'
import { createTestnet } from '../src/testnet.js'
import { createSocket, event, freePort, nextDatagram } from './helpers/net.js'

const LOCAL = '127.0.0.1'
const VALUES = 0

function serveValues(node: DHT, store: Map<string, Buffer>): void {
  node.on('request', (req: Request) => {
    if (req.command !== VALUES) return
    if (req.token !== null && req.value !== null) {
      store.set(req.target!.toString('hex'), req.value)
      req.reply(null)
      return
    }
    req.reply(store.get(req.target!.toString('hex')) ?? null)
  })
}

test('bootstrapper + nodes: persistent, id = H(127.0.0.1:port), events in order', async (t) => {
  const port = await freePort()
  const bootstrap = DHT.bootstrapper(port, LOCAL, { host: LOCAL })
  t.teardown(() => bootstrap.destroy())
  await bootstrap.fullyBootstrapped()
  t.alike(bootstrap.id, nodeId(LOCAL, port), 'bootstrapper id')
  t.absent(bootstrap.ephemeral)
  t.absent(bootstrap.firewalled)

  const node = new DHT({
    bootstrap: [`${LOCAL}:${port}`],
    ephemeral: false,
    firewalled: false,
    host: LOCAL
  })
  t.teardown(() => node.destroy())
  const events: string[] = []
  for (const name of ['listening', 'nat-update', 'add-node', 'persistent', 'ready'] as const) {
    node.on(name, () => events.push(name))
  }
  const added = event<[DHTNode]>(bootstrap, 'add-node')
  await node.fullyBootstrapped()
  t.alike(events, ['listening', 'nat-update', 'add-node', 'persistent', 'ready'])

  const own = node.address()!.port
  t.alike(node.id, nodeId(LOCAL, own))
  t.is(node.host, LOCAL)
  t.is(node.port, own)
  t.alike(node.remoteAddress(), { host: LOCAL, port: own })
  t.absent(node.randomized)
  t.is(node.localAddress()!.port, own)
  t.ok(node.bootstrapped)
  const [seen] = await added
  t.is(seen.port, own, 'the bootstrapper added the node once it sent its id')
  t.alike(node.toArray(), [{ host: LOCAL, port }])
})

test('a firewalled node passes the PING_NAT firewall check and becomes persistent', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = new DHT({ bootstrap: testnet.bootstrap, ephemeral: false, host: LOCAL })
  t.teardown(() => node.destroy())
  t.ok(node.firewalled, 'starts firewalled')
  const server = () => node.io.serverSocket!.address()!.port
  await node.fullyBootstrapped()
  t.absent(node.firewalled, 'nodes reached the server socket unsolicited')
  t.absent(node.ephemeral)
  t.alike(node.id, nodeId(LOCAL, server()), 'id from the server socket address')
  t.is(node.address()!.port, server(), 'requests now leave from the server socket')
  t.ok(node.stats.commands.pingNat.tx >= 3, 'asked several nodes')
})

test('ephemeral nodes stay out of routing tables and send no id', async (t) => {
  const testnet = await createTestnet(3, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  t.ok(client.ephemeral)
  t.is(client.id, null)
  t.ok(client.toArray().length >= 3, 'but it knows the network')
  for (const node of testnet.nodes.slice(0, 3)) {
    t.absent(
      node.toArray().some((n) => n.port === client.address()!.port),
      'not in a persistent node table'
    )
  }
})

test('findNode converges; closestReplies are persistent and sorted', async (t) => {
  const testnet = await createTestnet(12, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const target = randomBytes(32)
  const q = client.findNode(target)
  const replies: Reply[] = []
  for await (const r of q) replies.push(r)
  t.ok(replies.length >= 12, 'every node answered')
  t.is(q.closestReplies.length, 12)
  for (let i = 1; i < q.closestReplies.length; i++) {
    const a = q.closestReplies[i - 1]!.from.id!
    const b = q.closestReplies[i]!.from.id!
    t.ok(xorLess(target, a, b), `sorted at ${i}`)
  }
  t.ok(q.closestNodes.every((n) => n.id !== null))
})

test('query + commit stores on the closest nodes; a second query finds the value', async (t) => {
  const testnet = await createTestnet(8, t)
  const stores = testnet.nodes.map(() => new Map<string, Buffer>())
  testnet.nodes.forEach((n, i) => serveValues(n, stores[i]!))
  const client = testnet.createNode()
  await client.fullyBootstrapped()

  const value = Buffer.from('hello keymesh')
  const target = nodeId('10.1.2.3', 4) // any 32-byte key
  const put = client.query({ target, command: VALUES, value }, { commit: true })
  await put.finished()
  const stored = stores.filter((s) => s.has(target.toString('hex'))).length
  t.is(stored, put.closestReplies.length, 'every closest node stored it')

  let found: Buffer | null = null
  for await (const reply of client.query({ target, command: VALUES })) {
    if (reply.value) {
      found = reply.value
      break
    }
  }
  t.alike(found, value)
})

test('request(): custom command with onrequest override; unknown commands get error 1', async (t) => {
  class EchoDHT extends DHT {
    override onrequest(req: Request): boolean {
      if (req.command !== 42) return false
      req.reply(Buffer.concat([Buffer.from('echo:'), req.value ?? Buffer.alloc(0)]))
      return true
    }
  }
  const testnet = await createTestnet(2, t)
  const echo = new EchoDHT({
    bootstrap: testnet.bootstrap,
    host: LOCAL,
    ephemeral: false,
    firewalled: false
  })
  t.teardown(() => echo.destroy())
  await echo.fullyBootstrapped()
  const to = { host: LOCAL, port: echo.address()!.port }
  const client = testnet.createNode()

  const reply = await client.request({ command: 42, value: Buffer.from('x') }, to)
  t.is(reply.value?.toString(), 'echo:x')
  t.alike(reply.from.id, echo.id, 'persistent responder includes its id')
  t.ok(reply.token, 'reply() includes a token')

  const target = randomBytes(32)
  const unknown = await client.request({ command: 43, target }, to)
  t.is(unknown.error, DHT.ERROR_UNKNOWN_COMMAND)
  t.ok(unknown.closerNodes && unknown.closerNodes.length > 0, 'with closer nodes (had a target)')
  t.absent(unknown.token)

  const internalUnknown = await client.request({ command: 43 }, testnet.bootstrap[0]!)
  t.is(internalUnknown.error, 1, 'no request listener on a plain node: UNKNOWN_COMMAND')
})

test("'request' event with reply() and error()", async (t) => {
  const testnet = await createTestnet(2, t)
  const server = testnet.nodes[1]!
  server.on('request', (req) => {
    if (req.command === 1) req.reply(Buffer.from('ok'), { token: false, closerNodes: false })
    else req.error(20)
  })
  const client = testnet.createNode()
  const to = { host: LOCAL, port: server.address()!.port }
  const ok = await client.request({ command: 1, target: randomBytes(32) }, to)
  t.is(ok.value?.toString(), 'ok')
  t.absent(ok.token)
  t.is(ok.closerNodes, null)
  const err = await client.request({ command: 2 }, to)
  t.is(err.error, 20)
  t.is(err.value, null)
})

test('ping and delayedPing', async (t) => {
  const testnet = await createTestnet(2, t)
  const client = testnet.createNode()
  const to = testnet.bootstrap[0]!
  const reply = await client.ping(to)
  t.alike(reply.from.id, testnet.nodes[0]!.id)
  t.is(reply.to.port, client.address()!.port, 'reply.to is us as seen by them')
  const big = await client.ping(to, { size: 1500 })
  t.is(big.error, 0, 'padded ping answered')

  const start = Date.now()
  await client.delayedPing(to, 100)
  t.ok(Date.now() - start >= 90, 'answered after the delay')
  t.exception(() => client.delayedPing(to, 10_001), /Delay exceeds max delay/)
})

test('DELAYED_PING replies are capped per IP and in total', async (t) => {
  const testnet = await createTestnet(1, {
    ...teardownOf(t),
    nodeOptions: { maxDelayedPingsPerHost: 2 }
  })
  const server = testnet.nodes[0]!
  const client = testnet.createNode({ requestTimeout: 50 })
  const to = testnet.bootstrap[0]!
  const results = await Promise.allSettled(
    [0, 1, 2, 3].map(() => client.delayedPing(to, 50, { retry: false }))
  )
  t.is(results.filter((r) => r.status === 'fulfilled').length, 2)
  t.ok(server.stats.dropped.delayedPingLimit >= 2)
})

test('request errors: REQUEST_TIMEOUT, REQUEST_DESTROYED, NODE_DESTROYED', async (t) => {
  const node = new DHT({ bootstrap: [], host: LOCAL, requestTimeout: 20 })
  t.teardown(() => node.destroy())
  await node.fullyBootstrapped()
  const nobody = { host: LOCAL, port: await freePort() }

  try {
    await node.ping(nobody)
    t.fail('should time out')
  } catch (err) {
    t.ok(err instanceof DHTError)
    t.is((err as DHTError).code, 'REQUEST_TIMEOUT')
    t.is((err as Error).message, 'REQUEST_TIMEOUT: Request timed out')
    t.is((err as Error).name, 'DHTError')
  }
  t.is(node.stats.requests.timeouts, 1)
  t.is(node.stats.requests.retries, 3)

  const slow = new DHT({ bootstrap: [], host: LOCAL })
  await slow.fullyBootstrapped()
  const pending = slow.ping(nobody)
  const destroyed = slow.destroy()
  await t.exception(pending, /REQUEST_DESTROYED/)
  await destroyed
  await t.exception(slow.ping(nobody), /NODE_DESTROYED/)
  t.exception(() => slow.findNode(randomBytes(32)), /NODE_DESTROYED/)
  t.exception(() => slow.query({ target: randomBytes(32), command: 1 }), /NODE_DESTROYED/)
})

test('sessions cancel their requests together', async (t) => {
  const node = new DHT({ bootstrap: [], host: LOCAL })
  t.teardown(() => node.destroy())
  const nobody = { host: LOCAL, port: await freePort() }
  const session = node.session()
  const a = session.ping(nobody)
  const b = session.request({ command: 1 }, nobody)
  const c = node.ping(nobody, { session })
  const outside = node.ping(nobody, { retry: false })
  session.destroy()
  for (const p of [a, b, c]) await t.exception(p, /REQUEST_DESTROYED/)
  t.is(session.inflight.length, 0)
  t.is(node.stats.requests.active, 1, 'a request outside the session is untouched')
  outside.catch(() => {})
})

test('AbortSignal on request, ping and query', async (t) => {
  const testnet = await createTestnet(3, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const nobody = { host: LOCAL, port: await freePort() }

  const before = AbortSignal.abort(new Error('early'))
  await t.exception(client.ping(nobody, { signal: before }), /early/)

  const controller = new AbortController()
  const p = client.request({ command: 1 }, nobody, { signal: controller.signal })
  controller.abort()
  try {
    await p
    t.fail('should reject')
  } catch (err) {
    t.is(err, controller.signal.reason, 'rejects with signal.reason')
  }
  t.is(client.stats.requests.active, 0, 'the request was cancelled')

  const q = client.findNode(randomBytes(32), { signal: AbortSignal.abort(new Error('no query')) })
  await t.exception(q.finished(), /no query/)
})

test('suspend and resume: events, IO_SUSPENDED, same port afterwards', async (t) => {
  const testnet = await createTestnet(2, t)
  const node = testnet.nodes[1]!
  const port = node.address()!.port
  const nobody = { host: LOCAL, port: await freePort() }
  const pending = t.exception(node.ping(nobody), /IO_SUSPENDED/)
  const suspended = event(node, 'suspend')
  await node.suspend()
  await suspended
  t.ok(node.suspended)
  await pending
  await t.exception(node.ping(testnet.bootstrap[0]!), /IO_SUSPENDED/)

  const resumed = event(node, 'resume')
  const woke = event(node, 'wakeup')
  await node.resume()
  await resumed
  await woke
  t.absent(node.suspended)
  t.is(node.address()!.port, port)
  const reply = await node.ping(testnet.bootstrap[0]!)
  t.is(reply.error, 0, 'answers again')
})

test('destroy: close emitted once, memoised, idempotent', async (t) => {
  const node = new DHT({ bootstrap: [], host: LOCAL })
  let closes = 0
  node.on('close', () => closes++)
  await node.fullyBootstrapped()
  const a = node.destroy()
  const b = node.destroy()
  t.is(a, b, 'same promise')
  await a
  await node.destroy()
  t.is(closes, 1)
  t.ok(node.destroyed)
})

test('garbage, truncated, wrong-version, spoofed-id and bad-token datagrams: counted, node answers', async (t) => {
  const testnet = await createTestnet(2, t)
  const node = testnet.nodes[1]!
  const port = node.address()!.port
  const raw = createSocket(t)
  const valid = encode(rpcRequest, {
    tid: 77,
    to: { host: LOCAL, port },
    id: null,
    token: null,
    internal: true,
    command: 0,
    target: null,
    value: null
  })
  const send = (b: Uint8Array): void => raw.trySend(b, port, LOCAL)

  // random bytes, except for a first byte that would make a (possibly valid) dht-rpc datagram
  for (let i = 0; i < 200; i++) {
    const junk = randomBytes(1 + (i % 100))
    if (junk[0] === 0x03 || junk[0] === 0x13) junk[0] = 0x55
    send(junk)
  }
  send(valid.subarray(0, 5))
  send(Buffer.from([0x01, ...valid.subarray(1)]))
  send(encode(rpcRequest, { ...decodeRequest(valid), tid: 1, id: randomBytes(32) }))
  send(encode(rpcRequest, { ...decodeRequest(valid), tid: 2, token: randomBytes(32) }))

  const reply = nextDatagramWithTid(raw, 77)
  send(valid)
  const answered = await reply
  t.is(answered.error, 0, 'the node still answers')
  const d = node.stats.dropped
  t.ok(d.malformed + d.unknown + d.wrongVersion >= 150, 'garbage counted')
  t.ok(d.wrongVersion >= 1)
  t.is(d.spoofedId, 1)
  t.is(d.invalidToken, 1)

  // random tails behind a request or response type byte: whatever they decode to, it is safe
  for (let i = 0; i < 300; i++) {
    const junk = randomBytes(2 + (i % 120))
    junk[0] = i % 2 === 0 ? 0x03 : 0x13
    send(junk)
  }
  const again = nextDatagramWithTid(raw, 77)
  send(valid)
  t.is((await again).error, 0, 'and still answers')
})

test('nothing received pins udx receive memory', async (t) => {
  const testnet = await createTestnet(2, t)
  const server = testnet.nodes[1]!
  let retained: Request | null = null
  server.on('request', (req) => {
    retained = req
    req.reply(Buffer.from('value'))
  })
  const client = testnet.createNode({ ephemeral: false, firewalled: false })
  await client.fullyBootstrapped()
  const reply = await client.request(
    { command: 5, target: randomBytes(32), value: Buffer.from('v') },
    { host: LOCAL, port: server.address()!.port }
  )
  t.is(reply.from.id!.buffer.byteLength, 32, 'reply id has its own memory')
  t.ok(reply.token!.buffer.byteLength < 4096, 'token is not a view into the 64 KiB slab')
  t.ok(reply.value!.buffer.byteLength < 4096, 'value is not a view into the 64 KiB slab')
  const req = retained as unknown as Request
  t.is(req.from!.id!.buffer.byteLength, 32, 'request id has its own memory')
  t.ok(req.target!.buffer.byteLength < 4096)
  for (const node of client.nodes) t.is(node.id.buffer.byteLength, 32, 'table ids own memory')
})

test('timed-out nodes leave the table quickly (quick eviction) and get remove-node', async (t) => {
  const testnet = await createTestnet(6, { ...teardownOf(t), nodeOptions: { requestTimeout: 50 } })
  const observer = testnet.nodes[1]!
  const victim = testnet.nodes[4]!
  const victimPort = victim.address()!.port
  t.ok(
    observer.toArray().some((n) => n.port === victimPort),
    'known before'
  )
  await victim.destroy()

  const removed = new Promise<DHTNode>((resolve) => {
    observer.on('remove-node', (node) => {
      if (node.port === victimPort) resolve(node)
    })
  })
  const start = Date.now()
  await observer.findNode(victim.id!).finished()
  const node = await removed
  t.is(node.port, victimPort)
  t.absent(
    observer.toArray().some((n) => n.port === victimPort),
    'gone'
  )
  t.ok(Date.now() - start < 2000, 'within a few attempt timeouts')
  t.ok(observer.stats.table.evictedAfterTimeouts >= 1, 'evicted on consecutive attempt timeouts')
})

test('per-IP rate limit on real UDP (low limit, loopback not exempt)', async (t) => {
  const server = new DHT({
    bootstrap: [],
    host: LOCAL,
    rateLimit: { rate: 0.001, burst: 2, exempt: null }
  })
  t.teardown(() => server.destroy())
  await server.fullyBootstrapped()
  const client = new DHT({ bootstrap: [], host: LOCAL, requestTimeout: 30 })
  t.teardown(() => client.destroy())
  const to = { host: LOCAL, port: server.address()!.port }
  const results = await Promise.allSettled(
    [0, 1, 2, 3, 4].map(() => client.ping(to, { retry: false }))
  )
  t.is(results.filter((r) => r.status === 'fulfilled').length, 2)
  t.is(server.stats.dropped.rateLimited, 3)
})

test('bootstrap with suggested IP: ip@hostname:port', async (t) => {
  const testnet = await createTestnet(2, t)
  const { port } = testnet.bootstrap[0]!
  const node = new DHT({ bootstrap: [`${LOCAL}@no-such-host.invalid:${port}`], host: LOCAL })
  t.teardown(() => node.destroy())
  await node.fullyBootstrapped()
  t.ok(node.toArray().length >= 2, 'joined through the suggested IP')

  const bad = new DHT({ bootstrap: ['no-such-host.invalid:1'], host: LOCAL })
  t.teardown(() => bad.destroy())
  await bad.fullyBootstrapped()
  t.is(bad.toArray().length, 0, 'unresolvable entries are skipped')
})

test('addNode, toArray({ limit }), filterNode', async (t) => {
  const testnet = await createTestnet(4, t)
  const blocked = testnet.nodes[2]!.address()!.port
  const node = new DHT({
    bootstrap: testnet.bootstrap,
    host: LOCAL,
    filterNode: (n) => n.port !== blocked
  })
  t.teardown(() => node.destroy())
  await node.fullyBootstrapped()
  t.absent(
    node.toArray().some((n) => n.port === blocked),
    'filtered node never added'
  )
  t.is(node.toArray({ limit: 1 }).length, 1)
  t.is(node.toArray({ limit: 0 }).length, 0)
  node.addNode({ host: LOCAL, port: 1 })
  t.alike(node.toArray()[0], { host: LOCAL, port: 1 }, 'added nodes are the most recent')
})

test('stats keep dht-rpc fields and add dropped/table counters', async (t) => {
  const node = new DHT({ bootstrap: [], host: LOCAL })
  t.teardown(() => node.destroy())
  const s = node.stats
  t.alike(Object.keys(s.queries), ['active', 'total'])
  t.alike(Object.keys(s.requests), ['active', 'total', 'responses', 'timeouts', 'retries'])
  t.alike(Object.keys(s.commands), ['ping', 'pingNat', 'findNode', 'downHint'])
  t.alike(s.commands.ping, { tx: 0, rx: 0 })
  t.ok('malformed' in s.dropped && 'rateLimited' in s.dropped && 'spoofedId' in s.dropped)
  t.ok('ipDiversityRejected' in s.table)
  t.alike(DHT.DEFAULTS.concurrency, 10)
  t.is(DHT.OK, 0)
  t.is(DHT.ERROR_UNKNOWN_COMMAND, 1)
  t.is(DHT.ERROR_INVALID_TOKEN, 2)
})

test('DHT.bootstrapper validates its arguments', (t) => {
  t.exception(() => DHT.bootstrapper(0, LOCAL), /Port is required/)
  t.exception(() => DHT.bootstrapper(1, ''), /Host is required/)
  t.exception(() => DHT.bootstrapper(1, '0.0.0.0'), /Invalid host/)
  t.exception(() => DHT.bootstrapper(1, 'example.com'), /IPv4/)
})

function teardownOf(t: { teardown: (fn: () => unknown, opts?: { order?: number }) => void }) {
  return { teardown: t.teardown.bind(t) }
}

function decodeRequest(buf: Buffer) {
  return tryDecode(rpcRequest, buf)!
}

async function nextDatagramWithTid(socket: ReturnType<typeof createSocket>, tid: number) {
  for (;;) {
    const r = tryDecode(rpcResponse, await nextDatagram(socket))
    if (r !== null && r.tid === tid) return r
  }
}

function xorLess(target: Uint8Array, a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const x = (target[i] as number) ^ (a[i] as number)
    const y = (target[i] as number) ^ (b[i] as number)
    if (x !== y) return x < y
  }
  return false
}
