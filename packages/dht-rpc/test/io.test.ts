// Tests for IO on fake sockets: tids, retries, congestion, tokens, rate limit, hostile datagrams.

import test from 'brittle'
import { randomBytes } from 'node:crypto'
import { nodeId } from '@keymesh/crypto'
import { RPC_REQUEST_TYPE, encode, rpcRequest, rpcResponse, tryDecode } from '@keymesh/wire'
import type { RpcRequest } from '@keymesh/wire'
import { IO } from '../src/io.js'
import { RateLimiter } from '../src/rate-limiter.js'
import type { Reply, Request } from '../src/request.js'
import { Session } from '../src/session.js'
import type { SessionHost } from '../src/session.js'
import { createIO, nextMessage, rawSocket, settle, stubTable } from './helpers/fake-io.js'
import { FakeNetwork } from './helpers/fake-udx.js'

function send(req: Request | null): Promise<Reply> {
  if (req === null) return Promise.reject(new Error('no request'))
  return new Promise((resolve, reject) => {
    req.onresponse = resolve
    req.onerror = reject
    req.send()
  })
}

function requestBytes(fields: Partial<RpcRequest<Uint8Array>>): Buffer {
  return encode(rpcRequest, {
    tid: 1,
    to: { host: '127.0.0.1', port: 1 },
    id: null,
    token: null,
    internal: false,
    command: 9,
    target: null,
    value: null,
    ...fields
  })
}

test('tids count up from a random start, wrap 65535 -> 0 and skip ids in flight', async (t) => {
  const net = new FakeNetwork()
  const { io } = await createIO(t, net)
  const to = { id: null, host: '127.0.0.1', port: 9 }
  ;(io as unknown as { tid: number }).tid = 65534
  const tids = [0, 1, 2].map(() => io.createRequest(to, null, true, 0, null, null, null)!.tid)
  t.alike(tids, [65534, 65535, 0])
  ;(io as unknown as { tid: number }).tid = 65535
  t.is(
    io.createRequest(to, null, true, 0, null, null, null)!.tid,
    1,
    'skips 65535 and 0 (in flight)'
  )
  t.is(io.stats.requests.active, 4)
  t.is(io.inflight.length, 4)
})

test('a request and its reply: matched by tid, counted, rtt and fields set', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(Buffer.from('pong')))
  const { io } = await createIO(t, net)
  const target = randomBytes(32)
  const reply = await send(
    io.createRequest(
      { id: null, ...server.address },
      null,
      false,
      5,
      target,
      Buffer.from('ping'),
      null
    )
  )
  t.is(reply.value?.toString(), 'pong')
  t.is(reply.error, 0)
  t.is(reply.from.port, server.address.port)
  t.is(reply.from.id, null, 'ephemeral server: no id')
  t.is(reply.to.port, io.clientSocket!.address()!.port, 'firewalled: sent from the client socket')
  t.ok(reply.token, 'reply() includes a token by default')
  t.ok(reply.rtt >= 0)
  const got = server.requests[0]!
  t.is(got.command, 5)
  t.alike(got.target, target)
  t.is(got.value?.toString(), 'ping')
  t.is(io.stats.requests.responses, 1)
  t.is(io.stats.requests.active, 0)
  t.is(io.inflight.length, 0)
})

test('retries: 4 attempts by default, then REQUEST_TIMEOUT; retry count is settable', async (t) => {
  const net = new FakeNetwork()
  const { io, timeouts, cycles } = await createIO(t, net, { requestTimeout: 5 })
  const to = { id: null, host: '127.0.0.1', port: 1 } // nobody there
  const req = io.createRequest(to, null, true, 0, null, null, null)!
  await t.exception(send(req), /REQUEST_TIMEOUT/)
  t.is(req.sent, 4)
  t.is(net.sent.length, 4)
  t.is(io.stats.requests.retries, 3)
  t.is(io.stats.requests.timeouts, 1)
  t.alike(timeouts, [req])
  t.is(cycles.length, 4)

  const once = io.createRequest(to, null, true, 0, null, null, null)!
  once.retries = 0
  await t.exception(send(once), /REQUEST_TIMEOUT/)
  t.is(once.sent, 1)
})

test('a per-request timeout overrides the default', async (t) => {
  const net = new FakeNetwork()
  const { io } = await createIO(t, net, { requestTimeout: 60_000 })
  const req = io.createRequest(
    { id: null, host: '127.0.0.1', port: 1 },
    null,
    true,
    0,
    null,
    null,
    null
  )!
  req.timeout = 5
  req.retries = 1
  await t.exception(send(req), /REQUEST_TIMEOUT/)
  t.is(req.sent, 2)
})

