// Differential tests: keymesh codecs against the real hyperdht 6.33.0 / dht-rpc 6.27.0 codecs
// on seeded random valid messages of every family.
//
// For each message m:
//   (b) keymesh encode(m) -> the real decoder gives m's fields (and consumes every byte), and
//       the real encoder given m writes keymesh's bytes;
//   (a) the real encoder's bytes -> keymesh decode gives the same fields as the real decoder's
//       view of those bytes, and keymesh re-encodes them to the same bytes.
// Plus keymesh's own round trip. Fields are compared as plain JSON (bytes as hex, keys sorted).
//
// Reproduce a failure with KEYMESH_DIFF_SEED=<seed from the test name>; KEYMESH_DIFF_N sets the
// messages per family (default 2000); KEYMESH_DIFF_SEED=random picks a fresh seed.

import test from 'brittle'
import {
  announce,
  decode,
  encode,
  handshake,
  holepunch,
  holepunchPayload,
  lookupRawReply,
  mutableGetResponse,
  mutablePutRequest,
  mutableSignable,
  noisePayload,
  peer,
  pluginRequest,
  rpcRequest,
  rpcResponse,
  type Codec,
  type NoisePayload,
  type PeerAddress,
  type RpcRequest,
  type RpcResponse
} from '../src/index.js'
import {
  Rng,
  familySeed,
  generators,
  ipv4Addr,
  seedFromEnv,
  type Family,
  type LookupMessage
} from './helpers/random-messages.js'
import {
  RealDhtRpc,
  hyperdhtMessages as real,
  realDecodeMeasured,
  realEncode,
  realEncodeMeasured,
  type RealCodec
} from './helpers/real-codecs.js'
import { plain, type TestContext } from './helpers/vectors.js'

const N = Number(process.env.KEYMESH_DIFF_N ?? 2000)
const SEED = seedFromEnv()
const SEED_HEX = '0x' + SEED.toString(16).padStart(8, '0')
/** Failing messages shown in full per family (the count of all failures is asserted). */
const SHOW = 3

// ---- comparison helpers --------------------------------------------------------------------

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k])
    return out
  }
  return v
}

/** Plain, key-sorted JSON: the form both sides are compared in. */
function canon(v: unknown): string {
  return JSON.stringify(sortKeys(plain(v)))
}

/** Long JSON shortened for failure output (the seed and index reproduce the full input). */
function clip(s: string, max = 600): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length} chars)`
}

/** Where two renderings first differ, with some context from each. */
function firstDifference(a: string, b: string): string {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const from = Math.max(0, i - 40)
  return `first difference at char ${i}: got ...${a.slice(from, i + 40)}... expected ...${b.slice(from, i + 40)}...`
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

/** Collects mismatches of one family; every one carries the reproducing seed, index and input. */
class Tally {
  readonly failures: string[] = []
  readonly counts = new Map<string, number>()
  private index = 0
  private input: () => string = () => ''

  constructor(readonly family: string) {}

  begin(index: number, m: unknown): void {
    this.index = index
    this.input = () => canon(m)
  }

  count(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1)
  }

  fail(what: string, detail: string): void {
    this.failures.push(
      `${this.family} #${this.index} (seed ${SEED_HEX}): ${what}\n  input: ${clip(this.input())}\n  ${detail}`
    )
  }

  /** `actual` (any decoded value) equals `expected` (already canonical). */
  same(what: string, actual: unknown, expected: string): void {
    const a = canon(actual)
    if (a !== expected) {
      this.fail(
        what,
        `${firstDifference(a, expected)}\n  got:      ${clip(a)}\n  expected: ${clip(expected)}`
      )
    }
  }

  sameBytes(what: string, actual: Uint8Array, expected: Uint8Array): void {
    if (!Buffer.from(actual).equals(Buffer.from(expected))) {
      const a = hexOf(actual)
      const e = hexOf(expected)
      this.fail(what, `${firstDifference(a, e)}\n  got:      ${clip(a)}\n  expected: ${clip(e)}`)
    }
  }

  guard(what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.fail(what, `threw ${String((err as Error)?.stack ?? err)}`)
    }
  }

  report(t: TestContext, n: number): void {
    const counts = [...this.counts].map(([k, v]) => `${k}: ${v}`).join(', ')
    t.comment(`${this.family}: ${n} messages${counts ? `; ${counts}` : ''}`)
    for (const f of this.failures.slice(0, SHOW)) t.fail(f)
    t.is(this.failures.length, 0, `${this.family}: no differences in ${n} messages`)
  }
}

