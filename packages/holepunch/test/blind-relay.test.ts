// Tests for the blind-relay client and server: the vectors' frames from both ends, real UDX
// streams relayed end to end, unpair, session close, caps, stats and malformed input.

import { EventEmitter, once } from 'node:events'
import test from 'brittle'
import { encode, pair } from '@keymesh/wire'
import UDX from 'udx-native'
import {
  BLIND_RELAY_SERVER_DEFAULTS,
  BlindRelayClient,
  BlindRelayServer,
  HolepunchError,
  RELAY_TOKEN_BYTES,
  relayToken,
  type BlindRelayRequest,
  type BlindRelaySession
} from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'
import { fakeStreams } from './helpers/fake-relay-stream.js'
import { FramedEnd, framedPair, frames, sentHex } from './helpers/framed-pair.js'
import { addressOf, createSocket } from './helpers/net.js'
import { fromHex, loadVector } from './helpers/vectors.js'

/** The parts of blind-relay-protomux.json these tests use. */
interface BlindRelayVectors {
  channel: { protocol: string; id_A_hex: string; id_B_hex: string }
  frames_peerA_connection: { from: 'peer' | 'relay'; hex: string }[]
  frames_peerB_connection: { from: 'peer' | 'relay'; hex: string }[]
  paired_results: { side: 'initiator' | 'responder'; relayStreamId: number }[]
}

const V = loadVector<BlindRelayVectors>('blind-relay-protomux.json')
const TOKEN = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x30 + i))
const ID_A = fromHex(V.channel.id_A_hex)
const ID_B = fromHex(V.channel.id_B_hex)
const RAW_ID_A = 0x1111
const RAW_ID_B = 0x2222

function byDirection(frames: { from: 'peer' | 'relay'; hex: string }[]): {
  peer: string[]
  relay: string[]
} {
  return {
    peer: frames.filter((f) => f.from === 'peer').map((f) => f.hex),
    relay: frames.filter((f) => f.from === 'relay').map((f) => f.hex)
  }
}

/** A control connection: the peer's end and the relay's end, destroyed on teardown. */
function control(t: TestInstance): [FramedEnd, FramedEnd] {
  const pair = framedPair()
  t.teardown(() => pair[0].destroy())
  return pair
}

/** Resolves on `event`; unlike events.once, an 'error' before it does not reject. */
function settled(emitter: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()))
}

/** A pair message for channel 1, as a peer would send it. */
function encodePairFrame(isInitiator: boolean, token: Buffer): Buffer {
  const body = encode(pair, { isInitiator, token, id: 1, seq: 0 })
  return Buffer.concat([Buffer.from('0100', 'hex'), body])
}

/** The request's outcome: its remote id, or the error it failed with. */
function outcome(request: BlindRelayRequest): Promise<number | Error> {
  return new Promise((resolve) => {
    request.once('data', resolve)
    request.once('error', resolve)
  })
}

test('vectors: the client writes exactly the real client frames', async (t) => {
  for (const [name, id, isInitiator, rawId, vector, relayId] of [
    ['A (initiator)', ID_A, true, RAW_ID_A, V.frames_peerA_connection, 0x101],
    ['B (non-initiator)', ID_B, false, RAW_ID_B, V.frames_peerB_connection, 0x100]
  ] as const) {
    const [end] = framedPair()
    t.teardown(() => end.destroy())
    const { peer, relay } = byDirection([...vector])
    const client = new BlindRelayClient(end, { id })
    const opened = once(client, 'open')
    t.is(sentHex(end)[0], peer[0], `${name}: open`)
    end.inject(fromHex(relay[0] ?? ''))
    await opened
    const request = client.pair(isInitiator, TOKEN, { id: rawId })
    const paired = once(client, 'pair')
    const result = outcome(request)
    await new Promise((resolve) => queueMicrotask(() => resolve(null)))
    t.is(sentHex(end)[1], peer[1], `${name}: pair`)
    end.inject(fromHex(relay[1] ?? ''))
    t.is(await result, relayId, `${name}: the relay's stream id`)
    const [role, token, stream, remoteId] = await paired
    t.alike([role, token, stream, remoteId], [isInitiator, TOKEN, { id: rawId }, relayId])
    if (peer[2] !== undefined) {
      client.unpair(TOKEN)
      t.is(sentHex(end)[2], peer[2], `${name}: unpair`)
    }
    t.is(sentHex(end).length, peer.length, `${name}: nothing else`)
  }
  const expected = Object.fromEntries(V.paired_results.map((r) => [r.side, r.relayStreamId]))
  t.alike(expected, { initiator: 0x101, responder: 0x100 })
})

