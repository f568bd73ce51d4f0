// Tests for SecurePayload: the holepunch-payloads vectors, round trips, tampering and tokens.

import test from 'brittle'
import sodium from 'sodium-universal'
import { FIREWALL, HolepunchError, SecurePayload } from '../src/index.js'
import { fromHex, loadVector } from './helpers/vectors.js'
import type { HolepunchPayloadsFile } from './helpers/vectors.js'

const V = loadVector<HolepunchPayloadsFile>('holepunch-payloads.json')
const SECRET = fromHex(V.holepunch_secret_hex)
const LOCAL = fromHex(V.local_secret_hex)

const SAMPLE = {
  error: 0,
  firewall: FIREWALL.CONSISTENT,
  round: 3,
  connected: false,
  punching: true,
  addresses: [{ host: '203.0.113.9', port: 50123 }],
  remoteAddress: { host: '198.51.100.7', port: 4000 },
  token: Buffer.alloc(32, 1),
  remoteToken: Buffer.alloc(32, 2)
}

function hex(b: Uint8Array | null): string | null {
  return b === null ? null : Buffer.from(b).toString('hex')
}

test('decrypts every vector to its decoded form', (t) => {
  t.ok(V.payloads.length >= 4, 'vectors present')
  const sp = new SecurePayload(SECRET)
  for (const v of V.payloads) {
    const got = sp.decrypt(fromHex(v.encrypted_hex))
    if (got === null) {
      t.fail(`${v.name}: decrypts`)
      continue
    }
    t.alike({ ...got, token: hex(got.token), remoteToken: hex(got.remoteToken) }, v.decoded, v.name)
  }
})

test('vector ciphertexts are secretbox(plain, nonce, secret) with the nonce in front', (t) => {
  for (const v of V.payloads) {
    const plain = fromHex(v.plain_hex)
    const box = Buffer.alloc(plain.byteLength + 16)
    sodium.crypto_secretbox_easy(box, plain, fromHex(v.nonce_hex), SECRET)
    t.is(Buffer.concat([fromHex(v.nonce_hex), box]).toString('hex'), v.encrypted_hex, v.name)
  }
})

test('encrypt then decrypt round-trips, with a fresh nonce each time', (t) => {
  const a = new SecurePayload(SECRET)
  const b = new SecurePayload(SECRET)
  const sealed = a.encrypt(SAMPLE)
  const again = a.encrypt(SAMPLE)
  t.not(
    sealed.subarray(0, 24).toString('hex'),
    again.subarray(0, 24).toString('hex'),
    'nonces differ'
  )
  const got = b.decrypt(sealed)
  t.alike(got, SAMPLE)
})

test('a payload with every optional field absent round-trips', (t) => {
  const sp = new SecurePayload(SECRET)
  const minimal = {
    error: 2,
    firewall: FIREWALL.UNKNOWN,
    round: 0,
    connected: true,
    punching: false,
    addresses: null,
    remoteAddress: null,
    token: null,
    remoteToken: null
  }
  t.alike(sp.decrypt(sp.encrypt(minimal)), minimal)
})

test('encrypting a vector plaintext reproduces its length layout', (t) => {
  const sp = new SecurePayload(SECRET)
  for (const v of V.payloads) {
    const sealed = sp.encrypt({
      ...v.decoded,
      token: v.decoded.token === null ? null : fromHex(v.decoded.token),
      remoteToken: v.decoded.remoteToken === null ? null : fromHex(v.decoded.remoteToken)
    })
    t.is(sealed.byteLength, fromHex(v.encrypted_hex).byteLength, v.name)
  }
})

test('any flipped bit makes decrypt return null', (t) => {
  const sp = new SecurePayload(SECRET)
  const sealed = sp.encrypt(SAMPLE)
  let nulls = 0
  for (let i = 0; i < sealed.byteLength; i++) {
    const bad = Buffer.from(sealed)
    bad[i] = (bad[i] ?? 0) ^ 0x01
    if (sp.decrypt(bad) === null) nulls++
  }
  t.is(nulls, sealed.byteLength, 'nonce, MAC and ciphertext are all covered')
})

test('the wrong secret makes decrypt return null', (t) => {
  const sealed = new SecurePayload(SECRET).encrypt(SAMPLE)
  t.is(new SecurePayload(Buffer.alloc(32, 9)).decrypt(sealed), null)
})

