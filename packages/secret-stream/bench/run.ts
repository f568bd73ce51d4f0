// Benchmark: keymesh next to @hyperswarm/secret-stream and raw libsodium, one JSON line per figure.

import { once } from 'node:events'
import { createRequire } from 'node:module'
import net from 'node:net'
import { NS, keyPair } from '@keymesh/crypto'
import sodium from 'sodium-universal'
import { NoiseSecretStream, createHandshake } from '../src/index.js'
import type { RawStream } from '../src/index.js'

const requireHere = createRequire(import.meta.url)
const Real = requireHere('@hyperswarm/secret-stream') as new (
  isInitiator: boolean,
  raw?: unknown,
  opts?: object
) => BenchStream
// the real package's own handshake stack, for the bare-handshake comparison
const requireFromReal = createRequire(requireHere.resolve('@hyperswarm/secret-stream'))
const NoiseState = requireFromReal('noise-handshake') as new (
  pattern: string,
  initiator: boolean,
  keyPair: object,
  opts: object
) => {
  initialise(prologue: Uint8Array, remoteStatic?: Uint8Array): void
  send(payload?: Uint8Array): Uint8Array
  recv(message: Uint8Array): Uint8Array
  complete: boolean
}
const curve = requireFromReal('noise-curve-ed') as object

type Impl = 'keymesh' | 'real' | 'libsodium'

interface BenchStream {
  opened: Promise<boolean>
  rawStream: { pipe(dest: unknown): unknown; on(e: string, fn: () => void): unknown }
  write(data: Buffer): boolean
  end(): unknown
  destroy(): void
  on(event: string, fn: (...args: never[]) => void): unknown
  once(event: string, fn: (...args: never[]) => void): unknown
}

const MESSAGE_BYTES = 64 * 1024
const TOTAL_BYTES = 64 * 1024 * 1024
const ROUNDS = 6
const HANDSHAKE_MS = 500
const HANDSHAKE_ROUNDS = 4

const results: Record<string, Partial<Record<Impl, number>>> = {}

function emit(name: string, impl: Impl, fields: Record<string, number>): void {
  const value = fields.mb_per_s ?? fields.ops ?? 0
  ;(results[name] ??= {})[impl] = value
  const rss_mb = Math.round(process.memoryUsage().rss / 1e5) / 10
  console.log(JSON.stringify({ name, impl, ...fields, rss_mb }))
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

function mbPerS(bytes: number, ns: bigint): number {
  return round(bytes / 1e6 / (Number(ns) / 1e9))
}

const payload = Buffer.alloc(MESSAGE_BYTES, 0x5a)

// ---- raw libsodium ceiling ----------------------------------------------------------------

function libsodiumCeiling(): void {
  const key = Buffer.alloc(32, 1)
  const push = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES)
  const pull = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES)
  const header = Buffer.alloc(24)
  const cipher = Buffer.alloc(MESSAGE_BYTES + 17)
  const plain = Buffer.alloc(MESSAGE_BYTES)
  const tag = Buffer.alloc(1)
  const tagMessage = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
  sodium.crypto_secretstream_xchacha20poly1305_init_push(push, header, key)
  sodium.crypto_secretstream_xchacha20poly1305_init_pull(pull, header, key)
  const messages = TOTAL_BYTES / MESSAGE_BYTES
  let best = { push: 0, both: 0 }
  for (let r = 0; r < ROUNDS; r++) {
    let start = process.hrtime.bigint()
    for (let i = 0; i < messages; i++) {
      sodium.crypto_secretstream_xchacha20poly1305_push(push, cipher, payload, null, tagMessage)
    }
    best.push = Math.max(best.push, mbPerS(TOTAL_BYTES, process.hrtime.bigint() - start))
    // push then pull each message: what one process does for a one-way encrypted pipe
    sodium.crypto_secretstream_xchacha20poly1305_init_push(push, header, key)
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(pull, header, key)
    start = process.hrtime.bigint()
    for (let i = 0; i < messages; i++) {
      sodium.crypto_secretstream_xchacha20poly1305_push(push, cipher, payload, null, tagMessage)
      sodium.crypto_secretstream_xchacha20poly1305_pull(pull, plain, tag, cipher, null)
    }
    best.both = Math.max(best.both, mbPerS(TOTAL_BYTES, process.hrtime.bigint() - start))
  }
  emit('secretstream_push', 'libsodium', { mb_per_s: best.push, bytes: TOTAL_BYTES })
  emit('secretstream_push_pull', 'libsodium', { mb_per_s: best.both, bytes: TOTAL_BYTES })
  best = { push: 0, both: 0 }
}

