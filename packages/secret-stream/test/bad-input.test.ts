// Bad input: garbage, truncated, oversized, replayed frames and datagrams end in typed errors, never a crash.

import test from 'brittle'
import { keyPair } from '@keymesh/crypto'
import { NoiseSecretStream, createHandshake } from '../src/index.js'
import type { Bridge, NoiseSecretStreamOptions, SecretStreamHandshake } from '../src/index.js'
import { closeError, codeOf, datagramRawPair, holdOpen, track } from './helpers/streams.js'
import { fromHex, loadVector } from './helpers/vectors.js'
import type { NoiseIkFile, SecretStreamFile } from './helpers/vectors.js'

const v = loadVector<SecretStreamFile>('secret-stream.json')
const ik = loadVector<NoiseIkFile>('noise-ik-handshake.json')

// The responder (B) of the vector session: fed A's recorded frames it must accept them.
const B_HANDSHAKE: SecretStreamHandshake = {
  tx: fromHex(v.keys.B_tx_hex),
  rx: fromHex(v.keys.B_rx_hex),
  hash: fromHex(v.keys.handshake_hash_hex),
  publicKey: keyPair(fromHex(ik.responder.static_seed_hex)).publicKey,
  remotePublicKey: keyPair(fromHex(ik.initiator.static_seed_hex)).publicKey
}
const A_FRAMES = v.wire_A_to_B.map(fromHex)
const HEADER = A_FRAMES[0] as Buffer
const HELLO = A_FRAMES[1] as Buffer
const WORLD = A_FRAMES[2] as Buffer

/** A stream of ours whose peer is the test: bytes written to the returned feed reach it. */
function victim(opts: NoiseSecretStreamOptions = {}): { s: NoiseSecretStream; feed: Bridge } {
  const s = track(new NoiseSecretStream(false, null, { handshake: B_HANDSHAKE, ...opts }))
  const feed = s.rawStream as Bridge
  feed.on('data', () => {}) // drain what the stream sends
  return { s, feed }
}

async function fed(chunks: Buffer[], opts: NoiseSecretStreamOptions = {}, end = false) {
  const { s, feed } = victim(opts)
  const got: Buffer[] = []
  s.on('data', (d: Buffer) => got.push(d))
  for (const c of chunks) feed.write(c)
  if (end) feed.end()
  const err = await closeError(s)
  return { err, got }
}

test('recorded frames are accepted (baseline)', async (t) => {
  const { s, feed } = victim()
  const got: string[] = []
  s.on('data', (d: Buffer) => got.push(d.toString()))
  for (const f of A_FRAMES) feed.write(f)
  feed.end()
  s.end()
  t.is(await closeError(s), null)
  t.alike(got, ['hello', 'world!', ''])
})

test('header of the wrong length: INVALID_HEADER as soon as its length is read', async (t) => {
  const { err } = await fed([Buffer.from([55, 0, 0])])
  t.is(codeOf(err), 'INVALID_HEADER')
  t.is(err?.message, 'INVALID_HEADER: Invalid header message received')
})

test('header with the wrong stream id: INVALID_HEADER', async (t) => {
  const bad = Buffer.from(HEADER)
  bad[10] = (bad[10] as number) ^ 0x80
  const { err } = await fed([bad])
  t.is(err?.message, 'INVALID_HEADER: Invalid header received')
})

test('our own role id echoed back is refused (reflection)', async (t) => {
  const own = Buffer.from(HEADER)
  NoiseSecretStream.id(B_HANDSHAKE.hash, false).copy(own, 3)
  const { err } = await fed([own])
  t.is(codeOf(err), 'INVALID_HEADER')
})

test('data frame shorter than 17 bytes: INVALID_MESSAGE before its body arrives', async (t) => {
  const { err } = await fed([HEADER, Buffer.from([16, 0, 0])])
  t.is(codeOf(err), 'INVALID_MESSAGE')
  t.is(err?.message, 'INVALID_MESSAGE: Invalid message received')
})

