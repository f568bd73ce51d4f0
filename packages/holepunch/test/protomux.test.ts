// Tests for Protomux: the vectors' frames byte for byte, open/close/reject, batches, several
// channels on one stream, and malformed frames ending only that mux with a typed error.

import test from 'brittle'
import { pair, raw, uint, unpair, type Pair } from '@keymesh/wire'
import { HolepunchError, Protomux } from '../src/index.js'
import type { ProtomuxChannel, ProtomuxChannelOptions } from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'
import { FramedEnd, framedPair, frames, sentHex } from './helpers/framed-pair.js'
import { fromHex, loadVector } from './helpers/vectors.js'

/** The parts of blind-relay-protomux.json these tests use. */
interface BlindRelayVectors {
  channel: { protocol: string; id_A_hex: string; id_B_hex: string }
  frames_peerA_connection: { from: 'peer' | 'relay'; hex: string }[]
  message_encodings: { pair_initiator: string; pair_non_initiator: string; unpair: string }
}

const V = loadVector<BlindRelayVectors>('blind-relay-protomux.json')
const TOKEN = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x30 + i))

/** Two muxes over an in-memory framed pair, destroyed on teardown. */
function connected(t: TestInstance): { a: Protomux; b: Protomux; ea: FramedEnd; eb: FramedEnd } {
  const [ea, eb] = framedPair()
  t.teardown(() => {
    ea.destroy()
    eb.destroy()
  })
  return { a: new Protomux(ea), b: new Protomux(eb), ea, eb }
}

/** A channel that must be created; resolves `opened` with the remote handshake. */
function channel(
  mux: Protomux,
  opts: ProtomuxChannelOptions
): { ch: ProtomuxChannel; opened: Promise<unknown>; closed: Promise<boolean> } {
  let onopen: (h: unknown) => void = () => {}
  let onclose: (r: boolean) => void = () => {}
  const opened = new Promise<unknown>((resolve) => (onopen = resolve))
  const closed = new Promise<boolean>((resolve) => (onclose = resolve))
  const ch = mux.createChannel({ ...opts, onopen, onclose })
  if (ch === null) throw new Error('createChannel returned null')
  return { ch, opened, closed }
}

function closedWith(end: FramedEnd): Promise<Error | null> {
  return new Promise((resolve) => end.once('close', () => resolve(end.destroyError)))
}

test('vectors: the blind-relay open frame, and pair/unpair in channel frames', async (t) => {
  const [end] = framedPair()
  t.teardown(() => end.destroy())
  const mux = new Protomux(end)
  const received: Pair[] = []
  const { ch, opened } = channel(mux, {
    protocol: V.channel.protocol,
    id: fromHex(V.channel.id_A_hex)
  })
  const pairMsg = ch.addMessage({ encoding: pair, onmessage: (m) => received.push(m) })
  const unpairMsg = ch.addMessage({ encoding: unpair })
  ch.open()

  const frames = V.frames_peerA_connection
  const peer = frames.filter((f) => f.from === 'peer').map((f) => f.hex)
  const relay = frames.filter((f) => f.from === 'relay').map((f) => f.hex)
  t.is(sentHex(end)[0], peer[0], 'open frame: local id 1, protocol, id')

  end.inject(fromHex(relay[0] ?? ''))
  await opened
  t.ok(ch.opened)

  pairMsg.send({ isInitiator: true, token: TOKEN, id: 0x1111, seq: 0 })
  t.is(sentHex(end)[1], peer[1], 'pair frame')
  t.is(sentHex(end)[1]?.slice(4), V.message_encodings.pair_initiator, 'after "01 00": the body')

  end.inject(fromHex(relay[1] ?? ''))
  t.alike(received, [{ isInitiator: true, token: TOKEN, id: 0x101, seq: 0 }], 'relay answer')

  unpairMsg.send({ token: TOKEN })
  t.is(sentHex(end)[2], peer[2], 'unpair frame')
  t.is(sentHex(end).length, 3)
})

