// Tamper tests: one flipped bit anywhere in either direction of a live XX session is always rejected.

import test from 'brittle'
import { NoiseSecretStream } from '../src/index.js'
import type { Bridge } from '../src/index.js'
import { closeError, holdOpen, track } from './helpers/streams.js'

/** Codes a tampered session may legitimately end with (which one depends on the byte hit). */
const REJECTIONS = new Set([
  'HANDSHAKE_FAILED',
  'HANDSHAKE_TIMEOUT',
  'FRAME_TOO_LARGE',
  'INVALID_HEADER',
  'INVALID_MESSAGE',
  'DECRYPTION_FAILED',
  'TRUNCATED_FRAME'
])

// A length prefix flipped upwards during the handshake stalls both sides: only the timeout ends it.
const TIMEOUT_MS = 400
const BATCH = 48

// Frame sizes of an XX session where A sends "hello" and B sends "pong", then both end.
const A_TO_B_BYTES = 35 + 67 + 59 + 25 // message 1, message 3, header, "hello"
const B_TO_A_BYTES = 99 + 59 + 24 // message 2, header, "pong"

type Direction = 'A→B' | 'B→A'

interface Outcome {
  errors: (Error | null)[]
  aGot: string[]
  bGot: string[]
  bytes: { 'A→B': number; 'B→A': number }
}

/** Runs one session through a man in the middle that XORs `mask` into byte `offset` of `dir`. */
async function session(dir: Direction | null, offset: number, mask: number): Promise<Outcome> {
  const a = track(new NoiseSecretStream(true, null, { timeout: TIMEOUT_MS }))
  const b = track(new NoiseSecretStream(false, null, { timeout: TIMEOUT_MS }))
  const aGot: string[] = []
  const bGot: string[] = []
  a.on('data', (d: Buffer) => aGot.push(d.toString('hex')))
  b.on('data', (d: Buffer) => bGot.push(d.toString('hex')))
  const bytes = { 'A→B': 0, 'B→A': 0 }
  const wire = (from: Bridge, to: Bridge, name: Direction): void => {
    let ended = false
    from.on('data', (chunk: Buffer) => {
      const at = bytes[name]
      bytes[name] += chunk.byteLength
      if (name === dir && offset >= at && offset < at + chunk.byteLength) {
        chunk = Buffer.from(chunk)
        chunk[offset - at] = (chunk[offset - at] as number) ^ mask
      }
      to.write(chunk)
    })
    from.on('end', () => {
      ended = true
      to.end()
    })
    from.on('close', () => {
      if (!ended) to.destroy()
    })
  }
  wire(a.rawStream as Bridge, b.rawStream as Bridge, 'A→B')
  wire(b.rawStream as Bridge, a.rawStream as Bridge, 'B→A')
  a.end(Buffer.from('hello'))
  b.end(Buffer.from('pong'))
  const errors = await Promise.all([closeError(a), closeError(b)])
  return { errors, aGot, bGot, bytes }
}

const HELLO = Buffer.from('hello').toString('hex')
const PONG = Buffer.from('pong').toString('hex')

test('an untouched session delivers both messages and the byte counts used below', async (t) => {
  const out = await session(null, 0, 0)
  t.alike(out.errors, [null, null])
  t.alike(out.bGot, [HELLO])
  t.alike(out.aGot, [PONG])
  t.is(out.bytes['A→B'], A_TO_B_BYTES)
  t.is(out.bytes['B→A'], B_TO_A_BYTES)
})

for (const [dir, total] of [
  ['A→B', A_TO_B_BYTES],
  ['B→A', B_TO_A_BYTES]
] as const) {
  test(`every single-bit flip ${dir} (${total} bytes × 8 bits) is rejected with a typed error`, async (t) => {
    holdOpen(t)
    const cases: [number, number][] = []
    for (let offset = 0; offset < total; offset++) {
      for (let bit = 0; bit < 8; bit++) cases.push([offset, 1 << bit])
    }
    const failures: string[] = []
    const seen = new Map<string, number>()
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH)
      const outcomes = await Promise.all(batch.map(([offset, mask]) => session(dir, offset, mask)))
      for (const [j, out] of outcomes.entries()) {
        const [offset, mask] = batch[j] as [number, number]
        const codes = out.errors
          .filter((e): e is Error => e !== null)
          .map((e) => (e as { code?: string }).code ?? `untyped: ${e.message}`)
        const typed = codes.length > 0 && codes.every((c) => REJECTIONS.has(c))
        const genuine = out.bGot.every((m) => m === HELLO) && out.aGot.every((m) => m === PONG)
        for (const c of codes) seen.set(c, (seen.get(c) ?? 0) + 1)
        if (!typed || !genuine) {
          failures.push(`byte ${offset} mask ${mask}: ${codes.join(',') || 'accepted'}`)
        }
      }
    }
    t.alike(
      failures,
      [],
      `${cases.length} tampered sessions all rejected, none delivered a forgery`
    )
    t.comment(`rejections ${dir}: ${JSON.stringify(Object.fromEntries(seen))}`)
  })
}