function testName(family: Family): string {
  return `differential ${family}: ${N} random messages (seed ${SEED_HEX})`
}

// ---- hyperdht payload families -------------------------------------------------------------

interface Spec<M> {
  family: Family
  generate: (rng: Rng) => M
  codec: Codec<M, unknown>
  real: RealCodec
  /** The value the real encoder takes for m (default: m itself). */
  toReal?: (m: M) => unknown
  /**
   * The message whose keymesh encoding the real encoder produces when given m (default: m),
   * or null when the real encoder cannot send m at all. Only for documented real behaviour.
   */
  realWrites?: (m: M, tally: Tally) => M | null
  /** True when the real preencode is documented to under-count for m. */
  undercount?: (m: M) => boolean
  /** Family-specific extra checks. */
  extra?: (m: M, ourBytes: Buffer, tally: Tally) => void
}

function runFamily<M>(t: TestContext, spec: Spec<M>): void {
  const rng = new Rng(familySeed(SEED, spec.family))
  const tally = new Tally(spec.family)
  const { codec } = spec
  for (let i = 0; i < N; i++) {
    const m = spec.generate(rng)
    tally.begin(i, m)
    tally.guard('exception', () => {
      const exp = canon(m) // every payload family decodes to exactly what was encoded

      // keymesh alone.
      const ourBytes = encode(codec, m)
      tally.same('keymesh decode(keymesh encode(m))', decode(codec, ourBytes), exp)

      // (b) keymesh bytes -> real decoder.
      const theirsOfOurs = realDecodeMeasured(spec.real, ourBytes)
      tally.same('real decode of keymesh bytes', theirsOfOurs.value, exp)
      if (theirsOfOurs.consumed !== ourBytes.byteLength) {
        tally.fail(
          'real decode of keymesh bytes',
          `consumed ${theirsOfOurs.consumed} of ${ourBytes.byteLength} bytes`
        )
      }

      // (b) the real encoder given m writes keymesh's bytes.
      const writes = spec.realWrites ? spec.realWrites(m, tally) : m
      if (writes === null) return
      const measured = realEncodeMeasured(spec.real, spec.toReal ? spec.toReal(writes) : writes)
      const realBytes = measured.bytes
      if (measured.preencoded !== realBytes.byteLength) {
        if (spec.undercount?.(writes) === true)
          tally.count('real preencode under-counts (documented)')
        else
          tally.fail(
            'real preencode',
            `reserved ${measured.preencoded} bytes, encode wrote ${realBytes.byteLength}`
          )
      }
      tally.sameBytes(
        'real encode(m) == keymesh encode(m)',
        realBytes,
        writes === m ? ourBytes : encode(codec, writes)
      )

      // (a) real bytes -> keymesh decoder, compared with the real decoder's view.
      const ours = decode(codec, realBytes)
      const theirs = realDecodeMeasured(spec.real, realBytes)
      tally.same('keymesh decode of real bytes == real decode', ours, canon(theirs.value))
      tally.sameBytes(
        'keymesh re-encode of real bytes',
        encode(codec, ours as unknown as M),
        realBytes
      )

      spec.extra?.(m, ourBytes, tally)
    })
  }
  tally.report(t, N)
}

/** A spec with its message type erased, so specs of different families share one list. */
type AnySpec = Spec<never>
function spec<M>(s: Spec<M>): AnySpec {
  return s as unknown as AnySpec
}

