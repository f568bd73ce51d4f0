// Tests for signAnnounce/Unannounce/Mutable and their verifiers against signatures.json.

import test from 'brittle'
import {
  keyPair,
  signAnnounce,
  signMutable,
  signUnannounce,
  verifyAnnounce,
  verifyMutable,
  verifyUnannounce
} from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { AnnounceVector, SignaturesFile } from './helpers/vectors.js'

const v = loadVector<SignaturesFile>('signatures.json')
const announcer = keyPair(fromHex(v.announce_keypair.seed_hex))
const owner = keyPair(fromHex(v.mutable_keypair.seed_hex))

type Signer = typeof signAnnounce
type Verifier = typeof verifyAnnounce

const CASES: [string, AnnounceVector, Signer, Verifier][] = [
  ['announce', v.announce, signAnnounce, verifyAnnounce],
  ['announce_with_refresh', v.announce_with_refresh, signAnnounce, verifyAnnounce],
  ['unannounce', v.unannounce, signUnannounce, verifyUnannounce]
]

type Fields = [Buffer, Buffer, Buffer, Buffer, Buffer | null]

function fields(c: AnnounceVector): Fields {
  return [
    fromHex(c.target_hex),
    fromHex(c.node_id_hex),
    fromHex(c.token_hex),
    fromHex(c.peer_encoding_hex),
    c.refresh_hex === '' ? null : fromHex(c.refresh_hex)
  ]
}

test('the vector key pairs', (t) => {
  t.is(toHex(announcer.publicKey), v.announce_keypair.publicKey_hex)
  t.is(toHex(owner.publicKey), v.mutable_keypair.publicKey_hex)
})

test('announce-style signatures equal the vectors and verify', (t) => {
  for (const [name, c, signer, verifier] of CASES) {
    const f = fields(c)
    const sig = signer(...f, announcer.secretKey)
    t.is(toHex(sig), c.signature_hex, `${name} signature`)
    t.ok(verifier(...f, fromHex(c.signature_hex), announcer.publicKey), `${name} verifies`)
  }
})

test('announce-style verification rejects any changed field', (t) => {
  for (const [name, c, , verifier] of CASES) {
    const sig = fromHex(c.signature_hex)
    for (let i = 0; i < 5; i++) {
      const f = fields(c)
      const field = f[i]
      if (field === null || field === undefined) {
        f[4] = Buffer.alloc(32)
      } else {
        field[0] = (field[0] ?? 0) ^ 1
      }
      t.absent(verifier(...f, sig, announcer.publicKey), `${name}: field ${i} changed`)
    }
    t.absent(verifier(...fields(c), sig, owner.publicKey), `${name}: wrong key`)
  }
  const f = fields(v.announce)
  t.absent(
    verifyUnannounce(...f, fromHex(v.announce.signature_hex), announcer.publicKey),
    'announce sig is not an unannounce sig'
  )
})

test('verifiers return false (never throw) on malformed input', (t) => {
  const c = v.announce
  const f = fields(c)
  const sig = fromHex(c.signature_hex)
  const bad: [string, () => boolean][] = [
    [
      'short target',
      () => verifyAnnounce(f[0].subarray(1), f[1], f[2], f[3], f[4], sig, announcer.publicKey)
    ],
    [
      'bad refresh',
      () => verifyAnnounce(f[0], f[1], f[2], f[3], Buffer.alloc(3), sig, announcer.publicKey)
    ],
    ['short signature', () => verifyAnnounce(...f, sig.subarray(1), announcer.publicKey)],
    ['short key', () => verifyUnannounce(...f, sig, announcer.publicKey.subarray(1))],
    [
      'string peer',
      () =>
        verifyAnnounce(
          f[0],
          f[1],
          f[2],
          'x' as unknown as Uint8Array,
          null,
          sig,
          announcer.publicKey
        )
    ],
    [
      'mutable: string value',
      () => verifyMutable('x' as unknown as Uint8Array, sig, owner.publicKey)
    ],
    ['mutable: short sig', () => verifyMutable(Buffer.alloc(2), sig.subarray(2), owner.publicKey)]
  ]
  for (const [name, fn] of bad) {
    let result: boolean | undefined
    t.execution(() => {
      result = fn()
    }, `${name}: no throw`)
    t.is(result, false, `${name}: false`)
  }
})

test('mutable signatures equal the vectors and verify', (t) => {
  t.is(v.mutable.length, 3)
  for (const c of v.mutable) {
    const encoded = fromHex(c.mutableSignable_hex)
    t.is(toHex(signMutable(encoded, owner.secretKey)), c.signature_hex, `seq ${c.seq} signature`)
    t.is(
      toHex(signMutable(encoded, fromHex(v.mutable_keypair.secretKey_hex))),
      c.signature_hex,
      `seq ${c.seq} with the vector secret key`
    )
    const sig = fromHex(c.signature_hex)
    t.ok(verifyMutable(encoded, sig, owner.publicKey), `seq ${c.seq} verifies`)
    const changed = Buffer.concat([encoded, Buffer.from([0])])
    t.absent(verifyMutable(changed, sig, owner.publicKey), `seq ${c.seq} changed value`)
    t.absent(verifyMutable(encoded, sig, announcer.publicKey), `seq ${c.seq} wrong key`)
  }
})

test('signers throw CryptoError on misuse', (t) => {
  const f = fields(v.announce)
  t.exception(() => signAnnounce(...f, announcer.publicKey), /INVALID_KEY_LENGTH/)
  t.exception(
    () => signUnannounce(f[0], f[1], f[2].subarray(2), f[3], null, announcer.secretKey),
    /INVALID_LENGTH/
  )
  t.exception(() => signMutable(Buffer.alloc(2), Buffer.alloc(10)), /INVALID_KEY_LENGTH/)
  t.exception(() => signMutable(null as unknown as Uint8Array, owner.secretKey), /INVALID_ARGUMENT/)
})
