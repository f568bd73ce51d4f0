// Tests for NoiseHandshake / createHandshake: byte-exact IK vectors, the step trace, XX, misuse.

import test from 'brittle'
import { NS, holepunchSecret, keyPair, streamId } from '@keymesh/crypto'
import {
  NoiseHandshake,
  SecretStreamError,
  createHandshake,
  type HandshakeTraceStep
} from '../src/index.js'
import { dh, dhScalar } from '../src/ed25519-dh.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { NoiseIkFile, NoiseTraceFile, TraceStepVector } from './helpers/vectors.js'

const ik = loadVector<NoiseIkFile>('noise-ik-handshake.json')
const trace = loadVector<NoiseTraceFile>('noise-ik-trace.json')

const clientKp = keyPair(fromHex(ik.initiator.static_seed_hex))
const serverKp = keyPair(fromHex(ik.responder.static_seed_hex))
const clientEphemeral = (): ReturnType<typeof keyPair> =>
  keyPair(fromHex(ik.initiator.ephemeral_seed_hex))
const serverEphemeral = (): ReturnType<typeof keyPair> =>
  keyPair(fromHex(ik.responder.ephemeral_seed_hex))

interface Run {
  message1: Buffer
  message2: Buffer
  clientPayload: Buffer
  serverPayload: Buffer
  client: NoiseHandshake
  server: NoiseHandshake
  clientSteps: HandshakeTraceStep[]
  serverSteps: HandshakeTraceStep[]
}

function runVectorHandshake(): Run {
  const clientSteps: HandshakeTraceStep[] = []
  const serverSteps: HandshakeTraceStep[] = []
  const client = createHandshake(clientKp, serverKp.publicKey, {
    ephemeralKeyPair: clientEphemeral(),
    onstep: (s) => clientSteps.push(s)
  })
  const server = createHandshake(serverKp, null, {
    ephemeralKeyPair: serverEphemeral(),
    onstep: (s) => serverSteps.push(s)
  })
  const message1 = client.send(fromHex(ik.message1.payload_plain_hex))
  const clientPayload = server.recv(message1)
  const message2 = server.send(fromHex(ik.message2.payload_plain_hex))
  const serverPayload = client.recv(message2)
  return {
    message1,
    message2,
    clientPayload,
    serverPayload,
    client,
    server,
    clientSteps,
    serverSteps
  }
}

test('IK vector: both messages byte for byte with pinned ephemerals', (t) => {
  const run = runVectorHandshake()
  t.is(toHex(run.message1), ik.message1.hex, 'message 1')
  t.is(run.message1.byteLength, ik.message1.length)
  t.is(toHex(run.message2), ik.message2.hex, 'message 2')
  t.is(run.message2.byteLength, ik.message2.length)
  t.is(toHex(run.clientPayload), ik.message1.payload_plain_hex, 'server decrypts client payload')
  t.is(toHex(run.serverPayload), ik.message2.payload_plain_hex, 'client decrypts server payload')
  t.ok(run.client.complete && run.server.complete)
})

test('IK vector: handshake hash, split keys, holepunch secret and stream ids', (t) => {
  const { client, server } = runVectorHandshake()
  const c = client.final()
  const s = server.final()
  const r = ik.result
  t.is(toHex(c.hash), r.handshake_hash_hex)
  t.is(toHex(s.hash), r.handshake_hash_hex)
  t.is(toHex(c.tx), r.initiator_tx_hex)
  t.is(toHex(c.rx), r.initiator_rx_hex)
  t.is(toHex(s.tx), r.responder_tx_hex)
  t.is(toHex(s.rx), r.responder_rx_hex)
  t.is(toHex(holepunchSecret(c.hash)), r.holepunch_secret_hex)
  t.is(toHex(streamId(c.hash, true)), r.secret_stream_id_initiator_hex)
  t.is(toHex(streamId(c.hash, false)), r.secret_stream_id_responder_hex)
  t.is(c.isInitiator, true)
  t.is(s.isInitiator, false)
  t.alike(c.remotePublicKey, serverKp.publicKey, 'client authenticated the server')
  t.alike(s.remotePublicKey, clientKp.publicKey, 'server learned the client key')
  t.alike(c.publicKey, clientKp.publicKey)
  t.is(client.final(), c, 'final() is stable')
})

test('IK vector: prologue is NS_PEER_HANDSHAKE', (t) => {
  t.is(toHex(NS.PEER_HANDSHAKE), ik.prologue_hex)
  t.is(ik.protocol_name, 'Noise_IK_Ed25519_ChaChaPoly_BLAKE2b')
})

