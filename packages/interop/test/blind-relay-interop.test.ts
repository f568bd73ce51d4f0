// Interop: @keymesh/holepunch's Protomux and blind-relay against the real protomux 3.12.1 and
// blind-relay 1.6.1. Channels open, close, reject and batch both ways between the two muxes; peers
// of either kind pair through a relay of either kind and their real UDX streams carry bytes both
// ways through it.

import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import test from 'brittle'
import type * as RealBlindRelayType from 'blind-relay'
import type RealProtomuxType from 'protomux'
import type UDXType from 'udx-native'
import { BlindRelayClient, BlindRelayServer, Protomux, relayToken } from '@keymesh/holepunch'
import type { FramedStream } from '@keymesh/holepunch'
import { withTimeout } from '../src/index.js'
import type { T } from './helpers/brittle.js'

const requireHere = createRequire(import.meta.url)
const RealProtomux = requireHere('protomux') as typeof RealProtomuxType
const RealBlindRelay = requireHere('blind-relay') as typeof RealBlindRelayType
const UDX = requireHere('udx-native') as typeof UDXType
// compact-encoding, as protomux itself loads it: codecs both muxes accept
const c = createRequire(requireHere.resolve('protomux'))('compact-encoding') as {
  raw: RealProtomuxType.Encoding<Uint8Array, Buffer>
  uint: RealProtomuxType.Encoding<number>
}
const raw = { name: 'raw', ...c.raw }
const uint = { name: 'uint', ...c.uint }

/** How long one pairing or one relayed round trip may take on loopback. */
const OP_MS = 10_000

test.configure({ timeout: 60_000 })

/** One end of an in-memory message-framed pair (what a secret-stream connection looks like). */
class Pipe extends EventEmitter implements FramedStream {
  userData: unknown = null
  destroyed = false
  peer: Pipe | null = null
  /** Every frame written, hex. */
  readonly sent: string[] = []

  write(data: Uint8Array): boolean {
    if (this.destroyed) return false
    const frame = Buffer.from(data)
    this.sent.push(frame.toString('hex'))
    const peer = this.peer
    if (peer !== null) process.nextTick(() => peer.destroyed || peer.emit('data', frame))
    return true
  }

  end(): void {
    this.destroy()
  }

  destroy(err?: Error): void {
    if (this.destroyed) return
    this.destroyed = true
    process.nextTick(() => {
      if (err !== undefined) this.emit('error', err)
      this.emit('close')
    })
    this.peer?.destroy()
  }

  // protomux flow-controls its stream; frames are never held here
  pause(): this {
    return this
  }

  resume(): this {
    return this
  }
}

function pipes(t: T): [Pipe, Pipe] {
  const a = new Pipe()
  const b = new Pipe()
  a.peer = b
  b.peer = a
  t.teardown(() => a.destroy())
  return [a, b]
}

/** Resolves with the first argument of `event`; an 'error' before it does not reject. */
function next<T = unknown>(emitter: EventEmitter, event: string): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => emitter.once(event, (value: T) => resolve(value))),
    OP_MS,
    event
  )
}

/** Channel callbacks as promises, for either mux. */
function hooks(): {
  opts: {
    onopen: (handshake: unknown) => void
    onclose: (isRemote: boolean) => void
  }
  opened: Promise<unknown>
  closed: Promise<boolean>
} {
  let onopen: (h: unknown) => void = () => {}
  let onclose: (r: boolean) => void = () => {}
  const opened = new Promise<unknown>((resolve) => (onopen = resolve))
  const closed = new Promise<boolean>((resolve) => (onclose = resolve))
  return { opts: { onopen, onclose }, opened, closed }
}