test('garbage, replayed and reordered data frames: DECRYPTION_FAILED, nothing delivered', async (t) => {
  const garbage = Buffer.concat([Buffer.from([30, 0, 0]), Buffer.alloc(30, 0xab)])
  for (const [name, chunks] of [
    ['garbage', [HEADER, garbage]],
    ['reordered', [HEADER, WORLD, HELLO]],
    ['replayed', [HEADER, HELLO, HELLO]]
  ] as const) {
    const { err, got } = await fed([...chunks])
    t.is(codeOf(err), 'DECRYPTION_FAILED', name)
    // a genuine "hello" may or may not be emitted before the destroy drops the read buffer
    t.ok(
      got.every((d) => d.toString() === 'hello'),
      `${name}: nothing but genuine data delivered`
    )
  }
})

test('oversized frames are refused after the 3-byte prefix, before buffering', async (t) => {
  const prefix = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff, n >> 16])
  {
    const { err } = await fed([HEADER, prefix(1024 + 17 + 1)], { maxMessageSize: 1024 })
    t.is(codeOf(err), 'FRAME_TOO_LARGE', 'data frame above maxMessageSize')
  }
  {
    const { err } = await fed([HEADER, prefix(1024 + 17)], { maxMessageSize: 1024 }, true)
    t.is(codeOf(err), 'TRUNCATED_FRAME', 'exactly the limit is accepted (then truncated)')
  }
  {
    // a standalone XX responder: handshake frames are capped at 65 535 bytes
    const s = track(new NoiseSecretStream(false))
    ;(s.rawStream as Bridge).write(prefix(65536))
    t.is(codeOf(await closeError(s)), 'FRAME_TOO_LARGE', 'handshake frame above 65 535')
  }
})

test('the stream ending inside a frame or a length prefix: TRUNCATED_FRAME', async (t) => {
  t.is(codeOf((await fed([HEADER, HELLO.subarray(0, 10)], {}, true)).err), 'TRUNCATED_FRAME')
  t.is(codeOf((await fed([HEADER, HELLO.subarray(0, 2)], {}, true)).err), 'TRUNCATED_FRAME')
  t.is(codeOf((await fed([HEADER.subarray(0, 30)], {}, true)).err), 'TRUNCATED_FRAME')
})

test('garbage handshake messages: HANDSHAKE_FAILED', async (t) => {
  for (const [name, body] of [
    ['empty', Buffer.alloc(0)],
    ['short', Buffer.alloc(5, 1)],
    ['identity point', Buffer.alloc(32)]
  ] as const) {
    const s = track(new NoiseSecretStream(false))
    const feed = s.rawStream as Bridge
    feed.on('data', () => {})
    feed.write(Buffer.concat([Buffer.from([body.byteLength, 0, 0]), body]))
    t.is(codeOf(await closeError(s)), 'HANDSHAKE_FAILED', name)
  }
  // an initiator receiving garbage as message 2
  const s = track(new NoiseSecretStream(true))
  const feed = s.rawStream as Bridge
  feed.on('data', () => {})
  feed.write(Buffer.concat([Buffer.from([96, 0, 0]), Buffer.alloc(96, 7)]))
  t.is(codeOf(await closeError(s)), 'HANDSHAKE_FAILED', 'garbage message 2')
})

