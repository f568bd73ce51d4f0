// Test helper: the interop suite, keymesh ↔ @hyperswarm/secret-stream in both roles over one transport.

import test from 'brittle'
import { randomBytes } from 'node:crypto'
import { keyPair } from '@keymesh/crypto'
import { NoiseSecretStream, createHandshake } from '../../src/index.js'
import type { NoiseHandshakeResult, RawStream } from '../../src/index.js'
import { RealSecretStream } from './real.js'
import { closeError, closed, codeOf, holdOpen, readAll, track } from './streams.js'
import { closeAllTransports, rawPair } from './transports.js'
import type { Teardown, TransportName } from './transports.js'

/** Which implementation plays a role. */
export type Impl = 'keymesh' | 'real'

/** How the two sides get their keys. */
type Mode = 'hyperdht' | 'xx' | 'ik'

/** The surface both implementations share and the suite uses. */
interface PeerStream {
  readonly isInitiator: boolean
  readonly opened: Promise<boolean>
  readonly publicKey: Buffer | null
  readonly remotePublicKey: Buffer | null
  readonly handshakeHash: Buffer | null
  readonly connected: boolean
  readonly destroyed: boolean
  write(data: Buffer): boolean
  end(data?: Buffer): unknown
  destroy(err?: Error): void
  setKeepAlive(ms: number): void
  send(buffer: Uint8Array): Promise<boolean> | undefined
  trySend(buffer: Uint8Array): void
  on(event: string, fn: (...args: never[]) => void): unknown
  once(event: string, fn: (...args: never[]) => void): unknown
}

const ROLES: [Impl, Impl][] = [
  ['keymesh', 'real'],
  ['real', 'keymesh']
]
const MODES: Mode[] = ['hyperdht', 'xx', 'ik']
const BULK_BYTES = 4 * 1024 * 1024
const WRITE_SIZES = [1, 17, 1000, 16 * 1024, 64 * 1024, 65 * 1024 + 3, 200 * 1024]

function create(impl: Impl, isInitiator: boolean, raw: RawStream, opts: object): PeerStream {
  const s =
    impl === 'keymesh'
      ? new NoiseSecretStream(isInitiator, raw, opts)
      : new RealSecretStream(isInitiator, raw, opts as Record<string, unknown>)
  return track(s as unknown as PeerStream & { on(e: 'error', fn: (e: Error) => void): unknown })
}

/** A completed hyperdht-style IK handshake between two fixed key pairs. */
function ikHandshake(): { client: NoiseHandshakeResult; server: NoiseHandshakeResult } {
  const c = createHandshake(CLIENT, SERVER.publicKey)
  const s = createHandshake(SERVER)
  s.recv(c.send())
  c.recv(s.send())
  return { client: c.final(), server: s.final() }
}

const CLIENT = keyPair(Buffer.alloc(32, 0xc1))
const SERVER = keyPair(Buffer.alloc(32, 0x5e))

function options(mode: Mode, isInitiator: boolean, hs: ReturnType<typeof ikHandshake>): object {
  if (mode === 'hyperdht') return { handshake: isInitiator ? hs.client : hs.server }
  const own = isInitiator ? CLIENT : SERVER
  if (mode === 'xx') return { keyPair: own }
  return isInitiator
    ? { pattern: 'IK', keyPair: own, remotePublicKey: SERVER.publicKey }
    : { pattern: 'IK', keyPair: own }
}

async function openPair(
  t: Teardown,
  transport: TransportName,
  mode: Mode,
  [initImpl, respImpl]: [Impl, Impl],
  extra: [object, object] = [{}, {}],
  halfOpen = true
): Promise<[PeerStream, PeerStream]> {
  const raw = await rawPair(t, transport, halfOpen)
  const hs = ikHandshake()
  const a = create(initImpl, true, raw.a, { ...options(mode, true, hs), ...extra[0] })
  const b = create(respImpl, false, raw.b, { ...options(mode, false, hs), ...extra[1] })
  return [a, b]
}