/** Messages a channel received, and a wait for the n-th. */
function inbox(): {
  got: string[]
  onmessage: (m: Buffer) => void
  count(n: number): Promise<void>
} {
  const got: string[] = []
  const waiters: [number, () => void][] = []
  return {
    got,
    onmessage(m) {
      got.push(m.toString())
      for (const [n, resolve] of waiters) if (got.length >= n) resolve()
    },
    count(n) {
      if (got.length >= n) return Promise.resolve()
      return withTimeout(new Promise((resolve) => waiters.push([n, resolve])), OP_MS, 'messages')
    }
  }
}

test('protomux: channels open, talk and close both ways with the real protomux', async (t) => {
  const [ours, theirs] = pipes(t)
  const km = new Protomux(ours)
  const real = new RealProtomux(theirs)
  const id = Buffer.alloc(32, 5)

  for (const opener of ['keymesh', 'real'] as const) {
    const protocol = `both-${opener}`
    const kh = hooks()
    const rh = hooks()
    const kIn = inbox()
    const rIn = inbox()
    const kc = km.createChannel({ protocol, id, handshake: uint, ...kh.opts })
    const rc = real.createChannel({ protocol, id, handshake: uint, ...rh.opts })
    if (kc === null || rc === null) throw new Error('no channel')
    const kSend = kc.addMessage({ encoding: raw, onmessage: kIn.onmessage })
    const rSend = rc.addMessage({ encoding: raw, onmessage: rIn.onmessage })
    if (opener === 'keymesh') {
      kc.open(11)
      rc.open(22)
    } else {
      rc.open(22)
      kc.open(11)
    }
    t.is(await kh.opened, 22, `${opener} first: keymesh gets the real handshake`)
    t.is(await rh.opened, 11, `${opener} first: the real side gets ours`)
    kSend.send(Buffer.from('to real'))
    rSend.send(Buffer.from('to keymesh'))
    await Promise.all([kIn.count(1), rIn.count(1)])
    t.alike([kIn.got, rIn.got], [['to keymesh'], ['to real']], `${opener} first: messages`)
    if (opener === 'keymesh') kc.close()
    else rc.close()
    t.alike(
      await Promise.all([kh.closed, rh.closed]),
      opener === 'keymesh' ? [false, true] : [true, false],
      `${opener} closes: the other side sees a remote close`
    )
  }
})

test('protomux: an open nobody waits for is rejected by either mux; notify holds it', async (t) => {
  const [ours, theirs] = pipes(t)
  const km = new Protomux(ours)
  const real = new RealProtomux(theirs)

  const kh = hooks()
  km.createChannel({ protocol: 'only-keymesh', ...kh.opts })?.open()
  t.is(await kh.closed, true, 'the real mux rejects ours')
  const rh = hooks()
  real.createChannel({ protocol: 'only-real', ...rh.opts })?.open()
  t.is(await rh.closed, true, 'ours rejects the real one')

  // each side creates its channel only when the other's open arrives
  const kIn = inbox()
  const rIn = inbox()
  km.pair({ protocol: 'late' }, () => {
    const ch = km.createChannel({ protocol: 'late', onopen: () => {} })
    ch?.addMessage({ encoding: raw, onmessage: kIn.onmessage })
    ch?.open()
  })
  real.pair({ protocol: 'late2' }, () => {
    const ch = real.createChannel({ protocol: 'late2' })
    ch?.addMessage({ encoding: raw, onmessage: rIn.onmessage })
    ch?.open()
  })
  const rc = real.createChannel({ protocol: 'late' })
  const rSend = rc?.addMessage({ encoding: raw })
  rc?.open()
  rSend?.send(Buffer.from('held until the keymesh channel exists'))
  const kc = km.createChannel({ protocol: 'late2' })
  const kSend = kc?.addMessage({ encoding: raw })
  kc?.open()
  kSend?.send(Buffer.from('held until the real channel exists'))
  await Promise.all([kIn.count(1), rIn.count(1)])
  t.alike(kIn.got, ['held until the keymesh channel exists'])
  t.alike(rIn.got, ['held until the real channel exists'])
})

