// Tests for NoiseSecretStream in memory: lifecycle, events, options, keep-alive, timeouts, limits.

import test from 'brittle'
import { keyPair } from '@keymesh/crypto'
import b4a from 'b4a'
import {
  Bridge,
  DEFAULTS,
  MAX_ATOMIC_WRITE_BYTES,
  MAX_MESSAGE_BYTES,
  NoiseSecretStream,
  SecretStreamError,
  createHandshake
} from '../src/index.js'
import NoiseSecretStreamDefault from '../src/index.js'
import {
  closeError,
  closed,
  codeOf,
  holdOpen,
  link,
  memoryPair,
  nextData,
  readAll,
  track
} from './helpers/streams.js'

test('default export is NoiseSecretStream', (t) => {
  t.is(NoiseSecretStreamDefault, NoiseSecretStream)
  t.is(DEFAULTS.pattern, 'XX')
  t.is(DEFAULTS.maxMessageSize, MAX_MESSAGE_BYTES)
  t.is(MAX_ATOMIC_WRITE_BYTES, 2 ** 24 - 1)
  t.ok(Object.isFrozen(DEFAULTS))
})

test('XX pair: events in order, keys agree, data both ways', async (t) => {
  const [a, b] = memoryPair()
  const events: string[] = []
  for (const [name, s] of [
    ['a', a],
    ['b', b]
  ] as const) {
    s.on('handshake', () => events.push(`${name}:handshake`))
    s.on('connect', () => events.push(`${name}:connect`))
    s.on('open', () => events.push(`${name}:open`))
  }
  t.is(a.isInitiator, true)
  t.is(b.isInitiator, false)
  t.is(a.connected, false)
  t.ok(a.rawStream instanceof Bridge)
  t.is(a.noiseStream, a)
  t.is(await a.opened, true)
  t.is(await b.opened, true)
  t.ok(a.connected && b.connected)
  t.alike(a.handshakeHash, b.handshakeHash)
  t.is(a.handshakeHash?.byteLength, 64)
  t.alike(a.remotePublicKey, b.publicKey)
  t.alike(b.remotePublicKey, a.publicKey)
  const bridge = a.rawStream as Bridge
  t.alike(bridge.publicKey, a.publicKey, 'bridge reports the keys')
  t.alike(bridge.remotePublicKey, a.remotePublicKey)
  t.alike(bridge.handshakeHash, a.handshakeHash)
  for (const name of ['a', 'b']) {
    const own = events.filter((e) => e.startsWith(name))
    t.alike(own, [`${name}:handshake`, `${name}:connect`, `${name}:open`], `${name} event order`)
  }

  a.write(Buffer.from('hello'))
  t.alike(await nextData(b), Buffer.from('hello'))
  b.write('strings are written as utf-8')
  t.alike(await nextData(a), Buffer.from('strings are written as utf-8'))
  a.destroy()
  await Promise.all([closed(a), closed(b)])
  t.is(await a.opened, true, 'opened stays resolved')
})

test('IK pattern with a known server key, fixed key pairs authenticated', async (t) => {
  const server = keyPair(Buffer.alloc(32, 7))
  const client = keyPair(Buffer.alloc(32, 8))
  const [a, b] = memoryPair(
    { pattern: 'IK', remotePublicKey: server.publicKey, keyPair: client },
    { pattern: 'IK', keyPair: server }
  )
  await Promise.all([a.opened, b.opened])
  t.alike(a.publicKey, client.publicKey)
  t.alike(a.remotePublicKey, server.publicKey)
  t.alike(b.remotePublicKey, client.publicKey)
  t.alike(a.handshakeHash, b.handshakeHash)
  a.destroy()
  await closed(b)
})

test('wrong remotePublicKey is refused in XX (either side) and IK', async (t) => {
  const wrong = keyPair().publicKey
  {
    const [a, b] = memoryPair({ remotePublicKey: wrong })
    t.is(codeOf(await closeError(a)), 'REMOTE_KEY_MISMATCH', 'XX initiator refuses')
    await closed(b)
    t.is(await a.opened, false)
    t.is(a.connected, false)
  }
  {
    const [a, b] = memoryPair({}, { remotePublicKey: wrong })
    t.is(codeOf(await closeError(b)), 'REMOTE_KEY_MISMATCH', 'XX responder refuses')
    await closed(a)
  }
  {
    const [a, b] = memoryPair({ pattern: 'IK', remotePublicKey: wrong }, { pattern: 'IK' })
    t.is(codeOf(await closeError(b)), 'HANDSHAKE_FAILED', 'IK responder cannot decrypt')
    await closed(a)
    t.is(await b.opened, false)
  }
  {
    const server = keyPair()
    const [a, b] = memoryPair(
      { pattern: 'IK', remotePublicKey: server.publicKey },
      { pattern: 'IK', keyPair: server, remotePublicKey: wrong }
    )
    t.is(codeOf(await closeError(b)), 'REMOTE_KEY_MISMATCH', 'IK responder expecting a client')
    await closed(a)
  }
})