test('channels pair by (protocol, id), exchange handshakes and messages both ways', async (t) => {
  const { a, b } = connected(t)
  const id = Buffer.alloc(32, 7)
  const fromB: Buffer[] = []
  const fromA: Buffer[] = []
  const ca = channel(a, { protocol: 'echo', id, handshake: uint })
  const cb = channel(b, { protocol: 'echo', id, handshake: uint })
  const ma = ca.ch.addMessage({ encoding: raw, onmessage: (m) => fromB.push(m) })
  const mb = cb.ch.addMessage({ encoding: raw, onmessage: (m) => fromA.push(m) })
  ca.ch.open(7)
  cb.ch.open(9)
  t.is(await ca.opened, 9, 'a gets b handshake')
  t.is(await cb.opened, 7, 'b gets a handshake')
  t.is(ca.ch.handshake, 9)
  ma.send(Buffer.from('hello'))
  mb.send(Buffer.from('world'))
  await new Promise((resolve) => setImmediate(resolve))
  t.alike(fromA, [Buffer.from('hello')])
  t.alike(fromB, [Buffer.from('world')])
})

test('local ids start at 1 and each message carries the sender id', async (t) => {
  const { a, b, ea, eb } = connected(t)
  const got: string[] = []
  const ax = channel(a, { protocol: 'x' })
  const ay = channel(a, { protocol: 'y' })
  const by = channel(b, { protocol: 'y' })
  const bx = channel(b, { protocol: 'x' })
  const sendAx = ax.ch.addMessage({ encoding: raw, onmessage: (m) => got.push('a:' + m) })
  const sendBx = bx.ch.addMessage({ encoding: raw, onmessage: (m) => got.push('b:' + m) })
  ax.ch.open()
  ay.ch.open()
  by.ch.open()
  bx.ch.open()
  await Promise.all([ax.opened, ay.opened, by.opened, bx.opened])
  t.is(sentHex(ea)[0], '000101017800', 'a: x is channel 1')
  t.is(sentHex(eb)[0], '000101017900', 'b: y is channel 1')
  t.is(sentHex(eb)[1], '000102017800', 'b: x is channel 2')
  sendAx.send(Buffer.from('hi'))
  sendBx.send(Buffer.from('yo'))
  t.is(sentHex(ea).at(-1), '0100' + Buffer.from('hi').toString('hex'), 'a sends with its id 1')
  t.is(sentHex(eb).at(-1), '0200' + Buffer.from('yo').toString('hex'), 'b sends with its id 2')
  await new Promise((resolve) => setImmediate(resolve))
  t.alike(got.sort(), ['a:yo', 'b:hi'])
})

test('close: the closer sees isRemote false, the remote true; the id is reused', async (t) => {
  const { a, b, ea } = connected(t)
  const ca = channel(a, { protocol: 'p' })
  const cb = channel(b, { protocol: 'p' })
  let destroyed = 0
  ca.ch.open()
  cb.ch.open()
  await Promise.all([ca.opened, cb.opened])
  const sent = ea.sent.length
  ca.ch.close()
  t.is(sentHex(ea)[sent], '000301', 'close frame with our id')
  t.is(await ca.closed, false)
  t.is(await cb.closed, true)
  t.ok(ca.ch.closed && cb.ch.closed)
  t.ok(ca.ch.destroyed)
  t.is(ca.ch.addMessage({ encoding: raw }).send(Buffer.alloc(1)), false, 'no sends once closed')

  const again = a.createChannel({ protocol: 'p', ondestroy: () => destroyed++ })
  t.ok(again !== null, 'not unique any more')
  again?.open()
  t.is(sentHex(ea).at(-1), '000101017000', 'id 1 again')
  again?.close()
  t.is(destroyed, 1, 'ondestroy after onclose')
})

test('reject: an open for a protocol the remote has no channel for', async (t) => {
  const { a, eb, ea } = connected(t)
  const ca = channel(a, { protocol: 'nobody' })
  ca.ch.open()
  t.is(await ca.closed, true, 'closed as remote')
  t.is(ca.ch.opened, false)
  t.is(sentHex(eb)[0], '000201', 'reject with our id for it')
  const next = channel(a, { protocol: 'nobody-either' })
  next.ch.open()
  t.is(sentHex(ea).at(-1)?.slice(0, 6), '000101', 'a rejected id is free again')
})