test('protomux: batches both ways, several channels on one stream', async (t) => {
  const [ours, theirs] = pipes(t)
  const km = new Protomux(ours)
  const real = new RealProtomux(theirs)
  const kIn = inbox()
  const rIn = inbox()
  const protocols = ['a', 'b', 'c']
  const k = protocols.map((protocol) => {
    const ch = km.createChannel({ protocol })
    if (ch === null) throw new Error('no channel')
    const onmessage = (m: Buffer): void => kIn.onmessage(Buffer.from(`${protocol}:${m}`))
    return { ch, send: ch.addMessage({ encoding: raw, onmessage }) }
  })
  const closes: Promise<boolean>[] = []
  const r = protocols.map((protocol) => {
    const h = hooks()
    closes.push(h.closed)
    const ch = real.createChannel({ protocol, ...h.opts })
    if (ch === null) throw new Error('no channel')
    const onmessage = (m: Buffer): void => rIn.onmessage(Buffer.from(`${protocol}:${m}`))
    return { ch, send: ch.addMessage({ encoding: raw, onmessage }) }
  })

  // opens and messages in one cork on each side: the opens travel as batch items too
  real.cork()
  for (const x of r) {
    x.ch.open()
    x.send.send(Buffer.from('r'))
  }
  real.uncork()
  km.cork()
  for (const x of k) {
    x.ch.open()
    x.send.send(Buffer.from('k'))
  }
  km.uncork()
  t.is(theirs.sent.length, 1, 'the real mux sent one frame')
  t.is(ours.sent.length, 1, 'keymesh sent one frame')
  t.ok(theirs.sent[0]?.startsWith('0000') && ours.sent[0]?.startsWith('0000'), 'both batches')
  await Promise.all([kIn.count(3), rIn.count(3)])
  t.alike(kIn.got, ['a:r', 'b:r', 'c:r'], 'keymesh decoded the real batch')
  t.alike(rIn.got, ['a:k', 'b:k', 'c:k'], 'the real mux decoded ours')

  // messages only, switching channels inside the batch, then closes in a batch
  km.cork()
  for (const x of [...k].reverse()) x.send.send(Buffer.from('again'))
  km.uncork()
  await rIn.count(6)
  t.alike(rIn.got.slice(3), ['c:again', 'b:again', 'a:again'])
  t.ok(k.every((x) => x.ch.opened) && r.every((x) => x.ch.opened), 'all opened')
  km.cork()
  for (const x of k) x.ch.close()
  km.uncork()
  t.alike(await Promise.all(closes), [true, true, true], 'the real channels see remote closes')
})

/** A relay of either kind, on its own UDX instance and socket. */
interface Relay {
  port: number
  streams: RawStream[]
  stats: { pairings: { matched: number }; streams: { opened: number } }
  accept(stream: Pipe, id: Buffer): void
  close(): Promise<void>
}

/** udx-native's stream, as far as this test uses it (outside the package's narrow udx types). */
interface RawStream extends EventEmitter {
  readonly id: number
  readonly remoteId: number
  connect(socket: UDXType.Socket, remoteId: number, port: number, host: string): void
  relayTo(other: RawStream): void
  trySend(data: Uint8Array): void
  write(data: Uint8Array): boolean
  destroy(err?: Error): void
}

interface StreamFactory {
  createStream(
    id: number,
    opts?: { firewall?: (socket: unknown, port: number, host: string) => boolean }
  ): RawStream
}

function streamsOf(udx: UDXType): StreamFactory {
  return udx as unknown as StreamFactory
}

function socketOn(t: T, udx: UDXType): UDXType.Socket {
  const socket = udx.createSocket()
  socket.bind(0, '127.0.0.1')
  t.teardown(() => socket.close(), { order: Infinity })
  return socket
}

type Kind = 'keymesh' | 'real'

