// Mutation and random-input tests: malformed bytes only ever raise the typed WireError.

import test from 'brittle'
import {
  WireError,
  announce,
  array,
  buffer,
  decode,
  encode,
  lookupRawReply,
  noisePayload,
  protomuxFrame,
  rpcResponse,
  string,
  tryDecode,
  uint,
  type Codec
} from '../src/index.js'
import { Rng } from './helpers/random-messages.js'
import { seedFamilies, type Seeded } from './helpers/seeds.js'
import { plain } from './helpers/vectors.js'

/** Inputs tried per codec family (the issue asks for at least 100,000). */
const INPUTS_PER_FAMILY = 100_000
const SEED = Number(process.env['KEYMESH_FUZZ_SEED'] ?? 0x6b65796d)

/**
 * Decode `input`; a rejection must be a DECODE_FAILED WireError that is not a codec bug, and
 * an acceptance must re-encode to canonical bytes that decode to the same value. Returns a
 * description of what went wrong, or null.
 */
function check(codec: Codec<never, unknown>, input: Buffer): string | null {
  let value: unknown
  try {
    value = decode(codec, input)
  } catch (err) {
    if (!(err instanceof WireError)) return `threw ${(err as Error)?.name}: ${String(err)}`
    if (err.code !== 'DECODE_FAILED') return `threw code ${err.code}`
    if (err.reason === 'INTERNAL') return `internal error: ${err.message}`
    return null
  }
  try {
    const canonical = encode(codec as Codec<unknown, unknown>, value)
    const again = decode(codec, canonical)
    const twice = encode(codec as Codec<unknown, unknown>, again)
    if (!canonical.equals(twice)) return 'canonical encoding is not a fixpoint'
    if (JSON.stringify(plain(again)) !== JSON.stringify(plain(decode(codec, twice)))) {
      return 'decode(encode(x)) changed the value'
    }
  } catch (err) {
    return `accepted but did not round-trip: ${(err as Error).message}`
  }
  return null
}

/** A uniform integer in [0, n). */
function below(rng: Rng, n: number): number {
  return rng.int(0, n - 1)
}

/** Apply 1-4 random edits: overwrite, boundary byte, insert, delete, duplicate a range. */
function mutate(rng: Rng, seed: Buffer): Buffer {
  let b = Buffer.from(seed)
  const edits = 1 + below(rng, 4)
  for (let e = 0; e < edits; e++) {
    const at = b.byteLength === 0 ? 0 : below(rng, b.byteLength)
    switch (below(rng, 5)) {
      case 0:
        if (b.byteLength) b[at] = below(rng, 256)
        break
      case 1:
        if (b.byteLength) b[at] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff])
        break
      case 2:
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + below(rng, 8)), b.subarray(at)])
        break
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + below(rng, 4))])
        break
      default: {
        const len = below(rng, Math.max(1, b.byteLength - at))
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)])
      }
    }
  }
  return b
}

/** Every truncation and every single-bit flip of a seed. */
function* systematic(seed: Buffer): Generator<Buffer> {
  for (let len = 0; len < seed.byteLength; len++) yield seed.subarray(0, len)
  for (let i = 0; i < seed.byteLength; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = Buffer.from(seed)
      flipped[i] = (flipped[i] as number) ^ (1 << bit)
      yield flipped
    }
  }
}

function runFamily(entries: Seeded[], rng: Rng) {
  const failures: string[] = []
  let inputs = 0
  const tryOne = (entry: Seeded, input: Buffer) => {
    inputs++
    const problem = check(entry.codec, input)
    if (problem && failures.length < 10) {
      failures.push(`${entry.codec.name} ${input.toString('hex')}: ${problem}`)
    }
  }
  for (const entry of entries) {
    for (const seed of entry.seeds) {
      tryOne(entry, seed)
      for (const input of systematic(seed)) tryOne(entry, input)
    }
  }
  while (inputs < INPUTS_PER_FAMILY) {
    const entry = rng.pick(entries)
    const seed = rng.pick(entry.seeds)
    if (below(rng, 5) === 0) tryOne(entry, rng.bytes(below(rng, 2 * seed.byteLength + 8)))
    else tryOne(entry, mutate(rng, seed))
  }
  return { failures, inputs }
}