test('DH on Ed25519: clamped scalars and every DH output of the vector', (t) => {
  const scalars = {
    is: dhScalar(clientKp.secretKey),
    ie: dhScalar(clientEphemeral().secretKey),
    rs: dhScalar(serverKp.secretKey),
    re: dhScalar(serverEphemeral().secretKey)
  }
  t.is(toHex(scalars.is), ik.initiator.static_dh_scalar_hex)
  t.is(toHex(scalars.ie), ik.initiator.ephemeral_dh_scalar_hex)
  t.is(toHex(scalars.rs), ik.responder.static_dh_scalar_hex)
  t.is(toHex(scalars.re), ik.responder.ephemeral_dh_scalar_hex)
  const ie = fromHex(ik.initiator.ephemeral_publicKey_hex)
  const re = fromHex(ik.responder.ephemeral_publicKey_hex)
  const out = Buffer.alloc(32)
  const check = (pub: Buffer, scalar: Buffer, hex: string | undefined, label: string): void => {
    t.ok(dh(out, pub, scalar), label)
    t.is(toHex(out), hex, label)
  }
  check(serverKp.publicKey, scalars.ie, ik.dh_examples.es_initiator_side, 'es initiator')
  check(ie, scalars.rs, ik.dh_examples.es_responder_side, 'es responder')
  check(serverKp.publicKey, scalars.is, ik.dh_examples.ss, 'ss')
  check(re, scalars.ie, ik.dh_examples.ee, 'ee')
  check(re, scalars.is, ik.dh_examples.se_initiator_side, 'se initiator')
  check(clientKp.publicKey, scalars.re, ik.dh_examples.se_responder_side, 'se responder')
  t.absent(dh(out, Buffer.alloc(32), scalars.is), 'identity point rejected')
  t.absent(dh(out, Buffer.alloc(31), scalars.is), 'short point rejected')
})

function vectorOf(step: HandshakeTraceStep): Omit<TraceStepVector, 'side'> {
  switch (step.op) {
    case 'Initialize':
      return { op: 'InitializeSymmetric', h: toHex(step.h) }
    case 'MixHash':
      return { op: 'MixHash', input: toHex(step.input), h: toHex(step.h) }
    case 'MixKey':
      return { op: 'MixKey(DH)', dh_output: toHex(step.dh), ck: toHex(step.ck), k: toHex(step.k) }
    case 'EncryptAndHash':
    case 'DecryptAndHash':
      return {
        op: step.op,
        nonce_counter: step.nonce,
        plaintext: toHex(step.plaintext),
        ciphertext: toHex(step.ciphertext),
        h: toHex(step.h)
      }
  }
}

test('IK trace: every h / ck / k / ciphertext step of noise-ik-trace.json', (t) => {
  const run = runVectorHandshake()
  const expected = (side: 'initiator' | 'responder'): Omit<TraceStepVector, 'side'>[] =>
    trace.steps
      .filter((s) => s.side === side || s.side === 'both')
      .map(({ side: _side, ...rest }) => {
        if (rest.op === 'InitializeSymmetric') return { op: rest.op, h: rest.h as string }
        return rest
      })
  const compare = (actual: HandshakeTraceStep[], side: 'initiator' | 'responder'): void => {
    const want = expected(side)
    t.is(actual.length, want.length, `${side}: step count`)
    for (let i = 0; i < want.length; i++) {
      t.alike(vectorOf(actual[i] as HandshakeTraceStep), want[i], `${side} step ${i}`)
    }
  }
  compare(run.clientSteps, 'initiator')
  compare(run.serverSteps, 'responder')
  const first = run.clientSteps[0]
  t.ok(first?.op === 'Initialize' && first.ck.equals(first.h), 'ck starts equal to h')
})

test('IK: the message-1 input buffer is never modified (noise-handshake zeroes it)', (t) => {
  const client = createHandshake(clientKp, serverKp.publicKey)
  const server = createHandshake(serverKp)
  const m1 = client.send()
  const copy = Buffer.from(m1)
  server.recv(m1)
  const m2 = server.send()
  const copy2 = Buffer.from(m2)
  client.recv(m2)
  t.alike(m1, copy)
  t.alike(m2, copy2)
  t.alike(client.final().hash, server.final().hash)
})

test('XX: three messages, both sides agree and learn each other', (t) => {
  const a = new NoiseHandshake('XX', true, keyPair())
  const b = new NoiseHandshake('XX', false, keyPair())
  const m1 = a.send()
  t.is(m1.byteLength, 32, 'message 1 is the bare ephemeral key')
  b.recv(m1)
  const m2 = b.send()
  t.is(m2.byteLength, 32 + 48 + 16)
  a.recv(m2)
  t.alike(a.remotePublicKey, b.publicKey, 'initiator learns the responder key in message 2')
  const m3 = a.send()
  t.is(m3.byteLength, 48 + 16)
  t.ok(a.complete)
  b.recv(m3)
  t.ok(b.complete)
  t.alike(a.final().hash, b.final().hash)
  t.alike(a.final().tx, b.final().rx)
  t.alike(a.final().rx, b.final().tx)
  t.alike(b.final().remotePublicKey, a.publicKey)
})

