// Tests for holepunchSecret, streamId and unorderedKeys against the handshake vectors.

import test from 'brittle'
import {
  keyedHash,
  NS,
  NS_SECRET_STREAM,
  holepunchSecret,
  streamId,
  unorderedKeys
} from '../src/index.js'
import { fromHex, loadVector, toHex } from './helpers/vectors.js'
import type { HandshakeResultFile, HolepunchFile, SecretStreamFile } from './helpers/vectors.js'

const { result } = loadVector<HandshakeResultFile>('noise-ik-handshake.json')
const stream = loadVector<SecretStreamFile>('secret-stream.json')
const holepunch = loadVector<HolepunchFile>('holepunch-payloads.json')
const HASH = fromHex(result.handshake_hash_hex)

test('vector files share one handshake hash', (t) => {
  t.is(HASH.byteLength, 64)
  t.is(stream.keys.handshake_hash_hex, result.handshake_hash_hex)
})

test('holepunch secret equals both vector files', (t) => {
  const secret = holepunchSecret(HASH)
  t.is(toHex(secret), result.holepunch_secret_hex, 'noise-ik-handshake.json')
  t.is(toHex(secret), holepunch.holepunch_secret_hex, 'holepunch-payloads.json')
  t.alike(secret, keyedHash(NS.PEER_HOLEPUNCH, HASH), 'H_hash(NS_PEER_HOLEPUNCH)')
  t.ok(Buffer.isBuffer(secret))
})

test('stream ids for both roles', (t) => {
  t.is(toHex(streamId(HASH, true)), result.secret_stream_id_initiator_hex, 'initiator')
  t.is(toHex(streamId(HASH, false)), result.secret_stream_id_responder_hex, 'responder')
  t.alike(streamId(HASH, true), keyedHash(NS_SECRET_STREAM.INITIATOR, HASH))
})

test('unordered keys: initiator (A) and the mirrored responder (B)', (t) => {
  const a = unorderedKeys(HASH, true)
  const b = unorderedKeys(HASH, false)
  const { A_send_key_hex, A_recv_key_hex } = stream.unordered_messages
  t.is(toHex(a.sendKey), A_send_key_hex, 'A send')
  t.is(toHex(a.recvKey), A_recv_key_hex, 'A recv')
  t.is(toHex(b.sendKey), A_recv_key_hex, 'B send = A recv')
  t.is(toHex(b.recvKey), A_send_key_hex, 'B recv = A send')
  t.unlike(a.sendKey, a.recvKey)
  t.alike(
    a.sendKey,
    keyedHash(Buffer.concat([NS_SECRET_STREAM.INITIATOR, NS_SECRET_STREAM.SEND]), HASH),
    'H_hash(NS_INITIATOR || NS_SEND)'
  )
})

test('a different handshake hash changes every value', (t) => {
  const other = Buffer.from(HASH)
  other[0] = (other[0] ?? 0) ^ 1
  t.unlike(holepunchSecret(other), holepunchSecret(HASH))
  t.unlike(streamId(other, true), streamId(HASH, true))
  t.unlike(unorderedKeys(other, true).sendKey, unorderedKeys(HASH, true).sendKey)
})

test('misuse throws CryptoError', (t) => {
  for (const len of [0, 32, 63, 65]) {
    const h = Buffer.alloc(len)
    t.exception(() => holepunchSecret(h), /INVALID_LENGTH/, `holepunchSecret ${len}`)
    t.exception(() => streamId(h, true), /INVALID_LENGTH/, `streamId ${len}`)
    t.exception(() => unorderedKeys(h, false), /INVALID_LENGTH/, `unorderedKeys ${len}`)
  }
  t.exception(() => streamId(HASH, 1 as unknown as boolean), /INVALID_ARGUMENT/)
  t.exception(() => unorderedKeys(HASH, undefined as unknown as boolean), /INVALID_ARGUMENT/)
  t.exception(() => holepunchSecret('h' as unknown as Uint8Array), /INVALID_ARGUMENT/)
})