// ---- one-way throughput -------------------------------------------------------------------

function make(impl: Impl, isInitiator: boolean, raw: RawStream | null, opts: object): BenchStream {
  const s =
    impl === 'keymesh'
      ? (new NoiseSecretStream(isInitiator, raw, opts) as unknown as BenchStream)
      : new Real(isInitiator, raw, opts)
  s.on('error', () => {})
  return s
}

/** Writes TOTAL_BYTES in MESSAGE_BYTES writes, honouring backpressure; resolves when received. */
async function pump(a: BenchStream, b: BenchStream): Promise<bigint> {
  let received = 0
  const done = new Promise<void>((resolve) => {
    b.on('data', (d: Buffer) => {
      received += d.byteLength
      if (received >= TOTAL_BYTES) resolve()
    })
  })
  const start = process.hrtime.bigint()
  for (let sent = 0; sent < TOTAL_BYTES; sent += MESSAGE_BYTES) {
    if (!a.write(payload)) await once(a as unknown as NodeJS.EventEmitter, 'drain')
  }
  await done
  return process.hrtime.bigint() - start
}

function handshakes(): { client: object; server: object } {
  const ck = keyPair()
  const sk = keyPair()
  const c = createHandshake(ck, sk.publicKey)
  const s = createHandshake(sk)
  s.recv(c.send())
  c.recv(s.send())
  return { client: c.final(), server: s.final() }
}

async function memoryRound(impl: Impl): Promise<number> {
  const hs = handshakes()
  const a = make(impl, true, null, { handshake: hs.client })
  const b = make(impl, false, null, { handshake: hs.server })
  a.rawStream.pipe(b.rawStream)
  ;(b.rawStream as { pipe(d: unknown): unknown }).pipe(a.rawStream)
  await Promise.all([a.opened, b.opened])
  const result = mbPerS(TOTAL_BYTES, await pump(a, b))
  a.destroy()
  b.destroy()
  return result
}

async function tcpRound(impl: Impl): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const accepted = once(server, 'connection') as Promise<[net.Socket]>
  const port = (server.address() as net.AddressInfo).port
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  await once(client, 'connect')
  const [socket] = await accepted
  const hs = handshakes()
  const a = make(impl, true, client as unknown as RawStream, { handshake: hs.client })
  const b = make(impl, false, socket as unknown as RawStream, { handshake: hs.server })
  await Promise.all([a.opened, b.opened])
  const result = mbPerS(TOTAL_BYTES, await pump(a, b))
  a.destroy()
  b.destroy()
  client.destroy()
  socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return result
}

/** Best of ROUNDS, alternating implementations so neither always runs on a warmer process. */
async function throughput(name: string, round: (impl: Impl) => Promise<number>): Promise<void> {
  const best: Record<'real' | 'keymesh', number> = { real: 0, keymesh: 0 }
  for (let r = 0; r < ROUNDS; r++) {
    for (const impl of r % 2 === 0
      ? (['real', 'keymesh'] as const)
      : (['keymesh', 'real'] as const)) {
      best[impl] = Math.max(best[impl], await round(impl))
    }
  }
  for (const impl of ['real', 'keymesh'] as const) {
    emit(name, impl, { mb_per_s: best[impl], bytes: TOTAL_BYTES, message_bytes: MESSAGE_BYTES })
  }
}