function createRelay(t: T, kind: Kind): Relay {
  const udx = new UDX()
  const socket = socketOn(t, udx)
  const streams: RawStream[] = []
  let nextId = 0x100
  const createStream = (opts: {
    firewall(socket: unknown, port: number, host: string): boolean
  }): RawStream => {
    const stream = streamsOf(udx).createStream(nextId++, opts)
    streams.push(stream)
    t.teardown(() => stream.destroy())
    return stream
  }
  const server =
    kind === 'real'
      ? new RealBlindRelay.Server({ createStream })
      : new BlindRelayServer({ createStream })
  t.teardown(() => server.close())
  return {
    port: socket.address()?.port ?? 0,
    streams,
    stats: server.stats,
    accept(stream, id) {
      const session = server.accept(stream, { id })
      session.on('error', () => {})
    },
    close: () => server.close()
  }
}

/** Pair two peers of the given kinds through `relay`, then send bytes both ways over UDX. */
async function relayRoundTrip(t: T, relay: Relay, kinds: [Kind, Kind]): Promise<void> {
  const token = relayToken()
  const peers = kinds.map((kind, i) => {
    const udx = new UDX()
    const socket = socketOn(t, udx)
    const stream = streamsOf(udx).createStream(i + 1)
    stream.on('error', () => {})
    t.teardown(() => stream.destroy())
    const key = Buffer.alloc(32, i + 1)
    const [peerEnd, relayEnd] = pipes(t)
    relay.accept(relayEnd, key)
    const client =
      kind === 'real'
        ? RealBlindRelay.Client.from(peerEnd, { id: key })
        : BlindRelayClient.from(peerEnd, { id: key })
    const request = client.pair(i === 0, token, stream)
    request.on('error', () => {})
    return {
      name: `${kind} ${i === 0 ? 'initiator' : 'non-initiator'}`,
      socket,
      stream,
      paired: next<number>(request, 'data')
    }
  })
  const before = relay.streams.length
  const remoteIds = await Promise.all(peers.map((p) => p.paired))
  const mine = relay.streams.slice(before)
  t.is(mine.length, 2, `${kinds.join('/')}: the relay made two streams`)
  t.alike(
    remoteIds,
    [mine[1]?.id, mine[0]?.id],
    `${kinds.join('/')}: each side got its relay stream`
  )

  const relayConnected = Promise.all(mine.map((s) => next(s, 'connect')))
  peers.forEach((p, i) => {
    p.stream.connect(p.socket, remoteIds[i] ?? 0, relay.port, '127.0.0.1')
    p.stream.trySend(Buffer.alloc(0)) // the relay connects its stream on this first packet
  })
  await relayConnected
  const [a, b] = peers
  if (a === undefined || b === undefined) return
  const atB = next<Buffer>(b.stream, 'data')
  const atA = next<Buffer>(a.stream, 'data')
  a.stream.write(Buffer.from(`from the ${a.name}`))
  b.stream.write(Buffer.from(`from the ${b.name}`))
  t.is(String(await atB), `from the ${a.name}`, `${kinds.join('/')}: A → B through the relay`)
  t.is(String(await atA), `from the ${b.name}`, `${kinds.join('/')}: B → A through the relay`)
}

for (const relayKind of ['real', 'keymesh'] as const) {
  test(`blind-relay: peers pair through the ${relayKind} relay, bytes flow end to end`, async (t) => {
    const relay = createRelay(t, relayKind)
    const combos: [Kind, Kind][] =
      relayKind === 'real'
        ? [
            ['keymesh', 'keymesh'],
            ['keymesh', 'real'],
            ['real', 'keymesh']
          ]
        : [
            ['real', 'real'],
            ['keymesh', 'real'],
            ['real', 'keymesh']
          ]
    for (const kinds of combos) await relayRoundTrip(t, relay, kinds)
    t.is(relay.stats.pairings.matched, combos.length)
    t.is(relay.stats.streams.opened, 2 * combos.length)
    await withTimeout(relay.close(), OP_MS, 'relay close')
  })
}