test('congestion window: sends beyond maxWindow wait for a drain; force bypasses it', async (t) => {
  const net = new FakeNetwork()
  const { io } = await createIO(t, net, { maxWindow: 2, requestTimeout: 60_000 })
  const to = { id: null, host: '127.0.0.1', port: 1 }
  const reqs = [0, 1, 2, 3, 4, 5].map(() => io.createRequest(to, null, true, 0, null, null, null)!)
  for (const r of reqs) {
    r.onerror = () => {}
    r.send()
  }
  t.is(net.sent.length, 2, 'slot full at 2')
  t.is(io.queued, 4)
  const forced = io.createRequest(to, null, true, 0, null, null, null)!
  forced.onerror = () => {}
  forced.send(true)
  t.is(net.sent.length, 3, 'forced send goes out anyway')
  io.drain()
  t.is(net.sent.length, 4, 'next slot: the 4-send total cap (2 x maxWindow) stops it at one more')
  io.drain()
  io.drain()
  io.drain()
  t.is(net.sent.length, 6, 'old slots age out')
  t.is(io.queued, 1)
})

test('congestion window: replies free their slot, queued requests go out on drains', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(null))
  const { io } = await createIO(t, net, { maxWindow: 1 })
  const to = { id: null, ...server.address }
  const replies = [0, 1, 2].map(() => send(io.createRequest(to, null, true, 0, null, null, null)))
  t.is(io.queued, 2)
  await replies[0]
  t.is(io.congestion.inWindow, 0, 'the reply freed its send')
  io.drain()
  await replies[1]
  io.drain()
  await replies[2]
  t.is(io.queued, 0)
})

test('tokens: valid under the current and previous secret, rejected after two rotations', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(null))
  const { io } = await createIO(t, net)
  const to = { id: null, ...server.address }
  const first = await send(io.createRequest(to, null, false, 1, null, null, null))
  const token = first.token!
  t.is(token.byteLength, 32)

  const ok = await send(io.createRequest(to, token, false, 1, null, null, null))
  t.is(ok.error, 0)
  t.alike(server.requests[1]!.token, token, 'handler sees the verified token')

  server.io.tokens.rotate()
  const stillOk = await send(io.createRequest(to, token, false, 1, null, null, null))
  t.is(stillOk.error, 0, 'previous secret still accepted')

  server.io.tokens.rotate()
  const target = randomBytes(32)
  const bad = await send(io.createRequest(to, token, false, 1, target, null, null))
  t.is(bad.error, 2, 'INVALID_TOKEN')
  t.ok(bad.token, 'with a fresh token')
  t.absent(bad.value)
  t.is(server.requests.length, 3, 'the command did not run')
  t.is(server.io.stats.dropped.invalidToken, 1)

  const again = await send(io.createRequest(to, bad.token, false, 1, null, null, null))
  t.is(again.error, 0, 'the fresh token works')
})

test('tokens rotate every 10th drain', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(null))
  const { io } = await createIO(t, net)
  const to = { id: null, ...server.address }
  const { token } = await send(io.createRequest(to, null, false, 1, null, null, null))
  for (let i = 0; i < 19; i++) server.io.drain()
  t.is((await send(io.createRequest(to, token, false, 1, null, null, null))).error, 0, '19 drains')
  server.io.drain()
  t.is((await send(io.createRequest(to, token, false, 1, null, null, null))).error, 2, '20 drains')
})

test('per-IP rate limit drops requests over the bucket and counts them', async (t) => {
  const net = new FakeNetwork()
  const limiter = new RateLimiter({ rate: 1, burst: 3, maxHosts: 16, exempt: null, now: () => 0 })
  const server = await createIO(t, net, { rateLimiter: limiter }, (req) => req.reply(null))
  const raw = rawSocket(net)
  for (let i = 0; i < 10; i++)
    raw.trySend(requestBytes({ tid: i }), server.address.port, '127.0.0.1')
  await settle()
  t.is(server.requests.length, 3)
  t.is(server.io.stats.dropped.rateLimited, 7)

  const other = rawSocket(net, '127.0.0.2')
  other.trySend(requestBytes({ tid: 99 }), server.address.port, '127.0.0.1')
  await settle()
  t.is(server.requests.length, 4, 'another address has its own bucket')
})