test('too short inputs return null (up to nonce + MAC with no plaintext)', (t) => {
  const sp = new SecurePayload(SECRET)
  for (let n = 0; n <= 40; n++) t.is(sp.decrypt(Buffer.alloc(n)), null, `${n} bytes`)
  // A valid box of an empty plaintext is still refused, as hyperdht does.
  const nonce = Buffer.alloc(24, 3)
  const box = Buffer.alloc(16)
  sodium.crypto_secretbox_easy(box, Buffer.alloc(0), nonce, SECRET)
  t.is(sp.decrypt(Buffer.concat([nonce, box])), null, 'empty plaintext')
})

test('authentic but undecodable plaintexts return null', (t) => {
  const sp = new SecurePayload(SECRET)
  const seal = (plain: Buffer): Buffer => {
    const nonce = Buffer.alloc(24, 5)
    const box = Buffer.alloc(plain.byteLength + 16)
    sodium.crypto_secretbox_easy(box, plain, nonce, SECRET)
    return Buffer.concat([nonce, box])
  }
  t.is(sp.decrypt(seal(Buffer.from([0x04, 0, 2]))), null, 'truncated')
  t.is(sp.decrypt(seal(Buffer.from([0x10, 0, 2, 0, 1, 2]))), null, 'token flag without token')
  t.is(sp.decrypt(seal(Buffer.from([0xfd]))), null, 'truncated uint')
})

test('trailing bytes after the payload are ignored (hyperdht decodes from a state)', (t) => {
  const sp = new SecurePayload(SECRET)
  const v = V.payloads[0]!
  const plain = Buffer.concat([fromHex(v.plain_hex), Buffer.from([1, 2, 3])])
  const nonce = Buffer.alloc(24, 7)
  const box = Buffer.alloc(plain.byteLength + 16)
  sodium.crypto_secretbox_easy(box, plain, nonce, SECRET)
  const got = sp.decrypt(Buffer.concat([nonce, box]))
  t.is(got?.round, v.decoded.round)
  t.alike(got?.addresses, v.decoded.addresses)
})

test('decrypt never throws on garbage', (t) => {
  const sp = new SecurePayload(SECRET)
  let thrown = 0
  for (let i = 0; i < 500; i++) {
    const buf = Buffer.alloc(i % 120)
    for (let j = 0; j < buf.byteLength; j++) buf[j] = (i * 31 + j * 17) & 0xff
    try {
      if (sp.decrypt(buf) !== null) t.fail('garbage decrypted')
    } catch {
      thrown++
    }
  }
  const odd: unknown[] = [null, undefined, 'string', 42, {}, [1, 2, 3]]
  for (const x of odd) {
    try {
      t.is(sp.decrypt(x as Uint8Array), null)
    } catch {
      thrown++
    }
  }
  t.is(thrown, 0)
})

test('decrypted tokens do not alias the input buffer', (t) => {
  const sp = new SecurePayload(SECRET)
  const sealed = sp.encrypt(SAMPLE)
  const got = sp.decrypt(sealed)
  sealed.fill(0)
  t.alike(got?.token, SAMPLE.token)
})

test('token(addr) matches the vector examples under the pinned local secret', (t) => {
  const sp = new SecurePayload(SECRET, LOCAL)
  for (const ex of V.token_examples) {
    t.is(sp.token({ host: ex.host, port: 1234 }).toString('hex'), ex.token_hex, ex.host)
  }
  t.alike(
    sp.token({ host: '203.0.113.9', port: 1 }),
    sp.token({ host: '203.0.113.9', port: 2 }),
    'port excluded'
  )
})

test('token() uses a random local secret per instance by default', (t) => {
  const a = new SecurePayload(SECRET)
  const b = new SecurePayload(SECRET)
  const addr = { host: '203.0.113.9', port: 1 }
  t.alike(a.token(addr), a.token(addr), 'stable per instance')
  t.unlike(a.token(addr), b.token(addr), 'differs between instances')
  t.is(a.token(addr).byteLength, 32)
})

test('secrets must be 32 bytes', (t) => {
  t.exception(() => new SecurePayload(Buffer.alloc(31)), /INVALID_ARGUMENT/)
  t.exception(() => new SecurePayload(SECRET, Buffer.alloc(16)), /INVALID_ARGUMENT/)
  t.exception(() => new SecurePayload('x' as unknown as Uint8Array), /INVALID_ARGUMENT/)
  try {
    new SecurePayload(Buffer.alloc(0))
  } catch (err) {
    t.ok(err instanceof HolepunchError)
    t.is((err as HolepunchError).code, 'INVALID_ARGUMENT')
  }
})

test('the secret is copied: later writes to the caller buffer do not matter', (t) => {
  const secret = Buffer.from(SECRET)
  const sp = new SecurePayload(secret)
  secret.fill(0)
  t.ok(sp.decrypt(fromHex(V.payloads[0]!.encrypted_hex)) !== null)
})