test('random garbage in every phase never crashes and always ends in a typed error', async (t) => {
  holdOpen(t)
  let seed = 0x12345678
  const random = (): number => {
    // xorshift32: deterministic across runs
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 0x100000000
  }
  const bytes = (n: number): Buffer =>
    Buffer.from(Array.from({ length: n }, () => (random() * 256) | 0))
  // structured junk: a few frames with plausible lengths and random bodies, maybe cut short
  const junkFrames = (): Buffer => {
    const parts: Buffer[] = []
    const count = 1 + Math.floor(random() * 3)
    for (let f = 0; f < count; f++) {
      const len = random() < 0.3 ? 56 : Math.floor(random() * 120)
      parts.push(Buffer.from([len, 0, 0]), bytes(len))
    }
    const all = Buffer.concat(parts)
    return random() < 0.3 ? all.subarray(0, Math.floor(random() * all.byteLength)) : all
  }
  const codes = new Map<string, number>()
  for (let i = 0; i < 300; i++) {
    const phase = i % 3
    const junk = i % 6 < 3 ? junkFrames() : bytes(1 + Math.floor(random() * 200))
    let err: Error | null
    if (phase === 0) {
      const s = track(new NoiseSecretStream(i % 2 === 0, null, { timeout: 200 }))
      const feed = s.rawStream as Bridge
      feed.on('data', () => {})
      feed.write(junk)
      feed.end()
      err = await closeError(s)
    } else {
      err = (await fed(phase === 1 ? [junk] : [HEADER, junk], {}, true)).err
    }
    const code = codeOf(err)
    codes.set(code, (codes.get(code) ?? 0) + 1)
  }
  const untyped = [...codes.keys()].filter((c) => c.startsWith('not a') || c === 'no error')
  t.alike(untyped, [], 'every garbage input ended in a SecretStreamError')
  t.comment(JSON.stringify(Object.fromEntries(codes)))
})

test('bad datagrams are ignored; good ones still arrive', async (t) => {
  const client = keyPair()
  const server = keyPair()
  const c = createHandshake(client, server.publicKey)
  const s = createHandshake(server)
  s.recv(c.send())
  c.recv(s.send())
  const [rawA, rawB] = datagramRawPair()
  const a = track(new NoiseSecretStream(true, rawA, { handshake: c.final() }))
  const b = track(new NoiseSecretStream(false, rawB, { handshake: s.final() }))
  await Promise.all([a.opened, b.opened])
  const got: string[] = []
  const done = new Promise<void>((resolve) => {
    b.on('message', (m: Buffer) => {
      got.push(m.toString())
      resolve()
    })
  })
  const emitOnB = (d: Buffer) => (rawB as unknown as NodeJS.EventEmitter).emit('message', d)
  emitOnB(Buffer.alloc(0))
  emitOnB(Buffer.alloc(23, 1))
  emitOnB(Buffer.alloc(24, 1))
  emitOnB(Buffer.alloc(200, 9))
  a.trySend(Buffer.from('real one'))
  await done
  t.alike(got, ['real one'])
  t.is(b.destroyed, false, 'bad datagrams do not destroy the stream')
  a.destroy()
  await Promise.all([closeError(a), closeError(b)])
})

test('datagrams before the handshake are dropped', async (t) => {
  const [rawA] = datagramRawPair()
  const a = track(new NoiseSecretStream(true, rawA))
  let messages = 0
  a.on('message', () => messages++)
  ;(rawA as unknown as NodeJS.EventEmitter).emit('message', Buffer.alloc(64, 1))
  t.is(messages, 0)
  a.destroy()
  await closeError(a)
})

test('the send counter wrapping back to its start destroys with SEND_NONCE_EXHAUSTED', async (t) => {
  const hs = createHandshake(keyPair(), keyPair().publicKey)
  const [rawA] = datagramRawPair()
  const a = track(
    new NoiseSecretStream(true, rawA, {
      handshake: {
        tx: Buffer.alloc(32, 1),
        rx: Buffer.alloc(32, 2),
        hash: Buffer.alloc(64, 3),
        publicKey: hs.publicKey,
        remotePublicKey: keyPair().publicKey
      },
      _pinnedSendCounter: Buffer.alloc(8, 0)
    })
  )
  await a.opened
  // move the counter to just before its initial value (all zero) wraps around
  const session = (a as unknown as { session: { unordered: { counter: Buffer } } }).session
  session.unordered.counter.fill(0xff)
  a.trySend(Buffer.from('last'))
  t.is(codeOf(await closeError(a)), 'SEND_NONCE_EXHAUSTED')
  t.is((rawA as unknown as { sent: Buffer[] }).sent.length, 0, 'nothing sent')
})