// ---- handshakes ---------------------------------------------------------------------------

async function streamHandshakes(impl: Impl): Promise<number> {
  const kpA = keyPair()
  const kpB = keyPair()
  let ops = 0
  const end = process.hrtime.bigint() + BigInt(HANDSHAKE_MS) * 1_000_000n
  const start = process.hrtime.bigint()
  while (process.hrtime.bigint() < end) {
    const a = make(impl, true, null, { keyPair: kpA })
    const b = make(impl, false, null, { keyPair: kpB })
    a.rawStream.pipe(b.rawStream)
    ;(b.rawStream as { pipe(d: unknown): unknown }).pipe(a.rawStream)
    await Promise.all([a.opened, b.opened])
    a.destroy()
    b.destroy()
    ops++
  }
  const ns = Number(process.hrtime.bigint() - start)
  return ops / (ns / 1e9)
}

async function bareIkHandshakes(impl: Impl): Promise<number> {
  const client = keyPair()
  const server = keyPair()
  const prologue = NS.PEER_HANDSHAKE
  const once =
    impl === 'keymesh'
      ? (): void => {
          const c = createHandshake(client, server.publicKey)
          const s = createHandshake(server)
          s.recv(c.send())
          c.recv(s.send())
        }
      : (): void => {
          const c = new NoiseState('IK', true, client, { curve })
          c.initialise(prologue, server.publicKey)
          const s = new NoiseState('IK', false, server, { curve })
          s.initialise(prologue)
          s.recv(c.send())
          c.recv(s.send())
        }
  for (let i = 0; i < 200; i++) once()
  let ops = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(HANDSHAKE_MS) * 1_000_000n
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 20; i++) once()
    ops += 20
  }
  const ns = Number(process.hrtime.bigint() - start)
  return ops / (ns / 1e9)
}

/** Best of ROUNDS handshake rates, alternating implementations. */
async function handshakeRate(name: string, run: (impl: Impl) => Promise<number>): Promise<void> {
  const best: Record<'real' | 'keymesh', number> = { real: 0, keymesh: 0 }
  for (let r = 0; r < HANDSHAKE_ROUNDS; r++) {
    for (const impl of r % 2 === 0
      ? (['real', 'keymesh'] as const)
      : (['keymesh', 'real'] as const)) {
      best[impl] = Math.max(best[impl], await run(impl))
    }
  }
  for (const impl of ['real', 'keymesh'] as const) {
    emit(name, impl, { ops: round(best[impl]), ns_per_op: round(1e9 / best[impl], 0) })
  }
}

// ---- run ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  libsodiumCeiling()
  await throughput('one_way_memory', memoryRound)
  await throughput('one_way_tcp', tcpRound)
  await handshakeRate('xx_stream_handshake', streamHandshakes)
  await handshakeRate('ik_handshake_both_sides', bareIkHandshakes)

  const ratio = (name: string, over: Impl, overName = name): number => {
    const k = results[name]?.keymesh ?? 0
    const o = results[overName]?.[over] ?? 1
    return round(k / o, 2)
  }
  console.log(
    JSON.stringify({
      name: 'summary',
      keymesh_vs_real: {
        one_way_memory: ratio('one_way_memory', 'real'),
        one_way_tcp: ratio('one_way_tcp', 'real'),
        xx_stream_handshake: ratio('xx_stream_handshake', 'real'),
        ik_handshake_both_sides: ratio('ik_handshake_both_sides', 'real')
      },
      keymesh_vs_libsodium_push: {
        one_way_memory: ratio('one_way_memory', 'libsodium', 'secretstream_push'),
        one_way_tcp: ratio('one_way_tcp', 'libsodium', 'secretstream_push')
      },
      keymesh_vs_libsodium_push_pull: {
        one_way_memory: ratio('one_way_memory', 'libsodium', 'secretstream_push_pull'),
        one_way_tcp: ratio('one_way_tcp', 'libsodium', 'secretstream_push_pull')
      }
    })
  )
}

await main()