test('handshake option (hyperdht mode): opens at once with the given keys', async (t) => {
  const client = keyPair()
  const server = keyPair()
  const c = createHandshake(client, server.publicKey)
  const s = createHandshake(server)
  s.recv(c.send())
  c.recv(s.send())
  const [a, b] = memoryPair({ handshake: c.final() }, { handshake: s.final() })
  t.is(await a.opened, true)
  t.is(await b.opened, true)
  t.alike(a.handshakeHash, c.final().hash)
  t.alike(a.remotePublicKey, server.publicKey)
  t.alike(b.remotePublicKey, client.publicKey)
  a.end(Buffer.from('bye'))
  t.alike(await readAll(b), Buffer.from('bye'))
  b.end()
  await Promise.all([closed(a), closed(b)])
})

test('end on both sides closes both cleanly; data written before end arrives', async (t) => {
  const [a, b] = memoryPair()
  const payload = b4a.alloc(300_000, 'x')
  a.end(payload)
  const got = await readAll(b)
  t.alike(got, payload)
  b.end()
  const [ea, eb] = await Promise.all([closeError(a), closeError(b)])
  t.is(ea, null)
  t.is(eb, null)
})

test('destroy propagates to the other side', async (t) => {
  const [a, b] = memoryPair()
  await b.opened
  a.destroy()
  await closed(b)
  t.ok(a.destroyed && b.destroyed)
  t.ok((a.rawStream as Bridge).destroyed, 'raw stream destroyed with the stream')
})

test('destroy with an error passes it to the raw stream; pending opened resolves false', async (t) => {
  const a = track(new NoiseSecretStream(true))
  const err = new Error('boom')
  a.destroy(err)
  t.is(await a.opened, false)
  t.is(await closeError(a), err)
  t.ok((a.rawStream as Bridge).destroyed)
})

test('autoStart: false then start(); start twice throws', async (t) => {
  const a = track(new NoiseSecretStream(true, null, { autoStart: false }))
  const b = track(new NoiseSecretStream(false, null, { autoStart: false }))
  t.is(a.rawStream, null)
  a.start()
  b.start()
  t.exception(() => a.start(), /INVALID_STATE/)
  link(a.rawStream as Bridge, b.rawStream as Bridge)
  t.is(await a.opened, true)
  a.destroy()
  await closed(b)
})

test('start() after destroy destroys the given raw stream', async (t) => {
  const a = new NoiseSecretStream(true, null, { autoStart: false })
  a.destroy()
  const raw = new Bridge({ publicKey: null, remotePublicKey: null, handshakeHash: null })
  a.start(raw)
  await closed(raw)
  t.ok(raw.destroyed)
})

test('a key pair promise is awaited; a rejected one destroys the stream', async (t) => {
  const kp = keyPair()
  const [a, b] = memoryPair({ keyPair: Promise.resolve(kp) })
  await Promise.all([a.opened, b.opened])
  t.alike(a.publicKey, kp.publicKey)
  t.alike(b.remotePublicKey, kp.publicKey)
  a.destroy()
  await closed(b)

  const failing = track(
    new NoiseSecretStream(true, null, { keyPair: Promise.reject(new Error('no key')) })
  )
  const err = await closeError(failing)
  t.is(err?.message, 'no key')
})

test('keep-alive: empty frames are sent when idle and dropped by a keep-alive receiver', async (t) => {
  holdOpen(t)
  const [a, b] = memoryPair({ keepAlive: 20 }, {})
  t.is(a.keepAlive, 20)
  const empty = await nextData(b)
  t.is(empty.byteLength, 0, 'receiver without keep-alive sees the empty message')
  t.ok(b.rawBytesRead >= 17)

  const [c, d] = memoryPair({ keepAlive: 10 }, { keepAlive: 10_000 })
  // an empty message is a 20-byte frame: 3-byte length + 17 secretstream bytes
  await new Promise<void>((resolve) => {
    ;(c.rawStream as Bridge).on('data', (frame: Buffer) => {
      if (frame.byteLength === 20) resolve()
    })
  })
  c.write(Buffer.from('after keep-alive'))
  t.alike(await nextData(d), Buffer.from('after keep-alive'), 'keep-alive receiver filtered it')
  for (const s of [a, b, c, d]) s.destroy()
  await Promise.all([a, b, c, d].map(closed))
  t.is(a.keepAlive, 0, 'keep-alive cleared on destroy')
})