const payloadSpecs: AnySpec[] = [
  spec({
    family: 'handshake',
    generate: generators.handshake,
    codec: handshake,
    real: real.handshake
    // Real preencode reserves one byte each for flags and mode: fine, modes are 0..4.
  }),
  spec({
    family: 'holepunch',
    generate: generators.holepunch,
    codec: holepunch,
    real: real.holepunch
    // Real preencode reserves one byte each for flags and mode (modes 0..4); id is sized.
  }),
  spec({
    family: 'noisePayload',
    generate: generators.noisePayload,
    codec: noisePayload,
    real: real.noisePayload,
    realWrites(m: NoisePayload<Uint8Array>, tally: Tally) {
      // The real encoder always writes payload version 1 with a full body: it cannot send
      // another version, so only the decode directions are checked for those.
      if (m.version !== 1) {
        tally.count('version != 1 (decode only)')
        return null
      }
      // The real encoder writes version 1 for udx, secretStream and relayThrough whatever the
      // value says (hyperdht never sends anything else); keymesh writes the given version.
      const fixVersion = <S extends { version: number }>(s: S | null): S | null =>
        s === null || s.version === 1 ? s : { ...s, version: 1 }
      const udx = fixVersion(m.udx)
      const secretStream = fixVersion(m.secretStream)
      const relayThrough = fixVersion(m.relayThrough)
      if (udx === m.udx && secretStream === m.secretStream && relayThrough === m.relayThrough)
        return m
      tally.count('sub-structure version != 1 (real writes 1)')
      return { ...m, udx, secretStream, relayThrough }
    },
    // Real preencode reserves 4 bytes for version + flags + error + firewall: it assumes
    // error and firewall are below 0xfd (true of every sender: 0..3).
    undercount: (m: NoisePayload<Uint8Array>) => m.error > 0xfc || m.firewall > 0xfc,
    extra(m: NoisePayload<Uint8Array>, _ourBytes: Buffer, tally: Tally) {
      if (m.relayAddresses !== null && m.relayAddresses.length === 0)
        tally.count('relayAddresses []')
      if (m.addresses6.length > 0) tally.count('addresses6')
    }
  }),
  spec({
    family: 'holepunchPayload',
    generate: generators.holepunchPayload,
    codec: holepunchPayload,
    real: real.holepunchPayload,
    // Real preencode reserves 4 bytes for flags + error + firewall + round: it assumes all three
    // are below 0xfd (senders use 0..3 and small rounds). Its encode writes them correctly.
    undercount: (m) => m.error > 0xfc || m.firewall > 0xfc || m.round > 0xfc
  }),
  spec({
    family: 'peer',
    generate: generators.peer,
    codec: peer,
    real: real.peer
  }),
  spec({
    family: 'lookupRawReply',
    generate: generators.lookupRawReply,
    codec: lookupRawReply,
    real: real.lookupRawReply,
    // The real encoder takes pre-encoded peer records (hyperdht stores them encoded).
    toReal: (m: LookupMessage) => ({
      peers: m.peers.map((p) => realEncode(real.peer, p)),
      bump: m.bump
    }),
    extra(m: LookupMessage, ourBytes: Buffer, tally: Tally) {
      // keymesh also accepts pre-encoded records: same bytes.
      const rawPeers = m.peers.map((p) => encode(peer, p))
      tally.sameBytes(
        'keymesh encode with raw peers',
        encode(lookupRawReply, { peers: rawPeers, bump: m.bump }),
        ourBytes
      )
      if (m.bump === 0) {
        // Older nodes omit the bump: both decoders read its absence as 0.
        tally.count('legacy form without bump')
        const legacy = ourBytes.subarray(0, ourBytes.byteLength - 1)
        const exp = canon(m)
        tally.same('keymesh decode without bump', decode(lookupRawReply, legacy), exp)
        tally.same(
          'real decode without bump',
          realDecodeMeasured(real.lookupRawReply, legacy).value,
          exp
        )
      }
    }
  }),
  spec({
    family: 'announce',
    generate: generators.announce,
    codec: announce,
    real: real.announce
  }),
  spec({
    family: 'mutableSignable',
    generate: generators.mutableSignable,
    codec: mutableSignable,
    real: real.mutableSignable
  }),
  spec({
    family: 'mutablePutRequest',
    generate: generators.mutablePutRequest,
    codec: mutablePutRequest,
    real: real.mutablePutRequest
  }),
  spec({
    family: 'mutableGetResponse',
    generate: generators.mutableGetResponse,
    codec: mutableGetResponse,
    real: real.mutableGetResponse
  }),
  spec({
    family: 'pluginRequest',
    generate: generators.pluginRequest,
    codec: pluginRequest,
    real: real.pluginRequest
  })
]

