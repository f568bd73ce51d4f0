// Persistent over real UDP: every record command, its replies, and each silent drop's counter.

import test from 'brittle'
import { once, EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import {
  hash,
  keyPair,
  signAnnounce,
  signMutable,
  signUnannounce,
  type KeyPair
} from '@keymesh/crypto'
import type { DHT, Reply, Request, RequestInput } from '@keymesh/dht-rpc'
import { createTestnet } from '@keymesh/dht-rpc/testnet'
import {
  COMMANDS,
  WIRE_ERRORS,
  announce,
  decode,
  encode,
  lookupRawReply,
  mutableGetResponse,
  mutablePutRequest,
  mutableSignable,
  peer,
  type PeerAddress
} from '@keymesh/wire'
import { Persistent, type PersistentHost, type PersistentOptions } from '../src/persistent.js'
import { Router } from '../src/router.js'

const LOCAL = '127.0.0.1'
const PROBE = Buffer.from('probe')
const RELAYS: PeerAddress[] = [1, 2, 3, 4, 5].map((i) => ({ host: `10.0.0.${i}`, port: 1000 + i }))

// what a brittle test callback receives (the typings do not export it by name)
type TestInstance = ReturnType<typeof test>

interface Setup {
  client: DHT
  persistent: Persistent
  router: Router
  /** Emits `'handled'` with whether the handler answered, after each request. */
  events: EventEmitter
  to: { host: string; port: number }
  id: Buffer
  token: Buffer
}

function dispatch(p: Persistent, req: Request): void {
  const C = COMMANDS
  if (req.command === C.FIND_PEER) p.onfindpeer(req)
  else if (req.command === C.LOOKUP) p.onlookup(req)
  else if (req.command === C.ANNOUNCE) p.onannounce(req)
  else if (req.command === C.UNANNOUNCE) p.onunannounce(req)
  else if (req.command === C.MUTABLE_PUT) p.onmutableput(req)
  else if (req.command === C.MUTABLE_GET) p.onmutableget(req)
  else if (req.command === C.IMMUTABLE_PUT) p.onimmutableput(req)
  else if (req.command === C.IMMUTABLE_GET) p.onimmutableget(req)
}

// three persistent nodes (so replies carry closer nodes); the first one serves the records
async function setup(
  t: TestInstance,
  opts: PersistentOptions = {},
  host?: PersistentHost
): Promise<Setup> {
  const testnet = await createTestnet(3, t)
  const server = testnet.nodes[0] as DHT
  const router = new Router()
  const persistent = new Persistent(host ?? server, router, opts)
  const events = new EventEmitter()
  server.on('request', (req: Request) => {
    let answered = false
    const { reply, error } = req
    req.reply = (value, o) => ((answered = true), reply.call(req, value, o))
    req.error = (code, o) => ((answered = true), error.call(req, code, o))
    dispatch(persistent, req)
    events.emit('handled', answered)
  })
  t.teardown(() => {
    persistent.destroy()
    router.destroy()
  })
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const to = { host: LOCAL, port: server.address()!.port }
  const probe = await client.request({ command: COMMANDS.IMMUTABLE_GET, target: hash(PROBE) }, to)
  return { client, persistent, router, events, to, id: server.id!, token: probe.token! }
}

function ask(s: Setup, input: RequestInput): Promise<Reply> {
  return s.client.request(input, s.to)
}

// send once and wait until the server handled it; true if it answered
async function handled(s: Setup, input: RequestInput): Promise<boolean> {
  const ac = new AbortController()
  const done = once(s.events, 'handled') as Promise<[boolean]>
  const pending = s.client.request(input, s.to, { retry: false, signal: ac.signal })
  pending.catch(() => {})
  const [answered] = await done
  ac.abort()
  return answered
}

function signedAnnounce(
  s: Setup,
  target: Buffer,
  kp: KeyPair,
  o: { relays?: PeerAddress[]; refresh?: Buffer; bump?: number; id?: Buffer; un?: boolean } = {}
): Buffer {
  const p = { publicKey: kp.publicKey, relayAddresses: o.relays ?? [] }
  const refresh = o.refresh ?? null
  const sign = o.un ? signUnannounce : signAnnounce
  const signature = sign(target, o.id ?? s.id, s.token, encode(peer, p), refresh, kp.secretKey)
  return encode(announce, { peer: p, refresh, signature, bump: o.bump ?? 0 })
}

function mutable(kp: KeyPair, seq: number, value: Buffer, signed = value): Buffer {
  const signature = signMutable(encode(mutableSignable, { seq, value: signed }), kp.secretKey)
  return encode(mutablePutRequest, { publicKey: kp.publicKey, seq, value, signature })
}

async function lookup(s: Setup, topic: Buffer): Promise<{ keys: string[]; bump: number }> {
  const r = await ask(s, { command: COMMANDS.LOOKUP, target: topic })
  if (r.value === null) return { keys: [], bump: -1 }
  const { peers, bump } = decode(lookupRawReply, r.value)
  return { keys: peers.map((p) => p.publicKey.toString('hex')), bump }
}

test('immutable: put and get; wrong hash, no token, no value, no target are dropped', async (t) => {
  const s = await setup(t)
  const value = Buffer.from('hello keymesh')
  const target = hash(value)
  const { IMMUTABLE_PUT, IMMUTABLE_GET } = COMMANDS

  const put = await ask(s, { command: IMMUTABLE_PUT, target, value, token: s.token })
  t.is(put.error, 0)
  t.is(put.value, null)
  t.ok(put.token, 'token')
  t.ok(put.closerNodes!.length > 0, 'closer nodes')
  const got = await ask(s, { command: IMMUTABLE_GET, target })
  t.alike(got.value, value)
  t.ok(got.token)

  const other = hash(Buffer.from('other'))
  t.absent(await handled(s, { command: IMMUTABLE_PUT, target: other, value, token: s.token }))
  t.absent(await handled(s, { command: IMMUTABLE_PUT, target, value }))
  t.absent(await handled(s, { command: IMMUTABLE_PUT, target, token: s.token }))
  t.absent(await handled(s, { command: IMMUTABLE_GET }))
  t.is((await ask(s, { command: IMMUTABLE_GET, target: other })).value, null)

  const { dropped } = s.persistent.stats
  t.alike([dropped.hashMismatch, dropped.invalidToken, dropped.badRequest], [1, 1, 2])
  t.is(s.persistent.stats.immutables, 1)
  t.is(s.persistent.stats.sources, 1)
})

test('mutable: seq rules, identical re-put, SEQ_REUSED and SEQ_TOO_LOW replies', async (t) => {
  const s = await setup(t)
  const kp = keyPair()
  const target = hash(kp.publicKey)
  const put = (seq: number, v: string) =>
    ask(s, {
      command: COMMANDS.MUTABLE_PUT,
      target,
      value: mutable(kp, seq, Buffer.from(v)),
      token: s.token
    })
  const get = (seq: number) =>
    ask(s, { command: COMMANDS.MUTABLE_GET, target, value: Buffer.from([seq]) })

  const first = await put(2, 'v2')
  t.alike([first.error, first.value, first.token !== null], [0, null, true])
  const stored = decode(mutableGetResponse, (await get(0)).value!)
  t.alike([stored.seq, stored.value.toString()], [2, 'v2'])
  t.ok((await get(2)).value, 'seq equal to the stored one: returned')
  t.is((await get(3)).value, null, 'seq above the stored one: no value')

  t.is((await put(2, 'v2')).error, 0, 'identical re-put accepted')
  const reused = await put(2, 'different')
  t.is(reused.error, WIRE_ERRORS.SEQ_REUSED)
  t.is(reused.token, null, 'error replies carry no token')
  t.ok(reused.closerNodes!.length > 0, 'but closer nodes')
  const low = await put(1, 'v1')
  t.is(low.error, WIRE_ERRORS.SEQ_TOO_LOW)
  t.is(low.token, null)
  t.is((await put(3, 'v3')).error, 0)
  t.is(decode(mutableGetResponse, (await get(0)).value!).value.toString(), 'v3')
  t.is((await put(4, '')).error, 0, 'an empty value is accepted, as by hyperdht 6.33.0')

  const { dropped } = s.persistent.stats
  t.alike([dropped.seqReused, dropped.seqTooLow], [1, 1])
  t.is(s.persistent.stats.mutables, 1)
})

test('mutable: bad signature, wrong target, garbage, no token, bad seq are dropped', async (t) => {
  const s = await setup(t)
  const kp = keyPair()
  const target = hash(kp.publicKey)
  const { MUTABLE_PUT, MUTABLE_GET } = COMMANDS
  const token = s.token
  const forged = mutable(kp, 1, Buffer.from('a'), Buffer.from('b'))
  const good = mutable(kp, 1, Buffer.from('a'))

  t.absent(await handled(s, { command: MUTABLE_PUT, target, value: forged, token }))
  t.absent(await handled(s, { command: MUTABLE_PUT, target: hash(PROBE), value: good, token }))
  t.absent(await handled(s, { command: MUTABLE_PUT, target, value: good.subarray(0, 40), token }))
  t.absent(await handled(s, { command: MUTABLE_PUT, target, value: good }))
  t.absent(await handled(s, { command: MUTABLE_GET, target, value: Buffer.from([0xfd]) }))
  t.absent(await handled(s, { command: MUTABLE_GET, target }))
  t.ok(await handled(s, { command: MUTABLE_GET, target, value: Buffer.from([0]) }), 'answers')

  const d = s.persistent.stats.dropped
  t.alike(
    [d.invalidSignature, d.hashMismatch, d.badRequest, d.invalidToken],
    [1, 1, 3, 1],
    'one counter per reason'
  )
  t.is(s.persistent.stats.mutables, 0)
})

test('announce + lookup: 3 relays kept, bare reply, bump rules', async (t) => {
  const s = await setup(t)
  const topic = randomBytes(32)
  const a = keyPair()
  const now = Date.now()

  const reply = await ask(s, {
    command: COMMANDS.ANNOUNCE,
    target: topic,
    value: signedAnnounce(s, topic, a, { relays: RELAYS, bump: now }),
    token: s.token
  })
  t.alike([reply.error, reply.value, reply.token, reply.closerNodes], [0, null, null, null])

  const r = await ask(s, { command: COMMANDS.LOOKUP, target: topic })
  t.ok(r.token)
  const { peers, bump } = decode(lookupRawReply, r.value!)
  t.alike(peers, [{ publicKey: a.publicKey, relayAddresses: RELAYS.slice(0, 3) }])
  t.is(bump, now)
  t.is((await ask(s, { command: COMMANDS.LOOKUP, target: randomBytes(32) })).value, null)

  const b = keyPair()
  for (const [bumpValue, expected] of [
    [now - 5, now],
    [now + 10 * 60_000, now],
    [now + 1, now + 1]
  ] as const) {
    const value = signedAnnounce(s, topic, b, { bump: bumpValue })
    await ask(s, { command: COMMANDS.ANNOUNCE, target: topic, value, token: s.token })
    t.is((await lookup(s, topic)).bump, expected, `bump ${bumpValue - now}`)
  }
  t.is(s.persistent.stats.records, 2)
  t.is(s.persistent.stats.bumps, 1)
})

test('announce: forged, unsigned, untokened, garbage, empty: all dropped', async (t) => {
  const s = await setup(t)
  const topic = randomBytes(32)
  const a = keyPair()
  const { ANNOUNCE } = COMMANDS
  const token = s.token
  const send = (value: Buffer, tk: Buffer | null = token) =>
    handled(s, { command: ANNOUNCE, target: topic, value, token: tk })
  const p = { publicKey: a.publicKey, relayAddresses: [] }

  t.absent(await send(signedAnnounce(s, topic, a, { id: randomBytes(32) })), 'other node id')
  t.absent(await send(signedAnnounce(s, randomBytes(32), a)), 'other target')
  t.absent(await send(encode(announce, { peer: p, refresh: null, signature: null, bump: 0 })))
  t.absent(await send(signedAnnounce(s, topic, a), null), 'no token')
  t.absent(await send(Buffer.from([0xff, 0xff])), 'undecodable')
  t.absent(await send(encode(announce, { peer: null, refresh: null, signature: null, bump: 0 })))

  const d = s.persistent.stats.dropped
  t.alike([d.invalidSignature, d.invalidToken, d.badRequest], [3, 1, 2])
  t.is(s.persistent.stats.records, 0)
})

test('announce: a node without an id stores nothing', async (t) => {
  const s = await setup(t, {}, { id: null })
  const topic = randomBytes(32)
  const value = signedAnnounce(s, topic, keyPair())
  t.absent(await handled(s, { command: COMMANDS.ANNOUNCE, target: topic, value, token: s.token }))
  t.is(s.persistent.stats.dropped.notPersistent, 1)
})

test('lookup: at most 20 records, drawn at random', async (t) => {
  const s = await setup(t)
  const topic = randomBytes(32)
  const announced = new Set<string>()
  for (let i = 0; i < 25; i++) {
    const kp = keyPair()
    announced.add(kp.publicKey.toString('hex'))
    const value = signedAnnounce(s, topic, kp)
    await ask(s, { command: COMMANDS.ANNOUNCE, target: topic, value, token: s.token })
  }
  const seen = new Set<string>()
  for (let i = 0; i < 6; i++) {
    const { keys } = await lookup(s, topic)
    t.is(keys.length, 20)
    t.is(new Set(keys).size, 20, 'no repeats')
    for (const k of keys) seen.add(k)
  }
  t.ok(seen.size > 20, 'different lookups see different subsets')
  t.ok([...seen].every((k) => announced.has(k)))
})

test('self-announce: router entry via the requester, served by FIND_PEER and LOOKUP', async (t) => {
  const s = await setup(t)
  const server = keyPair()
  const target = hash(server.publicKey)
  const value = signedAnnounce(s, target, server, { relays: RELAYS.slice(0, 1) })
  const reply = await ask(s, { command: COMMANDS.ANNOUNCE, target, value, token: s.token })
  t.is(reply.error, 0)

  const entry = s.router.get(target)
  t.alike(entry?.relay, { host: LOCAL, port: s.client.address()!.port }, 'relay = requester')
  t.absent(entry?.local)
  t.is(entry?.record.buffer.byteLength, entry?.record.byteLength, 'stored bytes own their memory')
  const record = encode(peer, { publicKey: server.publicKey, relayAddresses: RELAYS.slice(0, 1) })
  const found = await ask(s, { command: COMMANDS.FIND_PEER, target })
  t.alike(found.value, record)
  t.ok(found.token)
  t.alike((await lookup(s, target)).keys, [server.publicKey.toString('hex')], 'router record')
  t.is((await ask(s, { command: COMMANDS.FIND_PEER, target: randomBytes(32) })).value, null)
  t.absent(await handled(s, { command: COMMANDS.FIND_PEER }), 'no target')
  t.is(s.persistent.stats.routes, 1)
  t.is(s.persistent.stats.records, 0, 'not a topic record')
})

test('unannounce: signed removal of records and router entries; local unannounce', async (t) => {
  const s = await setup(t)
  const topic = randomBytes(32)
  const [a, b, server] = [keyPair(), keyPair(), keyPair()]
  const { ANNOUNCE, UNANNOUNCE } = COMMANDS
  const token = s.token
  for (const kp of [a, b]) {
    await ask(s, { command: ANNOUNCE, target: topic, value: signedAnnounce(s, topic, kp), token })
  }
  const un = await ask(s, {
    command: UNANNOUNCE,
    target: topic,
    value: signedAnnounce(s, topic, a, { un: true }),
    token
  })
  t.alike([un.error, un.token, un.closerNodes], [0, null, null])
  t.alike((await lookup(s, topic)).keys, [b.publicKey.toString('hex')])

  const wrongNs = signedAnnounce(s, topic, b)
  t.absent(await handled(s, { command: UNANNOUNCE, target: topic, value: wrongNs, token }))
  const noPeer = encode(announce, { peer: null, refresh: null, signature: null, bump: 0 })
  t.absent(await handled(s, { command: UNANNOUNCE, target: topic, value: noPeer, token }))
  const unB = signedAnnounce(s, topic, b, { un: true })
  t.absent(await handled(s, { command: UNANNOUNCE, target: topic, value: unB }))
  t.is((await lookup(s, topic)).keys.length, 1, 'still there')

  const self = hash(server.publicKey)
  await ask(s, { command: ANNOUNCE, target: self, value: signedAnnounce(s, self, server), token })
  t.ok(s.router.get(self))
  const unSelf = signedAnnounce(s, self, server, { un: true })
  await ask(s, { command: UNANNOUNCE, target: self, value: unSelf, token })
  t.is(s.router.get(self), null, 'router entry removed')

  s.persistent.unannounce(topic, b.publicKey)
  t.alike((await lookup(s, topic)).keys, [])
  const d = s.persistent.stats.dropped
  t.alike([d.invalidSignature, d.badRequest, d.invalidToken], [1, 1, 1])
})

test('refresh: each hash-chain preimage re-installs the record once', async (t) => {
  const s = await setup(t)
  const topic = randomBytes(32)
  const a = keyPair()
  const x2 = randomBytes(32)
  const x1 = hash(x2)
  const x0 = hash(x1)
  const { ANNOUNCE } = COMMANDS
  const token = s.token
  const refresh = (r: Buffer) =>
    encode(announce, { peer: null, refresh: r, signature: null, bump: 0 })
  const value = signedAnnounce(s, topic, a, { refresh: x0, relays: RELAYS.slice(0, 2) })
  await ask(s, { command: ANNOUNCE, target: topic, value, token })

  s.persistent.unannounce(topic, a.publicKey)
  const r1 = await ask(s, { command: ANNOUNCE, target: topic, value: refresh(x1), token })
  t.alike([r1.error, r1.token, r1.closerNodes], [0, null, null])
  t.alike((await lookup(s, topic)).keys, [a.publicKey.toString('hex')], 're-installed')
  t.absent(await handled(s, { command: ANNOUNCE, target: topic, value: refresh(x1), token }))
  t.is(s.persistent.stats.dropped.unknownRefresh, 1, 'a used link is spent')
  t.absent(await handled(s, { command: ANNOUNCE, target: topic, value: refresh(x2) }))
  t.is(s.persistent.stats.dropped.invalidToken, 1)
  t.is((await ask(s, { command: ANNOUNCE, target: topic, value: refresh(x2), token })).error, 0)

  const server = keyPair()
  const self = hash(server.publicKey)
  const y1 = randomBytes(32)
  const selfAnn = signedAnnounce(s, self, server, { refresh: hash(y1) })
  await ask(s, { command: ANNOUNCE, target: self, value: selfAnn, token })
  s.router.delete(self)
  await ask(s, { command: ANNOUNCE, target: self, value: refresh(y1), token })
  t.alike(s.router.get(self)?.relay, { host: LOCAL, port: s.client.address()!.port })
  t.is(s.persistent.stats.refreshes, 2)
})

test('malformed input never throws; the node keeps answering', async (t) => {
  const s = await setup(t)
  const garbage = [Buffer.alloc(0), Buffer.from([0xff]), Buffer.alloc(64, 0xfe), randomBytes(300)]
  let answered = 0
  for (let command: number = COMMANDS.FIND_PEER; command <= COMMANDS.IMMUTABLE_GET; command++) {
    for (const value of garbage) {
      for (const target of [null, randomBytes(32)]) {
        if (await handled(s, { command, target, value, token: s.token })) answered++
      }
    }
  }
  t.ok(answered > 0, 'read commands with a target still answer')
  t.ok(s.persistent.stats.dropped.badRequest > 0)
  const value = Buffer.from('after')
  const put = { command: COMMANDS.IMMUTABLE_PUT, target: hash(value), value, token: s.token }
  t.is((await ask(s, put)).error, 0, 'still serving')
})

test('limits: a value over the byte budget is refused silently', async (t) => {
  const s = await setup(t, { maxStorageBytes: 300, maxStorageBytesPerSource: 300 })
  const value = Buffer.alloc(100, 1)
  const put = { command: COMMANDS.IMMUTABLE_PUT, target: hash(value), value, token: s.token }
  t.absent(await handled(s, put))
  t.is(s.persistent.stats.dropped.overBudget, 1)
  t.is(s.persistent.stats.bytes, 0)
})

test('stats shape, and destroy: stores emptied, later requests ignored', async (t) => {
  const s = await setup(t)
  const value = Buffer.from('x')
  const put = { command: COMMANDS.IMMUTABLE_PUT, target: hash(value), value, token: s.token }
  await ask(s, put)
  const stats = JSON.parse(JSON.stringify(s.persistent.stats)) as Record<string, unknown>
  t.alike(Object.keys(stats).sort(), [
    'bumps',
    'bytes',
    'dropped',
    'evicted',
    'expired',
    'immutables',
    'mutables',
    'records',
    'refreshes',
    'routes',
    'sources',
    'topics'
  ])
  s.persistent.destroy()
  t.is(s.persistent.stats.immutables, 0)
  t.absent(await handled(s, { command: COMMANDS.IMMUTABLE_GET, target: hash(value) }))
})