test('vectors: the relay writes exactly the real relay frames', async (t) => {
  const fake = fakeStreams(0x100)
  const server = new BlindRelayServer({ createStream: fake.createStream })
  const ends = { A: framedPair()[1], B: framedPair()[1] }
  t.teardown(() => {
    ends.A.destroy()
    ends.B.destroy()
  })
  const a = byDirection(V.frames_peerA_connection)
  const b = byDirection(V.frames_peerB_connection)
  const sessionA = server.accept(ends.A, { id: ID_A })
  const sessionB = server.accept(ends.B, { id: ID_B })
  t.is(sentHex(ends.A)[0], a.relay[0], 'A: open')
  t.is(sentHex(ends.B)[0], b.relay[0], 'B: open')
  const events: unknown[][] = []
  sessionA.on('pair', (...args) => events.push(['A', args[0], args[3]]))
  sessionB.on('pair', (...args) => events.push(['B', args[0], args[3]]))

  ends.A.inject(fromHex(a.peer[0] ?? ''))
  ends.A.inject(fromHex(a.peer[1] ?? ''))
  t.is(server.stats.pairings.pending, 1, 'A waits for B')
  ends.B.inject(fromHex(b.peer[0] ?? ''))
  ends.B.inject(fromHex(b.peer[1] ?? ''))
  t.is(sentHex(ends.A)[1], a.relay[1], 'A: pair answer with stream 0x101')
  t.is(sentHex(ends.B)[1], b.relay[1], 'B: pair answer with stream 0x100')
  t.alike(
    events,
    [
      ['B', false, RAW_ID_B],
      ['A', true, RAW_ID_A]
    ],
    'pair events, non-initiator first'
  )
  const [forB, forA] = fake.streams
  t.is(forB?.id, 0x100)
  t.is(forA?.id, 0x101)
  t.is(forA?.relayedTo, forB, 'A relays into B')
  t.is(forB?.relayedTo, forA, 'B relays into A')
  t.is(forA?.firewall('socket', 4000, '10.0.0.1'), false, 'the first packet is accepted')
  t.alike(forA?.connected, { socket: 'socket', remoteId: RAW_ID_A, port: 4000, host: '10.0.0.1' })

  ends.A.inject(fromHex(a.peer[2] ?? '')) // unpair
  t.ok(forA?.destroyed && forB?.destroyed, 'unpair destroys both streams')
  t.is(forA?.destroyError?.message.startsWith('PAIRING_CANCELLED'), true)
  const s = server.stats
  t.alike(
    [s.pairings.requested, s.pairings.matched, s.pairings.cancelled, s.pairings.pending],
    [2, 1, 1, 0]
  )
  t.alike([s.streams.opened, s.streams.closed, s.streams.active, s.pairings.active], [2, 2, 0, 0])
  t.is(sentHex(ends.A).length, 2)
  t.is(sentHex(ends.B).length, 2)
})