test('setKeepAlive(0) and setTimeout(0) disable; bad values throw', (t) => {
  const a = new NoiseSecretStream(true)
  a.setKeepAlive(100)
  t.is(a.keepAlive, 100)
  a.setKeepAlive(0)
  t.is(a.keepAlive, 0)
  a.setTimeout(100)
  t.is(a.timeout, 100)
  a.setTimeout(0)
  t.is(a.timeout, 0)
  t.exception(() => a.setTimeout(-1), /INVALID_ARGUMENT/)
  t.exception(() => a.setKeepAlive(-5), /INVALID_ARGUMENT/)
  a.destroy()
})

test('a stalled handshake times out with HANDSHAKE_TIMEOUT', async (t) => {
  holdOpen(t)
  const lonely = track(new NoiseSecretStream(true, null, { timeout: 30 }))
  t.is(codeOf(await closeError(lonely)), 'HANDSHAKE_TIMEOUT')
  t.is(await lonely.opened, false)
})

test('an idle open stream times out with STREAM_TIMEOUT', async (t) => {
  holdOpen(t)
  const [a, b] = memoryPair()
  await a.opened
  a.setTimeout(30)
  t.is(codeOf(await closeError(a)), 'STREAM_TIMEOUT')
  await closed(b)
})

test('a peer that ends or closes during the handshake fails it', async (t) => {
  const a = track(new NoiseSecretStream(true))
  ;(a.rawStream as Bridge).end()
  t.is(codeOf(await closeError(a)), 'HANDSHAKE_FAILED')

  const b = track(new NoiseSecretStream(true))
  ;(b.rawStream as Bridge).destroy()
  t.is(codeOf(await closeError(b)), 'HANDSHAKE_FAILED')
})

test('writes above the frame limit fail that write with MESSAGE_TOO_LARGE', async (t) => {
  const [a, b] = memoryPair()
  await a.opened
  a.write(Buffer.alloc(MAX_MESSAGE_BYTES + 1))
  t.is(codeOf(await closeError(a)), 'MESSAGE_TOO_LARGE')
  await closed(b)
})

test('alloc() writes without a copy', async (t) => {
  const [a, b] = memoryPair()
  const buf = a.alloc(5)
  buf.write('inner')
  a.write(buf)
  t.alike(await nextData(b), Buffer.from('inner'))
  a.destroy()
  await closed(b)
})

test('filterZeroByteMessages drops empty messages without keep-alive', async (t) => {
  const [a, b] = memoryPair({}, { filterZeroByteMessages: true })
  a.write(Buffer.alloc(0))
  a.write(Buffer.from('x'))
  t.alike(await nextData(b), Buffer.from('x'))
  a.destroy()
  await closed(b)
})

test('send/trySend are no-ops without a datagram transport', async (t) => {
  const [a, b] = memoryPair()
  t.is(await a.send(Buffer.from('x')), false, 'before the handshake')
  await a.opened
  t.is(await a.send(Buffer.from('x')), false, 'bridge has no send')
  a.trySend(Buffer.from('x'))
  a.destroy()
  await closed(b)
})

test('flush resolves once written data is handed over', async (t) => {
  const [a, b] = memoryPair()
  a.write(Buffer.from('x'))
  t.is(await a.flush(), true)
  a.destroy()
  t.is(await a.flush(), false)
  await closed(b)
})

test('toJSON gives a debug view', async (t) => {
  const [a, b] = memoryPair()
  await a.opened
  const json = a.toJSON()
  t.is(json.isInitiator, true)
  t.is(json.connected, true)
  t.is(json.publicKey, a.publicKey?.toString('hex'))
  a.destroy()
  await closed(b)
})

test('data and ended options feed bytes read before start', async (t) => {
  const client = keyPair()
  const server = keyPair()
  const c = createHandshake(client, server.publicKey)
  const s = createHandshake(server)
  s.recv(c.send())
  c.recv(s.send())
  // capture what the client writes, then hand it to a fresh server stream as `data`
  const a = new NoiseSecretStream(true, null, { handshake: c.final() })
  const written: Buffer[] = []
  await new Promise<void>((resolve) => {
    ;(a.rawStream as Bridge).on('data', (d: Buffer) => {
      if (written.push(Buffer.from(d)) === 2) resolve() // header + one data frame
    })
    a.write(Buffer.from('early'))
  })
  const b = new NoiseSecretStream(false, null, {
    handshake: s.final(),
    data: Buffer.concat(written),
    ended: true
  })
  t.alike(await readAll(b), Buffer.from('early'))
  a.destroy()
  b.destroy()
  await Promise.all([closed(a), closed(b)])
})