test('payloads ride in messages and a 65 535-byte limit applies', (t) => {
  const a = new NoiseHandshake('XX', true, keyPair())
  const b = new NoiseHandshake('XX', false, keyPair())
  b.recv(a.send(Buffer.from('plain in XX message 1')))
  const big = new NoiseHandshake('XX', false, keyPair())
  big.recv(new NoiseHandshake('XX', true, keyPair()).send())
  t.exception(() => big.send(Buffer.alloc(65535)), /INVALID_ARGUMENT/)
  t.exception(() => big.send(), /INVALID_STATE/, 'unusable after failing')
})

test('misuse throws typed errors', (t) => {
  t.exception(() => createHandshake({ publicKey: Buffer.alloc(31), secretKey: Buffer.alloc(64) }))
  t.exception(
    () => new NoiseHandshake('IK', true, keyPair()),
    /INVALID_ARGUMENT/,
    'IK initiator without remote key'
  )
  t.exception(
    () => new NoiseHandshake('NN' as 'XX', true, keyPair()),
    /INVALID_ARGUMENT/,
    'unknown pattern'
  )
  const a = new NoiseHandshake('XX', true, keyPair())
  t.exception(() => a.recv(Buffer.alloc(32)), /INVALID_STATE/, 'initiator cannot receive first')
  t.exception(() => a.final(), /INVALID_STATE/, 'final before complete')
  a.send()
  t.exception(() => a.send(), /INVALID_STATE/, 'two sends in a row')
  try {
    a.final()
  } catch (err) {
    t.ok(err instanceof SecretStreamError && err.code === 'INVALID_STATE')
  }
})

test('bad messages fail with HANDSHAKE_FAILED and never a native error', (t) => {
  const cases: [string, (m1: Buffer) => Uint8Array][] = [
    ['empty', () => Buffer.alloc(0)],
    ['truncated', (m) => m.subarray(0, 40)],
    ['zero ephemeral', (m) => Buffer.concat([Buffer.alloc(32), m.subarray(32)])],
    ['flipped tag', (m) => Buffer.concat([m.subarray(0, -1), Buffer.from([(m.at(-1) ?? 0) ^ 1])])],
    ['oversized', () => Buffer.alloc(65536)]
  ]
  for (const [name, mutate] of cases) {
    const client = createHandshake(clientKp, serverKp.publicKey)
    const server = createHandshake(serverKp)
    const m1 = client.send()
    t.exception(() => server.recv(mutate(m1)), /HANDSHAKE_FAILED/, name)
    t.exception(() => server.send(), /INVALID_STATE/, `${name}: unusable afterwards`)
  }
  const client = createHandshake(clientKp, keyPair().publicKey)
  const server = createHandshake(serverKp)
  t.exception(() => server.recv(client.send()), /HANDSHAKE_FAILED/, 'wrong server key')
})

test('IK: every single-bit flip of message 1 or message 2 is rejected', (t) => {
  const m1 = fromHex(ik.message1.hex)
  const m2 = fromHex(ik.message2.hex)
  const accepted: string[] = []
  for (let i = 0; i < m1.byteLength * 8; i++) {
    const bad = Buffer.from(m1)
    bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7))
    const server = createHandshake(serverKp, null, { ephemeralKeyPair: serverEphemeral() })
    try {
      server.recv(bad)
      accepted.push(`message 1 bit ${i}`)
    } catch (err) {
      if ((err as SecretStreamError).code !== 'HANDSHAKE_FAILED') accepted.push(`m1 ${i}: ${err}`)
    }
  }
  for (let i = 0; i < m2.byteLength * 8; i++) {
    const bad = Buffer.from(m2)
    bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7))
    const client = createHandshake(clientKp, serverKp.publicKey, {
      ephemeralKeyPair: clientEphemeral()
    })
    client.send(fromHex(ik.message1.payload_plain_hex))
    try {
      client.recv(bad)
      accepted.push(`message 2 bit ${i}`)
    } catch (err) {
      if ((err as SecretStreamError).code !== 'HANDSHAKE_FAILED') accepted.push(`m2 ${i}: ${err}`)
    }
  }
  t.alike(accepted, [], `${(m1.byteLength + m2.byteLength) * 8} tampered messages all rejected`)
})
