// keymesh extension codecs: golden bytes, round trips, and malformed input only raising WireError.

import test from 'brittle'
import {
  KEYMESH_COMMANDS,
  KEYMESH_COMMAND_BASE,
  KEYMESH_WIRE_ERRORS,
  COMMANDS,
  WIRE_ERRORS,
  WireError,
  decode,
  encode,
  namedRecord,
  namedSignable,
  notifyMessage,
  tryDecode,
  unwatchRequest,
  watchReply,
  watchRequest,
  type Codec
} from '../src/index.js'
import { Rng } from './helpers/random-messages.js'

const id = Buffer.alloc(16, 0xaa)
const key32 = Buffer.alloc(32, 0x11)
const sig = Buffer.alloc(64, 0x22)

test('command ids and error numbers stay clear of hyperdht', (t) => {
  for (const c of Object.values(KEYMESH_COMMANDS)) {
    t.ok(c >= KEYMESH_COMMAND_BASE, `command ${c}`)
    t.absent(Object.values(COMMANDS).includes(c as never))
  }
  for (const e of Object.values(KEYMESH_WIRE_ERRORS)) {
    t.absent(Object.values(WIRE_ERRORS).includes(e as never), `error ${e}`)
  }
})

test('watchRequest golden bytes', (t) => {
  const bytes = encode(watchRequest, { kind: 1, id, ttl: 60_000 })
  // uint 1 | 16 x 0xaa | uint 60000 = fd 60 ea
  t.is(bytes.toString('hex'), '01' + 'aa'.repeat(16) + 'fd60ea')
  t.alike(decode(watchRequest, bytes), { kind: 1, id, ttl: 60_000 })
  t.is(encode(watchReply, 30_000).toString('hex'), 'fd3075')
  t.alike(decode(unwatchRequest, encode(unwatchRequest, id)), id)
})

test('notifyMessage golden bytes: record, and peers with overflow', (t) => {
  const rec = Buffer.from([1, 2, 3])
  const a = encode(notifyMessage, {
    id,
    kind: 1,
    record: rec,
    added: [],
    removed: [],
    overflow: false
  })
  t.is(a.toString('hex'), 'aa'.repeat(16) + '01' + '01' + '03010203' + '00' + '00')
  const b = encode(notifyMessage, {
    id,
    kind: 2,
    record: null,
    added: [{ publicKey: key32, relayAddresses: [{ host: '127.0.0.1', port: 258 }] }],
    removed: [key32],
    overflow: true
  })
  t.is(
    b.toString('hex'),
    'aa'.repeat(16) +
      '02' +
      '02' +
      '01' +
      '11'.repeat(32) +
      '01' +
      '7f000001' +
      '0201' +
      '01' +
      '11'.repeat(32)
  )
  const d = decode(notifyMessage, b)
  t.is(d.overflow, true)
  t.is(d.record, null)
  t.alike(d.added[0]?.relayAddresses, [{ host: '127.0.0.1', port: 258 }])
  t.alike(d.removed, [key32])
})

test('namedRecord golden bytes and signable prefix', (t) => {
  const r = {
    key: 'ab',
    publicKey: key32,
    seq: 2,
    expTime: 0,
    value: Buffer.from('hi'),
    signature: sig
  }
  const bytes = encode(namedRecord, r)
  t.is(bytes.toString('hex'), '026162' + '11'.repeat(32) + '02' + '00' + '026869' + '22'.repeat(64))
  t.alike(decode(namedRecord, bytes), r)
  t.is(encode(namedSignable, r).toString('hex'), '026162' + '02' + '00' + '026869')
})

test('oversized keys and lists are refused on encode and decode', (t) => {
  t.exception(
    () => encode(namedSignable, { key: 'x'.repeat(257), seq: 0, expTime: 0, value: id }),
    /ENCODE_FAILED/
  )
  const tooMany = Array.from({ length: 21 }, () => key32)
  t.exception(
    () =>
      encode(notifyMessage, {
        id,
        kind: 2,
        record: null,
        added: [],
        removed: tooMany,
        overflow: false
      }),
    /ENCODE_FAILED/
  )
  // a hand-made NOTIFY listing 21 removed keys
  const bad = Buffer.concat([id, Buffer.from([2, 0, 0, 21]), Buffer.alloc(21 * 32)])
  t.exception(() => decode(notifyMessage, bad), /DECODE_FAILED/)
  t.exception(
    () => decode(notifyMessage, Buffer.concat([id, Buffer.from([2, 4, 0, 0])])),
    /DECODE_FAILED/
  )
})

test('truncations, flips and random bytes only ever raise WireError', (t) => {
  const samples: [Codec<never, unknown>, Buffer][] = [
    [watchRequest, encode(watchRequest, { kind: 3, id, ttl: 1 })],
    [
      notifyMessage,
      encode(notifyMessage, {
        id,
        kind: 2,
        record: Buffer.from('x'),
        added: [{ publicKey: key32, relayAddresses: [] }],
        removed: [key32],
        overflow: false
      })
    ],
    [
      namedRecord,
      encode(namedRecord, {
        key: 'k',
        publicKey: key32,
        seq: 9,
        expTime: 1_900_000_000,
        value: Buffer.alloc(40),
        signature: sig
      })
    ]
  ]
  const rng = new Rng(0x6b657931)
  let bad = 0
  let tried = 0
  const tryOne = (codec: Codec<never, unknown>, input: Buffer): void => {
    tried++
    try {
      decode(codec, input)
    } catch (err) {
      if (!(err instanceof WireError) || err.code !== 'DECODE_FAILED') bad++
    }
  }
  for (const [codec, bytes] of samples) {
    for (let i = 0; i < bytes.byteLength; i++) tryOne(codec, bytes.subarray(0, i))
    for (let n = 0; n < 2000; n++) {
      const copy = Buffer.from(bytes)
      const at = rng.int(0, copy.byteLength - 1)
      copy[at] = rng.int(0, 255)
      tryOne(codec, copy)
      tryOne(codec, rng.bytes(rng.int(0, 80)))
    }
    t.is(tryDecode(codec, bytes.subarray(0, 1)), null, `${codec.name}: truncated is null`)
  }
  t.is(bad, 0, `${tried} inputs, none raised anything but DECODE_FAILED`)
})
