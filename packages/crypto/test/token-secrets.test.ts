// Tests for TokenSecrets: token vectors, issue/verify, rotation and lazy secrets.

import test from 'brittle'
import { TokenSecrets, hash } from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { IdsAndTokensFile } from './helpers/vectors.js'

const { token: v } = loadVector<IdsAndTokensFile>('dht-rpc-ids-and-tokens.json')
const S0 = fromHex(v.secrets.secret0_hex)
const S1 = fromHex(v.secrets.secret1_hex)

function pinned(): TokenSecrets {
  return new TokenSecrets([S0, S1])
}

test('token(host, i) for every vector case and both secrets', (t) => {
  t.is(v.cases.length, 2)
  const s = pinned()
  for (const c of v.cases) {
    t.is(toHex(s.token(c.host, 0)), c.with_secret0_hex, `${c.host} secret0`)
    t.is(toHex(s.token(c.host, 1)), c.with_secret1_hex, `${c.host} secret1`)
    t.is(toHex(s.issue(c.host)), c.with_secret1_hex, `${c.host} issue uses secret1`)
  }
})

test('verify accepts secret1 and secret0 tokens, rejects others', (t) => {
  const s = pinned()
  for (const c of v.cases) {
    t.ok(s.verify(fromHex(c.with_secret1_hex), c.host), `${c.host} secret1 token`)
    t.ok(s.verify(fromHex(c.with_secret0_hex), c.host), `${c.host} secret0 token`)
    t.ok(s.verify(new Uint8Array(fromHex(c.with_secret1_hex)), c.host), 'plain Uint8Array')
  }
  const [a, b] = v.cases
  if (!a || !b) return t.fail('need two cases')
  t.absent(s.verify(fromHex(a.with_secret1_hex), b.host), 'token for another host')
  const flipped = fromHex(a.with_secret1_hex)
  flipped[31] = (flipped[31] ?? 0) ^ 1
  t.absent(s.verify(flipped, a.host), 'flipped bit')
  t.absent(s.verify(Buffer.alloc(32), a.host), 'zero token')
  t.absent(s.verify(fromHex(a.with_secret1_hex).subarray(0, 31), a.host), '31 bytes')
  t.absent(
    s.verify(Buffer.concat([fromHex(a.with_secret1_hex), Buffer.alloc(1)]), a.host),
    '33 bytes'
  )
  t.absent(s.verify(null as unknown as Uint8Array, a.host), 'null token')
})

test('rotation matches the vector and moves validity as specified', (t) => {
  const s = pinned()
  s.rotate()
  const [r0, r1] = s.exportSecrets()
  t.is(toHex(r0), v.rotation.after_one_rotation.secret0_hex, 'new secret0 = old secret1')
  t.is(toHex(r1), v.rotation.after_one_rotation.secret1_hex, 'new secret1 = H(old secret0)')
  t.alike(r1, hash(S0))
  for (const c of v.cases) {
    t.is(toHex(s.token(c.host, 0)), c.with_secret1_hex, `${c.host}: slot 0 now has old secret1`)
    t.ok(s.verify(fromHex(c.with_secret1_hex), c.host), `${c.host}: last issued token still valid`)
    t.absent(s.verify(fromHex(c.with_secret0_hex), c.host), `${c.host}: oldest token expired`)
  }
  s.rotate()
  for (const c of v.cases) {
    t.absent(
      s.verify(fromHex(c.with_secret1_hex), c.host),
      `${c.host}: invalid after two rotations`
    )
  }
})

test('injected secrets are copied', (t) => {
  const a = Buffer.from(S0)
  const b = Buffer.from(S1)
  const s = new TokenSecrets([a, b])
  a.fill(0)
  b.fill(0)
  const c = v.cases[0]
  if (!c) return t.fail('no case')
  t.is(toHex(s.token(c.host, 1)), c.with_secret1_hex)
  const exported = s.exportSecrets()
  exported[1].fill(0)
  t.is(toHex(s.token(c.host, 1)), c.with_secret1_hex, 'exported copies do not alias')
})

test('lazy random secrets', (t) => {
  const a = new TokenSecrets()
  const b = new TokenSecrets()
  a.rotate()
  const [a0, a1] = a.exportSecrets()
  t.is(a0.byteLength, 32)
  t.unlike(a0, a1, 'two independent secrets')
  t.alike(a.exportSecrets(), [a0, a1], 'stable once drawn')
  t.unlike(b.issue('1.2.3.4'), a.issue('1.2.3.4'), 'instances differ')
  t.ok(a.verify(a.issue('1.2.3.4'), '1.2.3.4'))
  t.absent(b.verify(a.issue('1.2.3.4'), '1.2.3.4'))
  a.rotate()
  t.alike(a.exportSecrets()[0], a1, 'rotation after lazy init')
})

test('misuse throws CryptoError', (t) => {
  t.exception(() => new TokenSecrets([S0, S1.subarray(0, 31)]), /INVALID_KEY_LENGTH/)
  t.exception(() => new TokenSecrets([Buffer.alloc(33), S1]), /INVALID_KEY_LENGTH/)
  t.exception(
    () => new TokenSecrets([S0] as unknown as [Uint8Array, Uint8Array]),
    /INVALID_ARGUMENT/
  )
  t.exception(
    () => new TokenSecrets(['a', 'b'] as unknown as [Uint8Array, Uint8Array]),
    /INVALID_ARGUMENT/
  )
  const s = pinned()
  t.exception(() => s.token('1.2.3.4', 2 as 0), /INVALID_ARGUMENT/)
  t.exception(() => s.issue(5 as unknown as string), /INVALID_ARGUMENT/)
  t.exception(() => s.verify(Buffer.alloc(32), null as unknown as string), /INVALID_ARGUMENT/)
})