test('real UDX streams: A and B pair through the relay and exchange bytes both ways', async (t) => {
  const relayUdx = new UDX()
  const relaySocket = createSocket(t, relayUdx)
  const relayStreams: UDX.Stream[] = []
  let nextId = 0x100
  const server = new BlindRelayServer({
    createStream: (opts) => {
      const stream = relayUdx.createStream(nextId++, opts)
      relayStreams.push(stream)
      t.teardown(() => stream.destroy())
      return stream
    }
  })
  t.teardown(() => server.close())

  const peers = [
    { name: 'A', isInitiator: true, key: ID_A, rawId: 1 },
    { name: 'B', isInitiator: false, key: ID_B, rawId: 2 }
  ].map((p) => {
    const udx = new UDX()
    const socket = createSocket(t, udx)
    const stream = udx.createStream(p.rawId)
    stream.on('error', () => {})
    t.teardown(() => stream.destroy())
    const [peerEnd, relayEnd] = control(t)
    const session = server.accept(relayEnd, { id: p.key })
    const client = BlindRelayClient.from(peerEnd, { id: p.key })
    return { ...p, socket, stream, session, client }
  })
  t.is(BlindRelayClient.from(control(t)[0]) === peers[0]?.client, false, 'one client per stream')
  for (const p of peers) t.is(BlindRelayClient.from(p.client.stream), p.client, `${p.name}: from`)

  const token = relayToken()
  const results = peers.map((p) => outcome(p.client.pair(p.isInitiator, token, p.stream)))
  const [remoteA, remoteB] = await Promise.all(results)
  t.alike([remoteA, remoteB], [0x101, 0x100], 'each side learns the relay stream for its side')
  t.is(relayStreams.length, 2)

  // the relay connects each of its streams when that side's first packet arrives
  const relayConnected = Promise.all(relayStreams.map((s) => once(s, 'connect')))
  const port = addressOf(relaySocket).port
  for (const [p, remoteId] of [
    [peers[0], remoteA],
    [peers[1], remoteB]
  ] as const) {
    p?.stream.connect(p.socket, remoteId as number, port, '127.0.0.1')
    p?.stream.trySend(Buffer.alloc(0))
  }
  await relayConnected
  t.is(relayStreams[1]?.remoteId, 1, "the relay's A stream points at A's stream")
  t.is(relayStreams[0]?.remoteId, 2, "the relay's B stream points at B's stream")

  const [a, b] = peers
  if (a === undefined || b === undefined) return
  const atB = once(b.stream, 'data')
  const atA = once(a.stream, 'data')
  a.stream.write(Buffer.from('from A through the relay'))
  b.stream.write(Buffer.from('from B through the relay'))
  t.is(String((await atB)[0]), 'from A through the relay')
  t.is(String((await atA)[0]), 'from B through the relay')

  const s = server.stats
  t.alike(
    [s.sessions.accepted, s.sessions.opened, s.sessions.active],
    [2, 2, 2],
    'sessions: accepted, opened, active'
  )
  t.alike([s.pairings.matched, s.pairings.active, s.streams.active], [1, 1, 2])

  const closed = Promise.all(relayStreams.map((r) => settled(r, 'close')))
  a.client.unpair(token)
  await closed
  t.alike([s.pairings.cancelled, s.pairings.active, s.streams.active], [1, 0, 0], 'unpaired')
})

test('unpair of a pending pairing cancels it; the request fails with PAIRING_CANCELLED', async (t) => {
  const fake = fakeStreams(1)
  const server = new BlindRelayServer({ createStream: fake.createStream })
  const [peerA, relayA] = control(t)
  server.accept(relayA)
  const client = new BlindRelayClient(peerA)
  const arrived = frames(relayA, 2)
  const request = client.pair(true, TOKEN, { id: 5 })
  const result = outcome(request)
  const closed = settled(request, 'close')
  await arrived
  t.is(server.stats.pairings.pending, 1)
  const unpaired = frames(relayA, 1)
  client.unpair(TOKEN)
  const err = await result
  await closed
  t.is((err as HolepunchError).code, 'PAIRING_CANCELLED')
  t.ok(request.destroyed)
  await unpaired
  t.alike([server.stats.pairings.pending, server.stats.pairings.cancelled], [0, 1])

  const [peerB, relayB] = control(t)
  server.accept(relayB)
  const late = frames(relayB, 2)
  new BlindRelayClient(peerB).pair(false, TOKEN, { id: 6 })
  await late
  t.is(server.stats.pairings.matched, 0, 'the cancelled role is gone: nothing to match')
  t.is(fake.streams.length, 0)
})

