// Tests: NoiseSecretStream reproduces vectors/secret-stream.json byte for byte (header, frames, datagrams).

import test from 'brittle'
import { keyPair } from '@keymesh/crypto'
import { NoiseSecretStream } from '../src/index.js'
import { RealSecretStream } from './helpers/real.js'
import { closed, datagramRawPair } from './helpers/streams.js'
import type { DatagramRaw } from './helpers/streams.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { NoiseIkFile, SecretStreamFile } from './helpers/vectors.js'

const v = loadVector<SecretStreamFile>('secret-stream.json')
const ik = loadVector<NoiseIkFile>('noise-ik-handshake.json')
const clientPk = keyPair(fromHex(ik.initiator.static_seed_hex)).publicKey
const serverPk = keyPair(fromHex(ik.responder.static_seed_hex)).publicKey
const hash = fromHex(v.keys.handshake_hash_hex)

type Box = SecretStreamFile['unordered_messages']['boxes'][number]

interface Wired {
  a: NoiseSecretStream
  b: NoiseSecretStream
  aRaw: DatagramRaw
  bRaw: DatagramRaw
  aWire: string[]
  bWire: string[]
}

function wire(counter = false): Wired {
  const [aRaw, bRaw] = datagramRawPair()
  const aWire: string[] = []
  const bWire: string[] = []
  // bridge ends emit what the other end wrote: tap both directions
  ;(bRaw as unknown as NodeJS.EventEmitter).on('data', (d: Buffer) => aWire.push(toHex(d)))
  ;(aRaw as unknown as NodeJS.EventEmitter).on('data', (d: Buffer) => bWire.push(toHex(d)))
  const a = new NoiseSecretStream(true, aRaw, {
    handshake: {
      tx: fromHex(v.keys.A_tx_hex),
      rx: fromHex(v.keys.A_rx_hex),
      hash,
      publicKey: clientPk,
      remotePublicKey: serverPk
    },
    _pinnedHeader: fromHex(v.pinned_secretstream_headers.A_header_hex),
    _pinnedSendCounter: counter ? fromHex(v.unordered_messages.initial_counter_hex) : null
  })
  const b = new NoiseSecretStream(false, bRaw, {
    handshake: {
      tx: fromHex(v.keys.B_tx_hex),
      rx: fromHex(v.keys.B_rx_hex),
      hash,
      publicKey: serverPk,
      remotePublicKey: clientPk
    },
    _pinnedHeader: fromHex(v.pinned_secretstream_headers.B_header_hex)
  })
  return { a, b, aRaw, bRaw, aWire, bWire }
}

test('frames A→B and B→A equal the recorded wire bytes', async (t) => {
  const { a, b, aWire, bWire } = wire()
  const receivedByB: string[] = []
  const receivedByA: string[] = []
  b.on('data', (d: Buffer) => receivedByB.push(d.toString()))
  a.on('data', (d: Buffer) => receivedByA.push(d.toString()))

  await Promise.all([a.opened, b.opened])
  a.write(Buffer.from('hello'))
  a.write(Buffer.from('world!'))
  a.sendKeepAlive() // queued behind the writes: must not be lost (see frameLength)
  b.write(Buffer.from('pong'))
  a.end()
  b.end()
  await Promise.all([closed(a), closed(b)])

  t.alike(aWire, v.wire_A_to_B, 'A → B: header, "hello", "world!", keep-alive')
  t.alike(bWire, v.wire_B_to_A, 'B → A: header, "pong"')
  t.alike(
    receivedByB,
    v.plaintexts_received_by_B,
    'B without keep-alive passes the empty message up'
  )
  t.alike(receivedByA, v.plaintexts_received_by_A)
  t.is(toHex(a.handshakeHash as Buffer), v.keys.handshake_hash_hex)
  t.is(
    a.rawBytesWritten,
    v.wire_A_to_B.slice(1).reduce((n, hex) => n + hex.length / 2, 0)
  )
  t.is(
    b.rawBytesRead,
    v.wire_A_to_B.slice(1).reduce((n, hex) => n + hex.length / 2 - 3, 0)
  )
})

test('the header frame carries NoiseSecretStream.id of the sender role', (t) => {
  const header = fromHex(v.wire_A_to_B[0] as string)
  t.alike(header.subarray(3, 35), NoiseSecretStream.id(hash, true))
  const out = Buffer.alloc(32)
  t.is(
    toHex(NoiseSecretStream.id(hash, false, out)),
    toHex(fromHex(v.wire_B_to_A[0] as string).subarray(3, 35))
  )
  t.is(toHex(out), toHex(fromHex(v.wire_B_to_A[0] as string).subarray(3, 35)), 'written into out')
})

test('unordered datagrams with the pinned counter: counter, tail and what B opens', async (t) => {
  const { a, b, aRaw } = wire(true)
  const opened: string[] = []
  const got = new Promise<void>((resolve) => {
    b.on('message', (m: Buffer) => {
      opened.push(m.toString())
      if (opened.length === v.unordered_messages.boxes.length) resolve()
    })
  })
  await Promise.all([a.opened, b.opened])
  const [first, second] = v.unordered_messages.boxes as [Box, Box]
  a.trySend(Buffer.from(first.plaintext))
  t.is(await a.send(Buffer.from(second.plaintext)), true)
  await got
  t.alike(opened, v.unordered_messages.opened_by_B)
  for (const [i, box] of [first, second].entries()) {
    const ours = aRaw.sent[i] as Buffer
    const recorded = fromHex(box.hex)
    const len = box.plaintext.length
    t.is(ours.byteLength, recorded.byteLength, `box ${i}: 8 + 16 + ${len} bytes`)
    t.alike(ours.subarray(0, 8), recorded.subarray(0, 8), `box ${i}: incremented counter`)
    // The recorded datagram was captured by reference and then opened in place by the real
    // receiver, so its first `len` bytes after the counter hold the plaintext; the rest of the
    // secretbox (end of the MAC, the ciphertext) is untouched and must match exactly.
    t.alike(ours.subarray(8 + len), recorded.subarray(8 + len), `box ${i}: secretbox tail`)
    t.is(recorded.subarray(8, 8 + len).toString(), box.plaintext, `box ${i}: vector artifact`)
  }
  a.destroy()
  await Promise.all([closed(a), closed(b)])
})

test('unordered datagrams: the real package seals the same bytes as ours', async (t) => {
  const [rawA] = datagramRawPair()
  const real = new RealSecretStream(true, rawA, {
    handshake: {
      tx: fromHex(v.keys.A_tx_hex),
      rx: fromHex(v.keys.A_rx_hex),
      hash,
      publicKey: clientPk,
      remotePublicKey: serverPk
    }
  })
  await real.opened
  // the reference keeps its counter and initial value at bytes 64..80 of `_sendState`
  const state = (real as unknown as { _sendState: Buffer })._sendState
  const initial = fromHex(v.unordered_messages.initial_counter_hex)
  state.set(initial, 64)
  state.set(initial, 72)
  const { a, aRaw } = wire(true)
  await a.opened
  for (const box of v.unordered_messages.boxes) {
    real.trySend(Buffer.from(box.plaintext))
    a.trySend(Buffer.from(box.plaintext))
  }
  t.alike(
    aRaw.sent.map((d) => toHex(d)),
    rawA.sent.map((d) => toHex(d)),
    'byte-identical datagrams'
  )
  real.destroy()
  a.destroy()
  await Promise.all([closed(real), closed(a)])
})