// ---- dht-rpc datagrams (real IO harness) ---------------------------------------------------

const io = new RealDhtRpc()

/** The id as the real IO exposes it: kept only when it is BLAKE2b(sender address). */
function validatedId(id: Uint8Array | null, from: PeerAddress): Uint8Array | null {
  return id !== null && Buffer.from(id).equals(io.peerId(from.host, from.port)) ? id : null
}

/**
 * Most messages with an id get the sender's real id (so the real view shows it), the rest keep
 * a random one (the real view shows null; keymesh decodes it raw and leaves validation to the
 * caller, docs/wire-protocol.md §3.1).
 */
function pickSender(
  aux: Rng,
  id: Uint8Array | null,
  tally: Tally
): { from: PeerAddress; id: Uint8Array | null } {
  const from = ipv4Addr(aux, 1) // dht-rpc drops datagrams from port 0
  if (id === null) return { from, id }
  if (aux.bool(0.75)) {
    tally.count('id = sender id')
    return { from, id: io.peerId(from.host, from.port) }
  }
  tally.count('id random (real view: null)')
  return { from, id }
}

function runRpcRequests(t: TestContext): void {
  const family: Family = 'rpcRequest'
  const rng = new Rng(familySeed(SEED, family))
  const aux = new Rng(familySeed(SEED, family + '/sender'))
  const tally = new Tally(family)
  for (let i = 0; i < N; i++) {
    const generated = generators.rpcRequest(rng)
    const { from, id } = pickSender(aux, generated.id, tally)
    const m: RpcRequest<Uint8Array> = { ...generated, id }
    tally.begin(i, { ...m, from })
    if (m.token) tally.count('token')
    if (m.target) tally.count('target')
    if (m.value) tally.count('value')
    if (m.internal) tally.count('internal')
    tally.guard('exception', () => {
      const exp = canon(m)
      const expReal = canon({ ...m, id: validatedId(m.id, from) })

      const ourBytes = encode(rpcRequest, m)
      tally.same('keymesh decode(keymesh encode(m))', decode(rpcRequest, ourBytes), exp)

      // (b) keymesh bytes -> real IO; real IO encoding of m == keymesh bytes.
      tally.same(
        'real IO decode of keymesh bytes',
        io.decodeRequest(ourBytes, from, m.token),
        expReal
      )
      const realBytes = io.encodeRequest(m)
      tally.sameBytes('real IO encode(m) == keymesh encode(m)', realBytes, ourBytes)

      // (a) real bytes -> keymesh decode == real IO decode; keymesh re-encodes them.
      const ours = decode(rpcRequest, realBytes)
      tally.same('keymesh decode of real bytes', ours, exp)
      tally.same(
        'keymesh decode of real bytes (id validated) == real IO decode',
        { ...ours, id: validatedId(ours.id, from) },
        canon(io.decodeRequest(realBytes, from, m.token))
      )
      tally.sameBytes('keymesh re-encode of real bytes', encode(rpcRequest, ours), realBytes)
    })
  }
  tally.report(t, N)
}