test('hostile datagrams are dropped and counted, never thrown; the node keeps answering', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(null))
  const raw = rawSocket(net)
  const port = server.address.port
  const valid = requestBytes({ tid: 7 })
  const cases: Array<[string, Buffer]> = [
    ['one byte', Buffer.from([0x03])],
    ['random', Buffer.from([0x55, ...randomBytes(63)])],
    ['truncated request', valid.subarray(0, valid.byteLength - 1)],
    ['header only', valid.subarray(0, 4)],
    ['wrong version request', Buffer.from([0x02, ...valid.subarray(1)])],
    ['wrong version response', Buffer.from([0x12, ...valid.subarray(1)])],
    ['not dht-rpc', Buffer.from([0x55, 0x01, 0x02])],
    ['bad flags', Buffer.from([0x03, 0xff, ...valid.subarray(2)])]
  ]
  for (const [, datagram] of cases) raw.trySend(datagram, port, '127.0.0.1')
  await settle()
  const d = server.io.stats.dropped
  t.is(server.requests.length, 0, 'nothing reached the handler')
  t.ok(d.malformed >= 4, `malformed counted (${d.malformed})`)
  t.is(d.wrongVersion, 2)
  t.ok(d.unknown >= 1)

  const reply = nextMessage(raw)
  raw.trySend(valid, port, '127.0.0.1')
  const answer = tryDecode(rpcResponse, await reply)
  t.is(answer?.tid, 7, 'still answers a valid request')
})

test('a spoofed id is ignored and counted; a valid id is accepted with its own memory', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(null))
  const raw = rawSocket(net)
  const port = server.address.port
  raw.trySend(requestBytes({ tid: 1, id: randomBytes(32) }), port, '127.0.0.1')
  const own = nodeId('127.0.0.1', raw.address()!.port)
  raw.trySend(requestBytes({ tid: 2, id: own }), port, '127.0.0.1')
  await settle()
  t.is(server.io.stats.dropped.spoofedId, 1)
  t.is(server.requests[0]!.from!.id, null, 'spoofed id treated as absent')
  const accepted = server.requests[1]!.from!.id!
  t.alike(accepted, own)
  t.is(accepted.buffer.byteLength, 32, 'retained id does not pin a shared slab')
})

test('responses to unknown tids (onlate) and from bad addresses are counted', async (t) => {
  const net = new FakeNetwork()
  const late: string[] = []
  const { io } = await createIO(t, net, { onlate: (host, port) => late.push(`${host}:${port}`) })
  const socket = io.serverSocket!
  const response = encode(rpcResponse, {
    tid: 4242,
    to: { host: '127.0.0.1', port: 1 },
    id: null,
    token: null,
    closerNodes: null,
    error: 0,
    value: null
  })
  io.onmessage(socket, response, { host: '127.0.0.1', port: 5 })
  io.onmessage(socket, response, { host: '127.0.0.1', port: 0 })
  io.onmessage(socket, response, { host: '::1', port: 5 })
  t.is(io.stats.dropped.unmatched, 1)
  t.is(io.stats.dropped.badAddress, 2)
  t.alike(late, ['127.0.0.1:5'], 'onlate names the sender of a well-formed unmatched reply')
})

test('a throwing request handler is contained and counted', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, () => {
    throw new Error('handler bug')
  })
  const raw = rawSocket(net)
  raw.trySend(requestBytes({}), server.address.port, '127.0.0.1')
  await settle()
  t.is(server.io.stats.dropped.handlerError, 1)
})

test('a reply that cannot be encoded is dropped and counted', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(Buffer.alloc(5000)))
  const raw = rawSocket(net)
  raw.trySend(requestBytes({}), server.address.port, '127.0.0.1')
  await settle()
  t.is(server.io.stats.dropped.replyFailed, 1)
})

test('requests with a host that is not IPv4 reject with the encode error', async (t) => {
  const net = new FakeNetwork()
  const { io } = await createIO(t, net)
  await t.exception(
    send(
      io.createRequest({ id: null, host: 'localhost', port: 1 }, null, true, 0, null, null, null)
    ),
    /ENCODE_FAILED/
  )
})