test('a session closing cancels its pending pairings and destroys its side', async (t) => {
  const fake = fakeStreams(1)
  const server = new BlindRelayServer({ createStream: fake.createStream })
  const [peerA, relayA] = control(t)
  const [peerB, relayB] = control(t)
  const sessionA = server.accept(relayA)
  server.accept(relayB)
  const clientA = new BlindRelayClient(peerA)
  const clientB = new BlindRelayClient(peerB)
  const other = Buffer.alloc(32, 9)
  const pendingA = outcome(clientA.pair(true, other, { id: 7 }))
  const pairedA = outcome(clientA.pair(true, TOKEN, { id: 1 }))
  const pairedB = outcome(clientB.pair(false, TOKEN, { id: 2 }))
  t.alike(await Promise.all([pairedA, pairedB]), [2, 1])
  t.is(server.stats.pairings.pending, 1, 'the other token still waits')

  const closed = settled(sessionA, 'close')
  peerA.destroy()
  await closed
  const err = await pendingA
  t.is((err as HolepunchError).code, 'CHANNEL_CLOSED', "A's own request fails")
  t.ok(clientA.closed)
  const s = server.stats
  t.alike([s.pairings.pending, s.pairings.cancelled, s.sessions.closed], [0, 1, 1])
  t.ok(fake.streams[1]?.destroyed, "A's side is destroyed")
  t.is(fake.streams[0]?.destroyed, false, "B's side stays for B's session to end")
  t.is([...server.sessions].length, 1)
})

test('caps: per session and in total; repeats and taken roles are ignored', async (t) => {
  const fake = fakeStreams(1)
  const server = new BlindRelayServer({
    createStream: fake.createStream,
    maxPairingsPerSession: 2,
    maxPairings: 3
  })
  t.alike(BLIND_RELAY_SERVER_DEFAULTS, { maxPairingsPerSession: 64, maxPairings: 4096 })
  const tk = [0, 1, 2, 3].map((n) => Buffer.alloc(32, n))
  const s = server.stats.pairings
  const peer = (): { client: BlindRelayClient; relay: FramedEnd } => {
    const [end, relay] = control(t)
    server.accept(relay)
    return { client: new BlindRelayClient(end), relay }
  }
  const pairAll = async (
    p: { client: BlindRelayClient; relay: FramedEnd },
    asks: [boolean, Buffer][]
  ): Promise<void> => {
    const arrived = frames(p.relay, asks.length + 1) // and the client open frame
    for (const [isInitiator, token] of asks) {
      p.client.pair(isInitiator, token, { id: 1 })
    }
    await arrived
  }
  const a = peer()
  await pairAll(a, [
    [true, tk[0] as Buffer],
    [true, tk[1] as Buffer],
    [true, tk[2] as Buffer]
  ])
  t.alike([s.pending, s.requested, s.rejected], [2, 2, 1], 'A: the third is over its cap')

  const b = peer()
  await pairAll(b, [
    [true, tk[2] as Buffer],
    [true, tk[3] as Buffer]
  ])
  t.alike([s.pending, s.requested, s.rejected], [3, 3, 2], 'B: one more, then the relay is full')

  const c = peer()
  const matched = outcome(c.client.pair(false, tk[0] as Buffer, { id: 3 }))
  t.is(await matched, 1, 'a second role still matches when the relay is full')
  t.alike([s.pending, s.matched, s.active], [2, 1, 1])

  const d = peer()
  await pairAll(d, [[true, tk[1] as Buffer]])
  a.relay.inject(encodePairFrame(true, tk[1] as Buffer))
  t.alike([s.requested, s.rejected], [4, 2], 'a taken role and a repeat are ignored, not counted')
  for (const p of [a, b, c, d]) p.client.destroy()
})