test('an open waits for a channel made by the pair() notify; its messages are held', async (t) => {
  const { a, b, eb } = connected(t)
  const got: string[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  let opened: (h: unknown) => void = () => {}
  const bOpened = new Promise<unknown>((resolve) => (opened = resolve))
  let notified: Buffer | null | undefined
  b.pair({ protocol: 'late' }, async (id) => {
    notified = id
    await gate
    const ch = b.createChannel({ protocol: 'late', handshake: uint, onopen: opened })
    ch?.addMessage({ encoding: raw, onmessage: (m) => got.push(m.toString()) })
    ch?.open(2)
  })
  const ca = channel(a, { protocol: 'late', handshake: uint })
  const send = ca.ch.addMessage({ encoding: raw })
  const arrived = frames(eb, 3)
  ca.ch.open(1)
  send.send(Buffer.from('one'))
  send.send(Buffer.from('two'))
  await arrived
  t.is(notified, null, 'notify gets the channel id')
  t.alike(got, [], 'held while no channel took the open')
  release()
  t.is(await bOpened, 1)
  t.is(await ca.opened, 2)
  t.alike(got, ['one', 'two'], 'held messages delivered in order after onopen')
  b.unpair({ protocol: 'late' })
})

test('a channel taken from the remote open but closed before open() rejects it', async (t) => {
  const { a, b } = connected(t)
  b.pair({ protocol: 'q' }, () => {
    const ch = b.createChannel({ protocol: 'q' })
    ch?.close()
  })
  const ca = channel(a, { protocol: 'q' })
  ca.ch.open()
  t.is(await ca.closed, true, 'the remote refused')
})

test('unique channels: a second one for an opened (protocol, id) is refused', (t) => {
  const { a } = connected(t)
  const first = a.createChannel({ protocol: 'u', id: Buffer.alloc(2) })
  t.ok(first)
  t.ok(a.createChannel({ protocol: 'u', id: Buffer.alloc(2) }), 'fine until opened')
  first?.open()
  t.is(a.createChannel({ protocol: 'u', id: Buffer.alloc(2) }), null)
  t.ok(a.createChannel({ protocol: 'u', id: Buffer.alloc(3) }), 'another id is fine')
  t.ok(a.createChannel({ protocol: 'u', id: Buffer.alloc(2), unique: false }), 'unique: false')
})

test('cork/uncork: one batch frame, decoded item by item by the remote', async (t) => {
  const { a, b, ea } = connected(t)
  const got: string[] = []
  for (const protocol of ['p', 'q']) {
    const ch = b.createChannel({ protocol })
    ch?.addMessage({
      encoding: raw,
      onmessage: (m) => got.push(`${protocol}:${m.toString('hex')}`)
    })
    ch?.open()
  }
  const p = channel(a, { protocol: 'p' })
  const q = channel(a, { protocol: 'q' })
  const sendP = p.ch.addMessage({ encoding: raw })
  const sendQ = q.ch.addMessage({ encoding: raw })
  a.cork()
  t.ok(a.corked)
  p.ch.open()
  t.ok(sendP.send(Buffer.from([0xaa])))
  q.ch.cork() // nested
  q.ch.open()
  sendQ.send(Buffer.from([0xbb]))
  q.ch.uncork()
  t.is(ea.sent.length, 0, 'nothing sent while corked')
  a.uncork()
  t.is(a.corked, false)
  t.alike(sentHex(ea), [
    '0000' + '00' + '050101017000' + '0001' + '0200aa' + '0000' + '050102017100' + '0002' + '0200bb'
  ])
  await Promise.all([p.opened, q.opened])
  await new Promise((resolve) => setImmediate(resolve))
  t.alike(got, ['p:aa', 'q:bb'])
})

test('a batch of several items is answered with a batch', async (t) => {
  const { a, eb } = connected(t)
  const x = channel(a, { protocol: 'x' })
  const y = channel(a, { protocol: 'y' })
  a.cork()
  x.ch.open()
  y.ch.open()
  a.uncork()
  await Promise.all([x.closed, y.closed])
  t.alike(sentHex(eb), ['0000' + '00' + '020201' + '020202'], 'both rejects in one batch')
})

test('two channels on one stream: same protocol with two ids, and another protocol', async (t) => {
  const { a, b } = connected(t)
  const got: string[] = []
  const senders = []
  for (const [protocol, id] of [
    ['p', Buffer.from([1])],
    ['p', Buffer.from([2])],
    ['r', null]
  ] as const) {
    const ca = channel(a, { protocol, id })
    const cb = channel(b, { protocol, id })
    senders.push(ca.ch.addMessage({ encoding: raw }))
    cb.ch.addMessage({
      encoding: raw,
      onmessage: (m) => got.push(`${protocol}${id === null ? '' : id[0]}:${m.toString()}`)
    })
    cb.ch.open()
    ca.ch.open()
    await Promise.all([ca.opened, cb.opened])
  }
  senders.forEach((s, i) => s.send(Buffer.from(String(i))))
  await new Promise((resolve) => setImmediate(resolve))
  t.alike(got, ['p1:0', 'p2:1', 'r:2'])
})

test('the stream closing closes every channel as remote; no channels after', async (t) => {
  const { a, ea } = connected(t)
  const x = channel(a, { protocol: 'x' })
  const y = channel(a, { protocol: 'y' })
  x.ch.open()
  ea.destroy()
  t.is(await x.closed, true)
  t.is(await y.closed, true, 'also a channel never opened')
  t.is(a.createChannel({ protocol: 'z' }), null)
  t.ok(a.destroyed)
})

test('Protomux.from: one mux per stream, kept in userData', (t) => {
  const [end] = framedPair()
  t.teardown(() => end.destroy())
  const mux = Protomux.from(end)
  t.is(end.userData, mux)
  t.is(Protomux.from(end), mux)
  const [other] = framedPair()
  t.teardown(() => other.destroy())
  other.userData = { taken: true }
  const second = Protomux.from(other)
  t.is(Protomux.from(other), second, 'found without userData too')
  t.is(mux.stream, end)
})

test('malformed frames destroy the stream with INVALID_FRAME, never throwing', async (t) => {
  const cases: [string, string[]][] = [
    ['unknown control type', ['0007']],
    ['truncated open', ['0001']],
    ['reject for a channel we did not open', ['000205']],
    ['empty batch', ['0000']],
    ['batch item overrunning the frame', ['00000105']],
    ['batch inside a batch', ['0000000500010200aa']],
    ['open for a channel id in use', ['000101017000', '000101017000']],
    ['open skipping ids', ['000105017000']],
    ['bad protocol string', ['00010105ff']],
    ['message that does not decode', ['000101017000', '0100fd']],
    ['message with trailing bytes', ['000101017000', '01000100']]
  ]
  for (const [name, hex] of cases) {
    const [end] = framedPair()
    const mux = new Protomux(end)
    const ch = mux.createChannel({ protocol: 'p' })
    ch?.addMessage({ encoding: uint })
    ch?.open()
    const closed = closedWith(end)
    t.execution(() => hex.forEach((h) => end.inject(Buffer.from(h, 'hex'))), `${name}: no throw`)
    const err = await closed
    t.ok(err instanceof HolepunchError, `${name}: a HolepunchError`)
    t.is((err as HolepunchError | null)?.code, 'INVALID_FRAME', `${name}: INVALID_FRAME`)
    t.is(mux.error, err, `${name}: kept as mux.error`)
    t.ok(ch?.closed, `${name}: the channel closed`)
  }
})

test('empty frames and messages for closed or unknown channels are ignored', async (t) => {
  const [end] = framedPair()
  t.teardown(() => end.destroy())
  const mux = new Protomux(end)
  const got: number[] = []
  const ch = mux.createChannel({ protocol: 'p' })
  ch?.addMessage({ encoding: uint, onmessage: (m) => got.push(m) })
  ch?.open()
  end.inject(Buffer.from('000101017000', 'hex'))
  for (const h of ['', '0900', '0101', '010005', '000309', '000300'])
    end.inject(Buffer.from(h, 'hex'))
  t.alike(got, [5], 'an unknown type and unknown channels are skipped')
  t.is(end.destroyed, false)
  end.inject(Buffer.from('000301', 'hex'))
  t.ok(ch?.closed, 'the remote closed it')
  end.inject(Buffer.from('010006', 'hex'))
  t.alike(got, [5], 'a message in flight after close is dropped')
  t.is(end.destroyed, false)
})

test('a remote that floods a channel nobody took is cut off', async (t) => {
  const [end] = framedPair()
  const mux = new Protomux(end)
  mux.pair({ protocol: 'slow' }, () => new Promise(() => {})) // never takes it
  const closed = closedWith(end)
  end.inject(Buffer.from('00010104736c6f7700', 'hex'))
  const big = Buffer.concat([Buffer.from('0100', 'hex'), Buffer.alloc(64 * 1024)])
  for (let i = 0; i < 32 && !end.destroyed; i++) end.inject(big)
  const err = await closed
  t.is((err as HolepunchError | null)?.code, 'INVALID_FRAME')
})

test("an owner's throwing onmessage destroys that stream with its error", async (t) => {
  const [end] = framedPair()
  const mux = new Protomux(end)
  const boom = new Error('owner bug')
  const ch = mux.createChannel({ protocol: 'p' })
  ch?.addMessage({
    encoding: raw,
    onmessage: () => {
      throw boom
    }
  })
  ch?.open()
  const closed = closedWith(end)
  end.inject(Buffer.from('000101017000', 'hex'))
  t.execution(() => end.inject(Buffer.from('0100ff', 'hex')))
  t.is(await closed, boom)
})