for (const [family, entries] of Object.entries(seedFamilies())) {
  test(`mutation: ${family} (seed ${SEED})`, { timeout: 120_000 }, (t) => {
    const { failures, inputs } = runFamily(entries, new Rng(SEED ^ family.length))
    t.ok(inputs >= INPUTS_PER_FAMILY, `${inputs} inputs over ${entries.length} codecs`)
    t.alike(failures, [], 'only typed DECODE_FAILED errors, and accepted inputs round-trip')
  })
}

test('huge counts and lengths fail before allocating', (t) => {
  const countOverflows = Buffer.from('fe00001000', 'hex') // 1,048,576 items, no bytes
  t.exception(() => decode(array(uint, 1 << 30, 1), countOverflows), /DECODE_FAILED.*overrun/)
  const maxCount = Buffer.from('ffffffffffffff1f00', 'hex') // 2^53-1 items
  t.exception(() => decode(array(uint, 1 << 30, 1), maxCount), /DECODE_FAILED/)
  t.exception(
    () => decode(array(uint, 20, 1), Buffer.from('15' + '00'.repeat(21), 'hex')),
    /OVERSIZED|exceeds/
  )
  t.exception(() => decode(buffer(100), Buffer.from('fe00000001', 'hex')), /exceeds 100/)
  t.exception(() => decode(buffer(1 << 30), Buffer.from('fe00000001', 'hex')), /overruns/)
  t.exception(() => decode(uint, Buffer.from('ff0000000000002000', 'hex')), /above 2\^53-1/)
})

test('the error names the message and the offset', (t) => {
  const truncated = Buffer.from('0534b4d9', 'hex')
  try {
    decode(announce, truncated)
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof WireError, 'a WireError')
    const e = err as WireError
    t.is(e.code, 'DECODE_FAILED')
    t.is(e.reason, 'TRUNCATED')
    t.is(e.messageName, 'announce')
    t.is(e.offset, 1, 'fails where the peer record starts')
    t.ok(e.message.startsWith('DECODE_FAILED: announce: '), e.message)
  }
  t.is(tryDecode(announce, truncated), null, 'tryDecode returns null')
  t.exception(() => decode(announce, 'not bytes' as unknown as Uint8Array), /DECODE_FAILED/)
})

test('unknown flag bits, trailing bytes and invalid UTF-8 are rejected', (t) => {
  t.exception(() => decode(announce, Buffer.from('10', 'hex')), /unknown flag bits/)
  t.exception(() => decode(noisePayload, Buffer.from('0180000000', 'hex')), /unknown flag bits/)
  // Datagram envelopes ignore unknown flag bits, as dht-rpc does (docs/decisions/0001).
  t.is(decode(rpcResponse, Buffer.from('1320001000000000000000', 'hex')).tid, 0x1000)
  t.exception(() => decode(uint, Buffer.from('0101', 'hex')), /trailing/)
  t.exception(() => decode(string(10), Buffer.from('02c328', 'hex')), /UTF-8/)
  t.exception(() => decode(protomuxFrame, Buffer.from('0009', 'hex')), /control type/)
  t.ok(
    decode(lookupRawReply, Buffer.from('0000ff', 'hex')),
    'extensible messages ignore trailing bytes'
  )
})

test('encoders reject values the wire cannot carry', (t) => {
  t.exception(() => encode(uint, -1), /ENCODE_FAILED/)
  t.exception(() => encode(uint, 2 ** 53), /ENCODE_FAILED/)
  t.exception(() => encode(uint, 1.5), /ENCODE_FAILED/)
  const addr = {
    peer: { publicKey: Buffer.alloc(31), relayAddresses: [] },
    refresh: null,
    signature: null,
    bump: 0
  }
  t.exception(() => encode(announce, addr), /ENCODE_FAILED: announce: .*expected 32 bytes/)
  const badHost = {
    peer: { publicKey: Buffer.alloc(32), relayAddresses: [{ host: '1.2.3', port: 1 }] },
    refresh: null,
    signature: null,
    bump: 0
  }
  t.exception(() => encode(announce, badHost), /not an IPv4 address/)
  const badPort = {
    peer: { publicKey: Buffer.alloc(32), relayAddresses: [{ host: '1.2.3.4', port: 70000 }] },
    refresh: null,
    signature: null,
    bump: 0
  }
  t.exception(() => encode(announce, badPort), /port 70000/)
})
