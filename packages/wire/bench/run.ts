// Encode/decode throughput of the hot wire messages: keymesh vs the real codecs, same run.
//
// Run: `npx tsc -b && node dist/bench/run.js` (or `pnpm bench`). Each case and op is warmed
// up (BENCH_WARMUP_MS, default 100 ms per impl), then keymesh and real are timed in alternating
// slices for BENCH_MS (default 300 ms) each, process.hrtime.bigint around batches of calls.
// Prints one JSON object per measurement,
//   {"name","impl","op","ops","ns_per_op","bytes","rss_mb"}
// with `ops` in operations per second and `bytes` the encoded size, then one summary line per
// case with the keymesh/real throughput ratios (above 1: keymesh is faster).
//
// What "real" is:
//   - hyperdht payloads: hyperdht 6.33.0 lib/messages.js codecs through compact-encoding 3.5.2's
//     encode/decode (exactly what hyperdht calls);
//   - dht-rpc datagrams: dht-rpc 6.27.0's own functions inside lib/io.js, reached through the
//     test harness (test/helpers/real-codecs.ts):
//       request encode  = Request#_encodeRequest (what Request#send calls),
//       request decode  = Request.decode (what IO#onmessage calls after the type byte check),
//       response encode = Request#sendReply with a capturing socket; IO#token is pinned to
//                         return a fixed token (a live IO hashes the address with a secret per
//                         reply), and the routing table returns a prebuilt closest-nodes list,
//       response decode = IO#onmessage with a fake in-flight request re-armed per call
//                         (decodeReply is module-private). It includes validateId, a BLAKE2b of
//                         the sender address whenever the response carries an id; keymesh's
//                         codec leaves that check to its caller. The "no id" case shows the
//                         difference.

import {
  announce,
  decode,
  encode,
  holepunchPayload,
  mutablePutRequest,
  noisePayload,
  rpcRequest,
  rpcResponse,
  type Announce,
  type Codec,
  type HolepunchPayload,
  type MutablePutRequest,
  type NoisePayload,
  type PeerAddress,
  type RpcRequest,
  type RpcResponse
} from '../src/index.js'
import {
  RealDhtRpc,
  c,
  hyperdhtMessages as real,
  type RealCodec
} from '../test/helpers/real-codecs.js'

const RUN_NS = BigInt(Number(process.env.BENCH_MS ?? 300)) * 1_000_000n
const WARMUP_NS = BigInt(Number(process.env.BENCH_WARMUP_MS ?? 100)) * 1_000_000n

type Impl = 'keymesh' | 'real'
type Op = 'encode' | 'decode'

interface Case {
  name: string
  /** keymesh's encoding; checked equal to the real encoding before anything is timed. */
  bytes: Buffer
  fns: Record<Impl, Record<Op, () => unknown>>
  /** The real encoder's bytes, for the equality check. */
  realBytes: Buffer
}

// Deterministic filler bytes.
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

function addr(i: number): PeerAddress {
  return {
    host: `${10 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.${(i * 31) % 256}`,
    port: 1024 + i * 997
  }
}

/** A case for a hyperdht payload codec: keymesh vs hyperdht's messages.js via compact-encoding. */
function payloadCase<M>(name: string, codec: Codec<M, unknown>, realCodec: RealCodec, m: M): Case {
  const ours = encode(codec, m)
  const theirs = c.encode(realCodec, m)
  return {
    name,
    bytes: ours,
    realBytes: theirs,
    fns: {
      keymesh: { encode: () => encode(codec, m), decode: () => decode(codec, ours) },
      real: { encode: () => c.encode(realCodec, m), decode: () => c.decode(realCodec, theirs) }
    }
  }
}