test('a stranger sending garbage ends only its own session', async (t) => {
  const fake = fakeStreams(1)
  const server = new BlindRelayServer({ createStream: fake.createStream })
  const [, relayBad] = control(t)
  const bad = server.accept(relayBad)
  const errors: Error[] = []
  bad.on('error', (err) => errors.push(err))
  const closed = settled(bad, 'close')
  t.execution(() => relayBad.inject(Buffer.from('0007', 'hex')))
  await closed
  t.is((errors[0] as HolepunchError | undefined)?.code, 'INVALID_FRAME')
  t.is((relayBad.destroyError as HolepunchError | null)?.code, 'INVALID_FRAME')

  // a well-formed open but an undecodable pair message: same outcome, no throw
  const [, relayBad2] = control(t)
  const bad2 = server.accept(relayBad2, { id: ID_A })
  const closed2 = settled(bad2, 'close')
  relayBad2.inject(fromHex(byDirection(V.frames_peerA_connection).peer[0] ?? ''))
  t.execution(() => relayBad2.inject(Buffer.from('0100ff', 'hex')))
  await closed2
  t.is((relayBad2.destroyError as HolepunchError | null)?.code, 'INVALID_FRAME')

  const [peerA, relayA] = control(t)
  const [peerB, relayB] = control(t)
  server.accept(relayA)
  server.accept(relayB)
  const results = [
    outcome(new BlindRelayClient(peerA).pair(true, TOKEN, { id: 1 })),
    outcome(new BlindRelayClient(peerB).pair(false, TOKEN, { id: 2 }))
  ]
  t.alike(await Promise.all(results), [2, 1], 'others still pair')
  t.is(server.stats.sessions.closed, 2)
})

test('client: argument and state errors', async (t) => {
  const [peer, relay] = control(t)
  const server = new BlindRelayServer({ createStream: fakeStreams(1).createStream })
  server.accept(relay)
  const client = new BlindRelayClient(peer)
  t.exception(() => new BlindRelayClient(peer), /DUPLICATE_CHANNEL/, 'one channel per id')
  t.exception(() => client.pair(true, Buffer.alloc(31), { id: 1 }), /INVALID_ARGUMENT/)
  t.exception(() => client.unpair(Buffer.alloc(33)), /INVALID_ARGUMENT/)
  client.pair(true, TOKEN, { id: 1 }).on('error', () => {})
  t.exception(() => client.pair(false, TOKEN, { id: 1 }), /ALREADY_PAIRING/)
  t.is([...client.requests].length, 1)
  const destroyed = once(client, 'destroy')
  client.destroy()
  await destroyed
  t.ok(client.destroyed && client.closed)
  t.exception(() => client.pair(true, Buffer.alloc(32), { id: 1 }), /CHANNEL_DESTROYED/)
  t.exception(() => client.unpair(TOKEN), /CHANNEL_DESTROYED/)
  const [gone] = framedPair()
  gone.destroy()
  t.exception(() => new BlindRelayClient(gone), /CHANNEL_DESTROYED/)
  t.is(RELAY_TOKEN_BYTES, 32)
  t.is(relayToken().byteLength, 32)
  t.unlike(relayToken(), relayToken())
  t.exception(
    () => new BlindRelayServer({ createStream: fakeStreams(1).createStream, maxPairings: 0 }),
    /INVALID_ARGUMENT/
  )
})