function runRpcResponses(t: TestContext): void {
  const family: Family = 'rpcResponse'
  const rng = new Rng(familySeed(SEED, family))
  const aux = new Rng(familySeed(SEED, family + '/sender'))
  const tally = new Tally(family)
  for (let i = 0; i < N; i++) {
    const generated = generators.rpcResponse(rng)
    const { from, id } = pickSender(aux, generated.id, tally)
    const m: RpcResponse<Uint8Array> = { ...generated, id }
    tally.begin(i, { ...m, from })
    if (m.closerNodes !== null)
      tally.count(m.closerNodes.length === 0 ? 'closerNodes []' : 'closerNodes')
    if (m.error > 17) tally.count('error > 17')
    if (m.error > 0 && m.value) tally.count('error + value')
    tally.guard('exception', () => {
      // An empty closerNodes list is not sent: it decodes as null.
      const wire = { ...m, closerNodes: m.closerNodes?.length ? m.closerNodes : null }
      const exp = canon(wire)
      const expReal = canon({ ...wire, id: validatedId(m.id, from) })

      const ourBytes = encode(rpcResponse, m)
      tally.same('keymesh decode(keymesh encode(m))', decode(rpcResponse, ourBytes), exp)

      // (b)
      tally.same(
        'real IO decode of keymesh bytes',
        io.decodeResponse(ourBytes, from, m.tid),
        expReal
      )
      const realBytes = io.encodeResponse(m)
      tally.sameBytes('real IO encode(m) == keymesh encode(m)', realBytes, ourBytes)

      // (a)
      const ours = decode(rpcResponse, realBytes)
      tally.same('keymesh decode of real bytes', ours, exp)
      tally.same(
        'keymesh decode of real bytes (id validated) == real IO decode',
        { ...ours, id: validatedId(ours.id, from) },
        canon(io.decodeResponse(realBytes, from, m.tid))
      )
      tally.sameBytes('keymesh re-encode of real bytes', encode(rpcResponse, ours), realBytes)
    })
  }
  tally.report(t, N)
}

// ---- tests ---------------------------------------------------------------------------------

test('differential harness: the real IO checks what the harness relies on', (t) => {
  const from = { host: '10.1.2.3', port: 4000 }
  const m: RpcRequest<Uint8Array> = {
    tid: 7,
    to: { host: '1.2.3.4', port: 5 },
    id: io.peerId(from.host, from.port),
    token: Buffer.alloc(32, 1),
    internal: true,
    command: 2,
    target: Buffer.alloc(32, 2),
    value: null
  }
  const bytes = io.encodeRequest(m)
  t.is(canon(io.decodeRequest(bytes, from, m.token)), canon(m), 'decodes with the expected token')
  t.is(
    io.decodeRequest(bytes, from, Buffer.alloc(32, 9)),
    'invalid-token',
    'a token mismatch is rejected'
  )
  t.is(
    io.decodeRequest(bytes, { host: from.host, port: 0 }, m.token),
    'dropped',
    'port 0 senders are dropped'
  )
  const other = io.decodeRequest(bytes, { host: from.host, port: 4001 }, m.token)
  t.is(
    typeof other === 'object' ? other.id : 'rejected',
    null,
    'an id not matching the sender reads as null'
  )
  const res: RpcResponse<Uint8Array> = {
    tid: 9,
    to: from,
    id: null,
    token: null,
    closerNodes: [{ host: '9.9.9.9', port: 9 }],
    error: 0,
    value: Buffer.from('x')
  }
  const resBytes = io.encodeResponse(res)
  t.is(canon(io.decodeResponse(resBytes, m.to, 9)), canon(res), 'response decodes for its tid')
  t.is(
    io.decodeResponse(resBytes, m.to, 10),
    'dropped',
    'a response for no in-flight tid is dropped'
  )
})

test(testName('rpcRequest'), (t) => runRpcRequests(t))
test(testName('rpcResponse'), (t) => runRpcResponses(t))
for (const spec of payloadSpecs) test(testName(spec.family), (t) => runFamily(t, spec))