function requestCase(name: string, m: RpcRequest<Uint8Array>, from: PeerAddress): Case {
  const io = new RealDhtRpc()
  const ours = encode(rpcRequest, m)
  const realEncode = io.requestEncoder(m)
  const realDecode = io.requestDecoder(from)
  const theirs = Buffer.from(realEncode())
  if (realDecode(theirs) === null)
    throw new Error(`${name}: the real decoder rejected its own bytes`)
  return {
    name,
    bytes: ours,
    realBytes: theirs,
    fns: {
      keymesh: { encode: () => encode(rpcRequest, m), decode: () => decode(rpcRequest, ours) },
      real: { encode: realEncode, decode: () => realDecode(theirs) }
    }
  }
}

function responseCase(name: string, m: RpcResponse<Uint8Array>, from: PeerAddress): Case {
  const io = new RealDhtRpc()
  const ours = encode(rpcResponse, m)
  const realEncode = io.responseEncoder(m)
  const realDecode = io.responseDecoder(from, m.tid)
  const theirs = Buffer.from(realEncode())
  if (realDecode(theirs) === null)
    throw new Error(`${name}: the real decoder rejected its own bytes`)
  return {
    name,
    bytes: ours,
    realBytes: theirs,
    fns: {
      keymesh: { encode: () => encode(rpcResponse, m), decode: () => decode(rpcResponse, ours) },
      real: { encode: realEncode, decode: () => realDecode(theirs) }
    }
  }
}

function cases(): Case[] {
  const harness = new RealDhtRpc()
  const responder = { host: '88.99.3.86', port: 49737 }
  const nodes = Array.from({ length: 20 }, (_, i) => addr(i))

  const findNode: RpcRequest<Uint8Array> = {
    tid: 0x2a17,
    to: responder,
    id: null,
    token: null,
    internal: true,
    command: 2, // FIND_NODE
    target: bytes(32, 1),
    value: null
  }
  const response: RpcResponse<Uint8Array> = {
    tid: 0x2a17,
    to: { host: '203.0.113.7', port: 51234 },
    id: harness.peerId(responder.host, responder.port),
    token: bytes(32, 2),
    closerNodes: nodes,
    error: 0,
    value: null
  }
  const announceMsg: Announce<Uint8Array> = {
    peer: { publicKey: bytes(32, 3), relayAddresses: [addr(40), addr(41), addr(42)] },
    refresh: null,
    signature: bytes(64, 4),
    bump: 0
  }
  const put: MutablePutRequest<Uint8Array> = {
    publicKey: bytes(32, 5),
    seq: 1700000000123,
    value: bytes(1024, 6),
    signature: bytes(64, 7)
  }
  const clientPayload: NoisePayload<Uint8Array> = {
    version: 1,
    error: 0,
    firewall: 2, // CONSISTENT
    holepunch: null,
    addresses4: [{ host: '192.168.1.23', port: 50123 }],
    addresses6: [],
    udx: { version: 1, reusableSocket: false, id: 0x7a3c91e2, seq: 0 },
    secretStream: { version: 1 },
    relayThrough: null,
    relayAddresses: null
  }
  const punch: HolepunchPayload<Uint8Array> = {
    error: 0,
    firewall: 2,
    round: 1,
    connected: false,
    punching: true,
    addresses: [
      { host: '192.168.1.23', port: 50123 },
      { host: '198.51.100.4', port: 50123 }
    ],
    remoteAddress: { host: '203.0.113.7', port: 51234 },
    token: bytes(32, 8),
    remoteToken: bytes(32, 9)
  }

  return [
    requestCase('rpcRequest FIND_NODE', findNode, { host: '203.0.113.7', port: 51234 }),
    responseCase('rpcResponse id+token+20 nodes', response, responder),
    responseCase('rpcResponse token+20 nodes (no id)', { ...response, id: null }, responder),
    payloadCase('announce peer+signature', announce, real.announce, announceMsg),
    payloadCase('mutablePutRequest 1KB', mutablePutRequest, real.mutablePutRequest, put),
    payloadCase('noisePayload client', noisePayload, real.noisePayload, clientPayload),
    payloadCase('holepunchPayload', holepunchPayload, real.holepunchPayload, punch)
  ]
}

