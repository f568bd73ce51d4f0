// Benchmark: hot crypto operations of @keymesh/crypto next to the real hyperdht, one JSON line each.

import { createRequire } from 'node:module'
import { TokenSecrets, keyPair, nodeId, sign, verify } from '../src/index.js'

interface RefKeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

const requireHere = createRequire(import.meta.url)
const requireFromHyperdht = createRequire(requireHere.resolve('hyperdht'))
const HyperDHT = requireHere('hyperdht') as { keyPair(seed?: Uint8Array): RefKeyPair }
// hyperdht signs through hypercore-crypto and derives ids/tokens through dht-rpc
const hc = requireFromHyperdht('hypercore-crypto') as {
  sign(message: Uint8Array, secretKey: Uint8Array): Buffer
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean
}
const peer = requireFromHyperdht('dht-rpc/lib/peer.js') as {
  id(host: string, port: number): Buffer
}
const IO = requireFromHyperdht('dht-rpc/lib/io.js') as {
  prototype: { token(this: unknown, addr: { host: string }, i: number): Buffer }
}

const WARMUP_MS = 100
const MEASURE_MS = 500
const BATCH = 200

interface Result {
  name: string
  impl: 'keymesh' | 'hyperdht'
  ops: number
  ns_per_op: number
}

// the result of each call goes into a sink so the JIT cannot drop the work
let sink = 0

function run(
  name: string,
  impl: Result['impl'],
  fn: () => { byteLength: number } | boolean
): Result {
  const until = (ms: number): number => {
    const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n
    let ops = 0
    while (process.hrtime.bigint() < end) {
      for (let i = 0; i < BATCH; i++) {
        const out = fn()
        sink += typeof out === 'boolean' ? Number(out) : out.byteLength
      }
      ops += BATCH
    }
    return ops
  }
  until(WARMUP_MS)
  const start = process.hrtime.bigint()
  const ops = until(MEASURE_MS)
  const elapsed = Number(process.hrtime.bigint() - start)
  return {
    name,
    impl,
    ops: Math.round((ops * 1e9) / elapsed),
    ns_per_op: Math.round(elapsed / ops)
  }
}

const seed = Buffer.alloc(32, 7)
const kp = keyPair(seed)
const message = Buffer.alloc(64, 1)
const signature = sign(message, kp.secretKey)
const secret0 = Buffer.alloc(32, 0xa0)
const secret1 = Buffer.alloc(32, 0xa1)
const tokens = new TokenSecrets([secret0, secret1])
const io = { _secrets: [secret0, secret1] }
const addr = { host: '88.99.3.86' }

const cases: [
  string,
  () => { byteLength: number } | boolean,
  () => { byteLength: number } | boolean
][] = [
  ['keyPair', () => keyPair(seed).publicKey, () => HyperDHT.keyPair(seed).publicKey],
  ['sign', () => sign(message, kp.secretKey), () => hc.sign(message, kp.secretKey)],
  [
    'verify',
    () => verify(message, signature, kp.publicKey),
    () => hc.verify(message, signature, kp.publicKey)
  ],
  ['nodeId', () => nodeId('88.99.3.86', 49737), () => peer.id('88.99.3.86', 49737)],
  ['token', () => tokens.issue('88.99.3.86'), () => IO.prototype.token.call(io, addr, 1)]
]

for (const [name, ours, theirs] of cases) {
  console.log(JSON.stringify(run(name, 'keymesh', ours)))
  console.log(JSON.stringify(run(name, 'hyperdht', theirs)))
}

if (sink === -1) console.log('unreachable')