test('client: end() waits for pending requests; a relay that refuses the channel fails them', async (t) => {
  const fake = fakeStreams(1)
  const server = new BlindRelayServer({ createStream: fake.createStream })
  const [peerA, relayA] = control(t)
  const [peerB, relayB] = control(t)
  server.accept(relayA)
  server.accept(relayB)
  const clientA = new BlindRelayClient(peerA)
  const pending = outcome(clientA.pair(true, TOKEN, { id: 1 }))
  let ended = false
  const ending = clientA.end().then(() => (ended = true))
  t.is(clientA.end(), clientA.end(), 'memoised')
  await frames(relayA, 2)
  t.is(ended, false, 'still pairing')
  outcome(new BlindRelayClient(peerB).pair(false, TOKEN, { id: 2 }))
  t.is(await pending, 2)
  await ending
  t.ok(clientA.closed, 'closed once the request settled')

  // nobody serves blind-relay on the other end: it rejects our channel
  const [lonely, other] = control(t)
  const refused = new BlindRelayClient(lonely)
  const result = outcome(refused.pair(true, TOKEN, { id: 3 }))
  other.write(Buffer.from('000201', 'hex'))
  t.is(((await result) as HolepunchError).code, 'CHANNEL_CLOSED')
  t.ok(refused.closed)
})

test('server close(): cancels pending pairings, ends every session, destroys relay streams', async (t) => {
  const fake = fakeStreams(1)
  const server = new BlindRelayServer({ createStream: fake.createStream })
  const sessions: BlindRelaySession[] = []
  const clients: BlindRelayClient[] = []
  for (let i = 0; i < 3; i++) {
    const [peer, relay] = control(t)
    sessions.push(server.accept(relay))
    clients.push(new BlindRelayClient(peer))
  }
  const paired = [
    outcome(clients[0]?.pair(true, TOKEN, { id: 1 }) as BlindRelayRequest),
    outcome(clients[1]?.pair(false, TOKEN, { id: 2 }) as BlindRelayRequest)
  ]
  t.alike(await Promise.all(paired), [2, 1])
  const pending = outcome(
    clients[2]?.pair(true, Buffer.alloc(32, 1), { id: 3 }) as BlindRelayRequest
  )
  await frames(sessions[2]?.stream as FramedEnd, 1)
  const clientsClosed = Promise.all(clients.map((c) => once(c, 'close')))
  await server.close()
  t.ok(sessions.every((s) => s.closed))
  t.ok(
    fake.streams.every((s) => s.destroyed),
    'relay streams destroyed'
  )
  t.is([...server.sessions].length, 0)
  await clientsClosed
  t.is(((await pending) as HolepunchError).code, 'CHANNEL_CLOSED', 'the peer sees the close')
  const s = server.stats
  t.alike(
    [s.sessions.closed, s.sessions.active, s.pairings.pending, s.streams.active],
    [3, 0, 0, 0]
  )
})

test('path: a peer whose address is known gets its relay stream connected at pairing', async (t) => {
  const fake = fakeStreams(0x200)
  const server = new BlindRelayServer({ createStream: (opts) => fake.createStream(opts) })
  t.teardown(() => server.close())
  const paths = {
    A: { socket: 'relay-socket', port: 41000, host: '10.0.0.1' },
    B: null // unknown: that side connects at its first packet, as blind-relay does
  }
  const [aPeer, aRelay] = control(t)
  const [bPeer, bRelay] = control(t)
  server.accept(aRelay, { id: ID_A, path: () => paths.A })
  server.accept(bRelay, { id: ID_B, path: () => paths.B })
  const token = relayToken()
  const a = outcome(BlindRelayClient.from(aPeer, { id: ID_A }).pair(true, token, { id: 7 }))
  const b = outcome(BlindRelayClient.from(bPeer, { id: ID_B }).pair(false, token, { id: 9 }))
  t.alike(await Promise.all([a, b]), [0x201, 0x200], 'paired')
  const [forB, forA] = fake.streams
  t.alike(forA?.connected, { socket: 'relay-socket', remoteId: 7, port: 41000, host: '10.0.0.1' })
  t.is(forB?.connected, null, "B's stream waits for B's first packet")
  t.is(forB?.firewall('s', 42000, '10.0.0.2'), false, "B's first packet is accepted")
  t.alike(forB?.connected, { socket: 's', remoteId: 9, port: 42000, host: '10.0.0.2' })
})