let sink = 0
function consume(v: unknown): void {
  // Touch the result so the call cannot be optimised away.
  sink = (sink + (v === null ? 1 : typeof v === 'object' ? 2 : 3)) | 0
}

interface Measurement {
  ops: number
  nsPerOp: number
}

const now = process.hrtime.bigint

/** Calls per clock read: about 0.2 ms of work. */
function batchSize(fn: () => unknown): number {
  let batch = 1
  for (;;) {
    const t0 = now()
    for (let i = 0; i < batch; i++) consume(fn())
    if (now() - t0 > 200_000n || batch >= 1 << 20) return batch
    batch *= 2
  }
}

/** Run `fn` in batches for `duration` ns; returns [calls, elapsed ns]. */
function timeSlice(fn: () => unknown, batch: number, duration: bigint): [number, number] {
  let ops = 0
  const start = now()
  const deadline = start + duration
  let end = start
  do {
    for (let i = 0; i < batch; i++) consume(fn())
    ops += batch
    end = now()
  } while (end < deadline)
  return [ops, Number(end - start)]
}

const SLICES = 3

/**
 * Time keymesh and real for one op: both warmed up, then timed in alternating slices (3 each,
 * RUN_NS in total per impl) so a noisy neighbour or a GC pause hits both alike.
 */
function measurePair(fns: Record<Impl, () => unknown>): Record<Impl, Measurement> {
  const impls = ['keymesh', 'real'] as const
  const batch = { keymesh: batchSize(fns.keymesh), real: batchSize(fns.real) }
  for (const impl of impls) timeSlice(fns[impl], batch[impl], WARMUP_NS)
  const total: Record<Impl, [number, number]> = { keymesh: [0, 0], real: [0, 0] }
  for (let s = 0; s < SLICES; s++) {
    for (const impl of impls) {
      const [ops, ns] = timeSlice(fns[impl], batch[impl], RUN_NS / BigInt(SLICES))
      total[impl][0] += ops
      total[impl][1] += ns
    }
  }
  const result = (impl: Impl): Measurement => {
    const [ops, ns] = total[impl]
    return { ops: (ops * 1e9) / ns, nsPerOp: ns / ops }
  }
  return { keymesh: result('keymesh'), real: result('real') }
}

function rssMb(): number {
  return Math.round((process.memoryUsage().rss / (1 << 20)) * 10) / 10
}

function main(): void {
  const all = cases()
  for (const k of all) {
    if (!k.bytes.equals(k.realBytes)) {
      console.error(
        `${k.name}: keymesh and real encodings differ\n  keymesh ${k.bytes.toString('hex')}\n  real    ${k.realBytes.toString('hex')}`
      )
      process.exitCode = 1
      return
    }
  }
  for (const k of all) {
    const result = {} as Record<Op, Record<Impl, Measurement>>
    for (const op of ['encode', 'decode'] as const) {
      result[op] = measurePair({ keymesh: k.fns.keymesh[op], real: k.fns.real[op] })
      for (const impl of ['keymesh', 'real'] as const) {
        const r = result[op][impl]
        console.log(
          JSON.stringify({
            name: k.name,
            impl,
            op,
            ops: Math.round(r.ops),
            ns_per_op: Math.round(r.nsPerOp * 10) / 10,
            bytes: k.bytes.byteLength,
            rss_mb: rssMb()
          })
        )
      }
    }
    const ratio = (op: Op) => Math.round((result[op].keymesh.ops / result[op].real.ops) * 100) / 100
    console.log(
      JSON.stringify({
        name: k.name,
        summary: 'keymesh/real ops per second',
        encode_ratio: ratio('encode'),
        decode_ratio: ratio('decode')
      })
    )
  }
  if (sink === 0x7fffffff) console.log('') // keep `sink` observable
}

main()