test('sessions cancel their requests together with REQUEST_DESTROYED', async (t) => {
  const net = new FakeNetwork()
  const { io } = await createIO(t, net, { requestTimeout: 60_000 })
  const session = new Session({} as SessionHost)
  const to = { id: null, host: '127.0.0.1', port: 1 }
  const pending = [0, 1, 2].map(() =>
    send(io.createRequest(to, null, true, 0, null, null, session))
  )
  t.is(session.inflight.length, 3)
  session.destroy()
  for (const p of pending) await t.exception(p, /REQUEST_DESTROYED/)
  t.is(session.inflight.length, 0)
  t.is(io.inflight.length, 0)
  t.is(io.stats.requests.active, 0)

  const custom = send(io.createRequest(to, null, true, 0, null, null, session))
  session.destroy(new Error('my reason'))
  await t.exception(custom, /my reason/)
})

test('destroy fails requests with REQUEST_DESTROYED; suspend with IO_SUSPENDED', async (t) => {
  const net = new FakeNetwork()
  const a = await createIO(t, net, { requestTimeout: 60_000 })
  const to = { id: null, host: '127.0.0.1', port: 1 }
  const p = send(a.io.createRequest(to, null, true, 0, null, null, null))
  await a.io.suspend()
  await t.exception(p, /IO_SUSPENDED/)
  const during = send(a.io.createRequest(to, null, true, 0, null, null, null))
  await t.exception(during, /IO_SUSPENDED/, 'sends while suspended fail at once')
  a.io.onmessage(a.io.serverSocket!, requestBytes({}), { host: '127.0.0.1', port: 5 })
  t.is(a.io.stats.dropped.suspended, 1)
  await a.io.resume()
  t.ok(a.io.serverSocket!.bound)

  const q = send(a.io.createRequest(to, null, true, 0, null, null, null))
  await a.io.destroy()
  await t.exception(q, /REQUEST_DESTROYED/)
  t.is(a.io.createRequest(to, null, true, 0, null, null, null), null, 'no requests after destroy')
  t.ok(a.io.serverSocket!.closing && a.io.clientSocket!.closing, 'sockets closed')
})

test('resume rebinds the same ports', async (t) => {
  const net = new FakeNetwork()
  const { io } = await createIO(t, net)
  const server = io.serverSocket!.address()!.port
  const client = io.clientSocket!.address()!.port
  await io.suspend()
  await io.resume()
  t.is(io.serverSocket!.address()!.port, server)
  t.is(io.clientSocket!.address()!.port, client)
})

test('binding: tries port..port+4, then any port; anyPort: false fails instead', async (t) => {
  const net = new FakeNetwork()
  const blockers = [7000, 7001].map((p) => {
    const b = net.udx().createSocket()
    b.bind(p, '127.0.0.1')
    return b
  })
  const { io } = await createIO(t, net, { port: 7000 })
  t.is(io.serverSocket!.address()!.port, 7002)
  const range = await createIO(t, net, { port: [7000, 7002] })
  t.absent([7000, 7001].includes(range.io.serverSocket!.address()!.port), 'fell back to random')

  const strict = new IO(stubTable(), net.udx(), {
    port: [7000, 7002],
    anyPort: false,
    onrequest: () => {}
  })
  await t.exception(strict.bind(), /EADDRINUSE/)
  await strict.destroy()
  for (const b of blockers) await b.close()
})

test('internal requests count per-command tx/rx', async (t) => {
  const net = new FakeNetwork()
  const server = await createIO(t, net, {}, (req) => req.reply(null))
  const { io } = await createIO(t, net)
  await send(io.createRequest({ id: null, ...server.address }, null, true, 2, null, null, null))
  t.alike(io.stats.commands[2], { tx: 1, rx: 1 })
  t.alike(io.stats.commands[0], { tx: 0, rx: 0 })
  t.is(server.requests[0]!.internal, true)
})

test('request datagrams carry our id only when persistent and sent from the server socket', async (t) => {
  const net = new FakeNetwork()
  const table = stubTable()
  const { io } = await createIO(t, net, { table, firewalled: false, requestTimeout: 60_000 })
  const to = { id: null, host: '127.0.0.1', port: 1 }
  const withoutId = io.createRequest(to, null, true, 0, null, null, null)!
  withoutId.onerror = () => {}
  withoutId.send()
  io.ephemeral = false
  const withId = io.createRequest(to, null, true, 0, null, null, null)!
  withId.onerror = () => {}
  withId.send()
  const decoded = net.sent.map((d) => tryDecode(rpcRequest, d.buffer))
  t.is(decoded[0]!.id, null)
  t.alike(decoded[1]!.id, table.id)
  t.is(net.sent[1]!.buffer[0], RPC_REQUEST_TYPE)
})