test('constructor and start validate their arguments', (t) => {
  t.exception(() => new NoiseSecretStream('yes' as unknown as boolean), /INVALID_ARGUMENT/)
  t.exception(
    () => new NoiseSecretStream(true, null, { pattern: 'IK' }),
    /INVALID_ARGUMENT/,
    'IK initiator needs a remote key'
  )
  t.exception(
    () => new NoiseSecretStream(true, null, { pattern: 'NK' as 'XX' }),
    /INVALID_ARGUMENT/
  )
  t.exception(
    () => new NoiseSecretStream(true, null, { remotePublicKey: Buffer.alloc(5) }),
    /INVALID_ARGUMENT/
  )
  t.exception(() => new NoiseSecretStream(true, null, { maxMessageSize: -1 }), /INVALID_ARGUMENT/)
  t.exception(
    () =>
      new NoiseSecretStream(true, null, {
        handshake: { tx: Buffer.alloc(32) } as never
      }),
    /INVALID_ARGUMENT/
  )
  const bad = new NoiseSecretStream(true, null, {
    keyPair: { publicKey: Buffer.alloc(3), secretKey: Buffer.alloc(64) },
    autoStart: false
  })
  t.exception(
    () => bad.start(null, { keyPair: { publicKey: Buffer.alloc(3), secretKey: Buffer.alloc(64) } }),
    /INVALID_ARGUMENT/
  )
  bad.destroy()
  try {
    new NoiseSecretStream(1 as unknown as boolean)
  } catch (err) {
    t.ok(err instanceof SecretStreamError)
    t.is((err as SecretStreamError).name, 'SecretStreamError')
    t.is((err as Error).message, 'INVALID_ARGUMENT: isInitiator should be a boolean')
  }
})

test('static keyPair and id', (t) => {
  const kp = NoiseSecretStream.keyPair(Buffer.alloc(32, 1))
  t.alike(kp, keyPair(Buffer.alloc(32, 1)))
  t.is(NoiseSecretStream.keyPair().publicKey.byteLength, 32)
  const hash = Buffer.alloc(64, 3)
  t.not(
    NoiseSecretStream.id(hash, true).toString('hex'),
    NoiseSecretStream.id(hash, false).toString('hex')
  )
})

test('many sequential writes of every size keep order', async (t) => {
  const [a, b] = memoryPair()
  const sizes = [0, 1, 2, 16, 17, 18, 100, 1000, 65535, 65536, 70000, 3]
  const expected = Buffer.concat(sizes.map((n, i) => Buffer.alloc(n, i + 1)))
  for (const [i, n] of sizes.entries()) a.write(Buffer.alloc(n, i + 1))
  a.end()
  t.alike(await readAll(b), expected)
  b.end()
  await Promise.all([closed(a), closed(b)])
})

test('read backpressure pauses and resumes the raw stream', async (t) => {
  const [a, b] = memoryPair()
  const chunk = Buffer.alloc(64 * 1024, 9)
  for (let i = 0; i < 64; i++) a.write(chunk)
  a.end()
  b.end() // streamx's async iterator finishes on 'close', which needs both sides ended
  let total = 0
  for await (const d of b) total += (d as Buffer).byteLength
  t.is(total, 64 * chunk.byteLength)
  await Promise.all([closed(a), closed(b)])
})

test('signal: aborting destroys with signal.reason, before or after the handshake', async (t) => {
  const early = new AbortController()
  early.abort(new Error('gone before'))
  const a = track(new NoiseSecretStream(true, null, { signal: early.signal }))
  t.is((await closeError(a))?.message, 'gone before')
  t.is(await a.opened, false)

  const late = new AbortController()
  const [b, c] = memoryPair({ signal: late.signal })
  await b.opened
  late.abort()
  t.is((await closeError(b))?.name, 'AbortError')
  await closed(c)
})

test('a handshake option for another peer than remotePublicKey is refused', async (t) => {
  const server = keyPair()
  const c = createHandshake(keyPair(), server.publicKey)
  const s = createHandshake(server)
  s.recv(c.send())
  c.recv(s.send())
  const a = track(
    new NoiseSecretStream(true, null, {
      remotePublicKey: keyPair().publicKey,
      autoStart: false
    })
  )
  a.start(null, { handshake: c.final() })
  t.is(codeOf(await closeError(a)), 'REMOTE_KEY_MISMATCH')
  t.is(await a.opened, false)
})