function chunked(data: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0, i = 0; at < data.byteLength; i++) {
    const n = WRITE_SIZES[i % WRITE_SIZES.length] as number
    out.push(data.subarray(at, at + n))
    at += n
  }
  return out
}

/** Registers the whole interop suite for one transport. */
export function interopSuite(transport: TransportName): void {
  const bulkA = randomBytes(BULK_BYTES)
  const bulkB = randomBytes(BULK_BYTES)

  for (const mode of MODES) {
    for (const roles of ROLES) {
      const label = `${transport} ${mode}: ${roles[0]} initiator ↔ ${roles[1]} responder`

      test(`${label}: open, keys agree, 4 MB each way, keep-alive, end`, async (t) => {
        holdOpen(t)
        const [a, b] = await openPair(t, transport, mode, roles)
        t.is(await a.opened, true, 'initiator opened')
        t.is(await b.opened, true, 'responder opened')
        t.ok(a.connected && b.connected)
        t.alike(a.handshakeHash, b.handshakeHash, 'same handshake hash')
        t.alike(a.publicKey, CLIENT.publicKey, 'initiator static key')
        t.alike(b.publicKey, SERVER.publicKey, 'responder static key')
        t.alike(a.remotePublicKey, SERVER.publicKey, 'initiator authenticated the responder')
        t.alike(b.remotePublicKey, CLIENT.publicKey, 'responder authenticated the initiator')

        // keep-alive: the initiator goes idle with keep-alive on, the responder (off) sees ''
        const empty = new Promise<number>((resolve) =>
          b.once('data', (d: Buffer) => resolve(d.byteLength))
        )
        a.setKeepAlive(20)
        t.is(await empty, 0, 'keep-alive (empty message) received')
        a.setKeepAlive(0)

        const gotByB = readAll(b as never)
        const gotByA = readAll(a as never)
        for (const chunk of chunked(bulkA)) a.write(chunk)
        for (const chunk of chunked(bulkB)) b.write(chunk)
        a.end()
        b.end()
        const [atB, atA] = await Promise.all([gotByB, gotByA])
        t.is(atB.byteLength, BULK_BYTES, 'responder got 4 MB')
        t.ok(atB.equals(bulkA), 'byte-exact initiator → responder')
        t.is(atA.byteLength, BULK_BYTES, 'initiator got 4 MB')
        t.ok(atA.equals(bulkB), 'byte-exact responder → initiator')
        const errors = await Promise.all([closeError(a as never), closeError(b as never)])
        t.alike(errors, [null, null], 'both closed cleanly after end')
      })

      test(`${label}: destroy is seen on the other side, both ways`, async (t) => {
        for (const destroyer of [0, 1]) {
          // TCP: a plain (not half-open) socket turns the peer's destroy into a close
          const pair = await openPair(t, transport, mode, roles, [{}, {}], false)
          await Promise.all(pair.map((s) => s.opened))
          const [killer, other] = destroyer === 0 ? pair : [pair[1], pair[0]]
          killer.destroy()
          await closed(other as never)
          t.ok(other.destroyed, `${destroyer === 0 ? 'initiator' : 'responder'} destroy seen`)
        }
      })
    }
  }

  test(`${transport}: the hyperdht flow (autoStart: false, then start(raw, { handshake }))`, async (t) => {
    for (const roles of ROLES) {
      const raw = await rawPair(t, transport, false)
      const hs = ikHandshake()
      // hyperdht's connect(): built before the connection exists, started once it does
      const client = create(roles[0], true, null as unknown as RawStream, {
        publicKey: CLIENT.publicKey,
        remotePublicKey: SERVER.publicKey,
        autoStart: false,
        keepAlive: 5000
      }) as PeerStream & { start(raw: RawStream, opts: object): void }
      // hyperdht's server: createSecretStream(false, rawStream, { handshake, keepAlive })
      const server = create(roles[1], false, raw.b, { handshake: hs.server, keepAlive: 5000 })
      client.start(raw.a, { handshake: hs.client })
      t.is(await client.opened, true, `${roles[0]} client opened`)
      t.alike(client.remotePublicKey, SERVER.publicKey)
      const got = new Promise<Buffer>((resolve) => server.once('data', resolve))
      client.write(Buffer.from('via hyperdht flow'))
      t.alike(await got, Buffer.from('via hyperdht flow'))
      client.destroy()
      await closed(server as never)
    }
  })

  for (const roles of ROLES) {
    const ours = roles[0] === 'keymesh' ? 0 : 1
    const label = `${transport}: ${roles[0]} initiator ↔ ${roles[1]} responder`

    test(`${label}: a wrong remotePublicKey is refused`, async (t) => {
      holdOpen(t)
      const wrong = keyPair(Buffer.alloc(32, 0xee)).publicKey
      {
        // XX: keymesh checks the key it is told to expect (the real package does not)
        const extra: [object, object] =
          ours === 0 ? [{ remotePublicKey: wrong }, {}] : [{}, { remotePublicKey: wrong }]
        const pair = await openPair(t, transport, 'xx', roles, extra, false)
        const ourSide = pair[ours] as PeerStream
        t.is(codeOf(await closeError(ourSide as never)), 'REMOTE_KEY_MISMATCH', 'XX: ours refuses')
        // a real initiator completes its side with message 3 before ours (responder) refuses it
        await closed(pair[1 - ours] as never)
        t.ok((pair[1 - ours] as PeerStream).destroyed, 'XX: the real peer is closed')
      }
      {
        // IK: the initiator aims at the wrong server key, the responder cannot decrypt
        const pair = await openPair(
          t,
          transport,
          'ik',
          roles,
          [{ remotePublicKey: wrong }, {}],
          false
        )
        const ourSide = pair[ours] as PeerStream
        t.is(
          codeOf(await closeError(ourSide as never)),
          'HANDSHAKE_FAILED',
          'IK: typed error on ours'
        )
        await closed(pair[1 - ours] as never)
        t.is(await pair[0].opened, false)
        t.is(await pair[1].opened, false)
      }
    })

    if (transport === 'udx') {
      test(`${label}: unordered send/trySend both ways`, async (t) => {
        for (const mode of ['hyperdht', 'xx'] as const) {
          const [a, b] = await openPair(t, transport, mode, roles)
          await Promise.all([a.opened, b.opened])
          const inbox = (s: PeerStream, n: number): Promise<string[]> =>
            new Promise((resolve) => {
              const got: string[] = []
              s.on('message', (m: Buffer) => {
                if (got.push(m.toString()) === n) resolve(got)
              })
            })
          const atB = inbox(b, 2)
          const atA = inbox(a, 2)
          t.is(await a.send(Buffer.from('a-send')), true, `${mode}: initiator send flushed`)
          a.trySend(Buffer.from('a-try'))
          t.is(await b.send(Buffer.from('b-send')), true, `${mode}: responder send flushed`)
          b.trySend(Buffer.from('b-try'))
          t.alike((await atB).sort(), ['a-send', 'a-try'], `${mode}: responder got both`)
          t.alike((await atA).sort(), ['b-send', 'b-try'], `${mode}: initiator got both`)
          a.destroy()
          await closed(b as never)
        }
      })
    }
  }
}

/** Registers a last test checking that no socket, server or ref'd timer outlived its test. */
export function leakCheck(): void {
  test('no sockets, servers or timers left behind', async (t) => {
    // brittle may still be running earlier teardowns: wait for the transports' closers
    await closeAllTransports()
    const leaked = (): string[] =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout')
    // a closed server's handle is released by libuv a few loop turns later
    for (let turn = 0; turn < 100 && leaked().length > 0; turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    t.alike(leaked(), [])
  })
}
