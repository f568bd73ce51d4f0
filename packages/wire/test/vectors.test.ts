// Golden vectors: every file in vectors/ decodes to its listed fields and encodes to its bytes.

import test from 'brittle'
import {
  COMMANDS,
  MODES,
  announce,
  bitfield7,
  buffer,
  decode,
  encode,
  fixed32,
  fixed64,
  handshake,
  holepunch,
  holepunchPayload,
  ipv4Address,
  ipv4AddressArray,
  ipv6Address,
  lookupRawReply,
  mutableGetRequest,
  mutableGetResponse,
  mutablePutRequest,
  mutableSignable,
  noisePayload,
  pair,
  peer,
  pluginRequest,
  protomuxFrame,
  rpcRequest,
  rpcResponse,
  sealedPayload,
  secretStreamHeader,
  secretStreamMessage,
  string,
  uint,
  uint16,
  uint24,
  uint32,
  unorderedMessage,
  unpair,
  type Codec,
  type RpcRequest,
  type RpcResponse
} from '../src/index.js'
import { hex, loadVector, plain, vectorFiles, type TestContext } from './helpers/vectors.js'

type T = TestContext
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** Vector files whose content has no wire-level part; they are checked by the named package. */
const COVERED_ELSEWHERE: Record<string, string> = {
  'namespaces-and-hashes.json': '@keymesh/crypto'
}

const anyBytes = buffer(1 << 24)
const anyString = string(1 << 16)

/** Decode `hexStr` with `codec`, compare to `expected` (plain form), re-encode to the same bytes. */
function roundTrip<I, O>(
  t: T,
  codec: Codec<I, O>,
  hexStr: string,
  expected: unknown,
  label: string
) {
  const decoded = decode(codec, hex(hexStr))
  t.alike(plain(decoded), expected, `${label}: decodes to the listed fields`)
  t.is(
    encode(codec, decoded as unknown as I).toString('hex'),
    hexStr,
    `${label}: encodes to the listed bytes`
  )
  return decoded
}

const handlers: Record<string, (t: T, v: Json) => void> = {
  'compact-encoding.json'(t, v) {
    for (const c of v.uint) roundTrip(t, uint, c.hex, c.value, `uint ${c.value}`)
    for (const c of v.uint_noncanonical_decode) {
      t.is(decode(uint, hex(c.hex)), c.decodes_to, `non-minimal uint ${c.hex}`)
    }
    for (const c of v.uint16) roundTrip(t, uint16, c.hex, c.value, `uint16 ${c.value}`)
    for (const c of v.uint24) roundTrip(t, uint24, c.hex, c.value, `uint24 ${c.value}`)
    for (const c of v.uint32) roundTrip(t, uint32, c.hex, c.value, `uint32 ${c.value}`)
    for (const c of v.buffer) {
      if (c.hex_prefix) {
        const value = Buffer.alloc(300, 0x11)
        const bytes = encode(anyBytes, value)
        t.is(bytes.byteLength, c.total_length, 'buffer(300) length')
        t.ok(bytes.toString('hex').startsWith(c.hex_prefix), 'buffer(300) prefix')
        t.alike(decode(anyBytes, bytes), value, 'buffer(300) decodes')
      } else {
        const out = roundTrip(t, anyBytes, c.hex, c.value_hex, `buffer ${c.value_hex}`)
        t.ok(out !== null, 'an empty buffer decodes to a buffer, not null')
      }
    }
    for (const c of v.string) roundTrip(t, anyString, c.hex, c.value, `string "${c.value}"`)
    roundTrip(t, fixed32, v.fixed32.hex, v.fixed32.value_hex, 'fixed32')
    roundTrip(t, fixed64, v.fixed64.hex, v.fixed64.value_hex, 'fixed64')
    for (const c of v.ipv4Address)
      roundTrip(t, ipv4Address, c.hex, c.value, `ipv4Address ${c.value.host}`)
    for (const c of v.ipv6Address) {
      t.is(encode(ipv6Address, c.value).toString('hex'), c.hex, 'ipv6Address encodes')
      t.alike(
        decode(ipv6Address, hex(c.hex)),
        { host: c.decoded_host, port: c.value.port },
        'ipv6Address decodes'
      )
    }
    for (const c of v.ipv4AddressArray) {
      roundTrip(t, ipv4AddressArray(64), c.hex, c.value, `ipv4Address[${c.value.length}]`)
    }
    for (const c of v.bitfield7) {
      const bits = (c.bits as boolean[]).reduce((n, b, i) => n | ((b ? 1 : 0) << i), 0)
      roundTrip(t, bitfield7, c.hex, bits, `bitfield7 ${JSON.stringify(c.bits)}`)
    }
  },

  'dht-rpc-packets.json'(t, v) {
    for (const e of v.exchanges) checkExchange(t, e, v.node_B_id_hex)
  },
  'hyperdht-announce-packets.json'(t, v) {
    for (const e of v.exchanges) checkExchange(t, e, v.node_B_id_hex)
  },
  'hyperdht-mutable-immutable-packets.json'(t, v) {
    for (const e of v.exchanges) checkExchange(t, e, v.node_B_id_hex)
  },

  'hyperdht-routing-packets.json'(t, v) {
    const idOf = (from: { host: string; port: number }) =>
      from.host === v.actors.B.host && from.port === v.actors.B.port ? v.actors.B_id_hex : null
    for (const chain of v.chains) {
      for (const step of chain.steps) {
        const isRequest = step.kind.startsWith('request')
        const m = checkDatagram(t, step, idOf(step.udp_from), `${chain.name}: ${step.kind}`)
        const inner = step.inner
        if (isRequest) {
          const req = m as RpcRequest
          t.is(req.internal, false, 'routing commands are application commands')
          t.is(req.target?.toString('hex'), v.server_target_hex, 'target = H(server key)')
        }
        const value = m.value as Buffer
        if (inner.value_type === 'handshake') {
          const h = roundTrip(
            t,
            handshake,
            value.toString('hex'),
            plain(decode(handshake, value)),
            'handshake'
          )
          t.is(h.mode, MODES[inner.mode as keyof typeof MODES], `mode ${inner.mode}`)
          t.is(h.noise.byteLength, inner.noise_length, 'noise length')
          t.ok(inner.noise_hex_prefix.startsWith(h.noise.toString('hex', 0, 8)), 'noise prefix')
          t.alike(h.peerAddress, inner.peerAddress, 'peerAddress')
          t.alike(h.relayAddress, inner.relayAddress, 'relayAddress')
        } else {
          const h = roundTrip(
            t,
            holepunch,
            value.toString('hex'),
            plain(decode(holepunch, value)),
            'holepunch'
          )
          t.is(h.mode, MODES[inner.mode as keyof typeof MODES], `mode ${inner.mode}`)
          t.is(h.id, inner.id, 'slot id')
          t.is(h.payload.toString('hex'), inner.payload_hex, 'encrypted payload')
          t.alike(h.peerAddress, inner.peerAddress, 'peerAddress')
          t.alike(decode(sealedPayload, h.payload).nonce, h.payload.subarray(0, 24), 'sealed nonce')
        }
      }
    }
    checkExchange(t, v.no_route, v.actors.B_id_hex)
  },

  'hyperdht-messages.json'(t, v) {
    const sections: [string, Codec<never, unknown>][] = [
      ['handshake', handshake],
      ['holepunch', holepunch],
      ['peer', peer],
      ['lookupRawReply', lookupRawReply],
      ['announce', announce],
      ['mutablePutRequest', mutablePutRequest],
      ['mutableGetResponse', mutableGetResponse],
      ['pluginRequest', pluginRequest]
    ]
    for (const [name, codec] of sections) {
      for (const c of v[name]) {
        if (name === 'lookupRawReply' && c.decoded.bump === 0 && c.name.includes('legacy')) {
          // Older nodes omit the bump; we decode that, but always write it (as hyperdht does).
          t.alike(plain(decode(codec, hex(c.hex))), c.decoded, `${name}: ${c.name}`)
          t.is(
            encode(lookupRawReply, decode(lookupRawReply, hex(c.hex))).toString('hex'),
            c.hex + '00',
            'bump 0 is written'
          )
        } else {
          roundTrip(t, codec, c.hex, c.decoded, `${name}: ${c.name}`)
        }
      }
    }
    for (const c of v.noisePayload) {
      if (c.decoded.version === 1) {
        roundTrip(t, noisePayload, c.hex, c.decoded, `noisePayload: ${c.name}`)
      } else {
        t.alike(plain(decode(noisePayload, hex(c.hex))), c.decoded, `noisePayload: ${c.name}`)
        t.is(
          encode(noisePayload, decode(noisePayload, hex(c.hex))).toString('hex'),
          c.hex.slice(0, 2),
          'unknown version encodes as just the version'
        )
      }
    }
    for (const c of v.mutableSignable) {
      const m = decode(mutableSignable, hex(c.hex))
      t.is(m.seq, c.decoded.seq, 'mutableSignable seq')
      t.is(m.value.toString(), c.decoded.value_utf8, 'mutableSignable value')
      t.is(encode(mutableSignable, m).toString('hex'), c.hex, 'mutableSignable encodes')
    }
    for (const c of v.mutableGetRequestValue) roundTrip(t, mutableGetRequest, c.hex, 0, c.name)
  },

  'signatures.json'(t, v) {
    for (const name of ['announce', 'announce_with_refresh', 'unannounce']) {
      const c = v[name]
      const p = decode(peer, hex(c.peer_encoding_hex))
      t.is(encode(peer, p).toString('hex'), c.peer_encoding_hex, `${name}: peer encoding`)
      const a = decode(announce, hex(c.request_value_hex))
      t.is(a.signature?.toString('hex'), c.signature_hex, `${name}: signature field`)
      t.is(a.refresh?.toString('hex') ?? '', c.refresh_hex, `${name}: refresh field`)
      t.is(
        encode(peer, a.peer!).toString('hex'),
        c.peer_encoding_hex,
        `${name}: carries the signed peer`
      )
      t.is(encode(announce, a).toString('hex'), c.request_value_hex, `${name}: request value`)
    }
    for (const c of v.mutable) {
      const s = encode(mutableSignable, { seq: c.seq, value: hex(c.value_hex) })
      t.is(s.toString('hex'), c.mutableSignable_hex, `mutable seq ${c.seq}: signable body`)
      const put = decode(mutablePutRequest, hex(c.put_request_value_hex))
      t.alike(
        plain(put),
        {
          publicKey: v.mutable_keypair.publicKey_hex,
          seq: c.seq,
          value: c.value_hex,
          signature: c.signature_hex
        },
        `mutable seq ${c.seq}: put request`
      )
      t.is(
        encode(mutablePutRequest, put).toString('hex'),
        c.put_request_value_hex,
        'put re-encodes'
      )
      roundTrip(
        t,
        mutableGetResponse,
        c.stored_get_response_hex,
        { seq: c.seq, value: c.value_hex, signature: c.signature_hex },
        `mutable seq ${c.seq}: stored form`
      )
    }
  },

  'noise-ik-handshake.json'(t, v) {
    for (const m of [v.message1, v.message2]) {
      roundTrip(t, noisePayload, m.payload_plain_hex, toWirePayload(m.payload_decoded), m.direction)
    }
  },

  'noise-ik-trace.json'(t, v) {
    let payloads = 0
    for (const s of v.steps) {
      if (s.op !== 'EncryptAndHash' && s.op !== 'DecryptAndHash') continue
      if (s.plaintext.length === 64) continue // the encrypted static key, not a payload
      const p = decode(noisePayload, hex(s.plaintext))
      t.is(p.version, 1, `${s.side} ${s.op}: payload version`)
      t.is(
        encode(noisePayload, p).toString('hex'),
        s.plaintext,
        `${s.side} ${s.op}: payload re-encodes`
      )
      payloads++
    }
    t.is(payloads, 4, 'both payloads, on both sides')
  },

  'holepunch-payloads.json'(t, v) {
    for (const c of v.payloads) {
      const p = roundTrip(
        t,
        holepunchPayload,
        c.plain_hex,
        c.decoded,
        `holepunchPayload: ${c.name}`
      )
      const sealed = roundTrip(
        t,
        sealedPayload,
        c.encrypted_hex,
        plain(decode(sealedPayload, hex(c.encrypted_hex))),
        'sealed'
      )
      t.is(sealed.nonce.toString('hex'), c.nonce_hex, 'nonce comes first')
      t.is(
        sealed.box.byteLength,
        16 + encode(holepunchPayload, p).byteLength,
        'box = MAC + plaintext'
      )
    }
  },

  'secret-stream.json'(t, v) {
    const ids = loadVector('noise-ik-handshake.json').result
    const check = (
      frames: string[],
      id: string,
      headerHex: string,
      plaintexts: string[],
      side: string
    ) => {
      const [first, ...rest] = frames as [string, ...string[]]
      roundTrip(
        t,
        secretStreamHeader,
        first,
        { streamId: id, header: headerHex },
        `${side} header frame`
      )
      rest.forEach((f, i) => {
        const body = decode(secretStreamMessage, hex(f))
        t.is(
          body.byteLength,
          Buffer.byteLength(plaintexts[i] as string) + 17,
          `${side} frame ${i + 1} length`
        )
        t.is(
          encode(secretStreamMessage, body).toString('hex'),
          f,
          `${side} frame ${i + 1} re-encodes`
        )
      })
    }
    check(
      v.wire_A_to_B,
      ids.secret_stream_id_initiator_hex,
      v.pinned_secretstream_headers.A_header_hex,
      v.plaintexts_received_by_B,
      'A'
    )
    check(
      v.wire_B_to_A,
      ids.secret_stream_id_responder_hex,
      v.pinned_secretstream_headers.B_header_hex,
      v.plaintexts_received_by_A,
      'B'
    )
    const counter = hex(v.unordered_messages.initial_counter_hex)
    for (const box of v.unordered_messages.boxes) {
      counter[0]!++ // incremented before each message
      const m = roundTrip(
        t,
        unorderedMessage,
        box.hex,
        plain(decode(unorderedMessage, hex(box.hex))),
        box.plaintext
      )
      t.alike(m.counter, counter, 'counter incremented before each message')
      t.is(m.box.byteLength, 16 + Buffer.byteLength(box.plaintext), 'box = MAC + plaintext')
    }
  },

  'blind-relay-protomux.json'(t, v) {
    const enc = v.message_encodings
    const pairI = roundTrip(
      t,
      pair,
      enc.pair_initiator,
      plain(decode(pair, hex(enc.pair_initiator))),
      'pair (initiator)'
    )
    t.is(pairI.isInitiator, true, 'initiator flag')
    t.is(pairI.id, 0x1111, 'initiator stream id')
    const pairN = roundTrip(
      t,
      pair,
      enc.pair_non_initiator,
      plain(decode(pair, hex(enc.pair_non_initiator))),
      'pair (non-initiator)'
    )
    t.is(pairN.isInitiator, false, 'non-initiator flag')
    t.is(pairN.id, 0x2222, 'non-initiator stream id')
    roundTrip(t, unpair, enc.unpair, { token: pairI.token.toString('hex') }, 'unpair')
    const relayIds = new Set<number>(v.paired_results.map((r: Json) => r.relayStreamId))
    for (const [frames, id] of [
      [v.frames_peerA_connection, v.channel.id_A_hex],
      [v.frames_peerB_connection, v.channel.id_B_hex]
    ]) {
      for (const f of frames) {
        const frame = roundTrip(
          t,
          protomuxFrame,
          f.hex,
          plain(decode(protomuxFrame, hex(f.hex))),
          `frame from ${f.from}`
        )
        if (frame.kind === 'open') {
          t.is(frame.protocol, v.channel.protocol, 'open: protocol')
          t.is(frame.id?.toString('hex'), id, 'open: channel id = opener key')
          t.is(frame.channel, 1, 'open: first local id')
        } else if (frame.kind === 'message') {
          if (frame.type === 0) {
            const p = decode(pair, frame.message)
            t.is(p.token.toString('hex'), pairI.token.toString('hex'), 'pair token')
            if (f.from === 'relay') t.ok(relayIds.has(p.id), 'relay answers with its stream id')
          } else {
            t.is(frame.type, 1, 'unpair message type')
            decode(unpair, frame.message)
          }
        } else {
          t.fail(`unexpected frame kind ${frame.kind}`)
        }
      }
    }
  },

  'dht-rpc-ids-and-tokens.json'(t, v) {
    for (const c of v.node_id.cases) {
      t.is(
        encode(ipv4Address, { host: c.host, port: c.port }).toString('hex'),
        c.hash_input_hex,
        `node id input ${c.host}:${c.port}`
      )
    }
  }
}

/** The decoded payload in the vector uses hyperdht's field names; ours are the same. */
function toWirePayload(decoded: Json): Json {
  return decoded
}

/** Check one request/response exchange. */
function checkExchange(t: T, e: Json, nodeIdHex: string): void {
  const bId = (from: Json) =>
    from.port === 49737 && from.host === '198.51.100.7' ? nodeIdHex : null
  const req = checkDatagram(
    t,
    e.request,
    bId(e.request.udp_from),
    `${e.name}: request`
  ) as RpcRequest
  const res = checkDatagram(
    t,
    e.response,
    bId(e.response.udp_from),
    `${e.name}: response`
  ) as RpcResponse
  t.is(res.tid, req.tid, 'the response carries the request tid')
  const command = req.internal ? -1 : req.command
  if (e.request.value_decoded) checkValue(t, command, 'request', req.value, e.request.value_decoded)
  if (e.response.value_decoded)
    checkValue(t, command, 'response', res.value, e.response.value_decoded)
}

function checkValue(
  t: T,
  command: number,
  side: string,
  value: Buffer | null,
  expected: Json
): void {
  t.ok(value, `${side} carries a value`)
  const codec =
    side === 'request'
      ? command === COMMANDS.MUTABLE_PUT
        ? mutablePutRequest
        : announce
      : command === COMMANDS.LOOKUP
        ? lookupRawReply
        : command === COMMANDS.FIND_PEER
          ? peer
          : mutableGetResponse
  const decoded = plain(decode(codec as Codec<never, unknown>, value as Buffer)) as Json
  const want = { ...expected }
  if ('value_utf8' in want) {
    want.value = Buffer.from(want.value_utf8).toString('hex')
    delete want.value_utf8
  }
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'string' && v.length < (decoded[k]?.length ?? 0)) {
      t.ok(decoded[k].startsWith(v), `${side} value.${k} (abbreviated in the vector)`)
    } else {
      t.alike(decoded[k], v, `${side} value.${k}`)
    }
  }
  t.is(
    encode(
      codec as Codec<unknown, unknown>,
      decode(codec as Codec<never, unknown>, value as Buffer)
    ).toString('hex'),
    (value as Buffer).toString('hex'),
    `${side} value re-encodes`
  )
}

/** Decode a datagram, compare to `decoded`, check every field's position in `layout`, re-encode. */
function checkDatagram(
  t: T,
  d: Json,
  idHex: string | null,
  label: string
): RpcRequest | RpcResponse {
  const bytes = hex(d.hex)
  const isRequest = d.kind.startsWith('request')
  const m = isRequest ? decode(rpcRequest, bytes) : decode(rpcResponse, bytes)
  const want = d.decoded
  if (want) {
    t.is(m.tid, want.tid, `${label}: tid`)
    t.alike(m.to, want.to, `${label}: to`)
    if ('token' in want) t.is(m.token?.toString('hex'), want.token, `${label}: token`)
    else t.is(m.token, null, `${label}: no token`)
    if ('value' in want && !String(want.value).startsWith('(')) {
      t.is(m.value?.toString('hex'), want.value, `${label}: value`)
    } else if (!('value' in want)) {
      t.is(m.value, null, `${label}: no value`)
    }
    if (isRequest) {
      const r = m as RpcRequest
      t.is(r.internal, want.internal, `${label}: internal`)
      t.is(r.command, want.command, `${label}: command`)
      t.is(r.target?.toString('hex') ?? null, want.target ?? null, `${label}: target`)
    } else {
      const r = m as RpcResponse
      t.alike(r.closerNodes, want.closerNodes ?? null, `${label}: closerNodes`)
      t.is(r.error, want.error ?? 0, `${label}: error`)
      t.is(r.id !== null, want.responder_id_valid === true, `${label}: id present`)
    }
  }
  // Only a persistent node's server socket sends an id, and it is H(its address).
  const expectId = idHex !== null && String(d.sent_on).includes('serverSocket')
  t.is(m.id?.toString('hex') ?? null, expectId ? idHex : null, `${label}: id`)
  checkLayout(t, m, isRequest, bytes, d.layout, label)
  t.is(
    (isRequest
      ? encode(rpcRequest, m as RpcRequest)
      : encode(rpcResponse, m as RpcResponse)
    ).toString('hex'),
    d.hex,
    `${label}: re-encodes byte for byte`
  )
  return m
}

/** Every `field@offset+length` in the vector's layout holds exactly our encoding of that field. */
function checkLayout(
  t: T,
  m: RpcRequest | RpcResponse,
  isRequest: boolean,
  bytes: Buffer,
  layout: string,
  label: string
): void {
  let end = 0
  for (const part of layout.split(' ')) {
    const match = /^(\w+)@(\d+)\+(\d+)$/.exec(part)
    if (!match) {
      t.fail(`${label}: unreadable layout part ${part}`)
      continue
    }
    const [, field, off, len] = match as unknown as [string, string, string, string]
    const at = Number(off)
    const slice = bytes.subarray(at, at + Number(len)).toString('hex')
    end = Math.max(end, at + Number(len))
    const req = m as RpcRequest
    const res = m as RpcResponse
    const expected: Record<string, () => Buffer> = {
      type: () => Buffer.from([isRequest ? 0x03 : 0x13]),
      flags: () => encode(uint, bytes[1] as number),
      tid: () => encode(uint16, m.tid),
      to: () => encode(ipv4Address, m.to),
      id: () => m.id as Buffer,
      token: () => m.token as Buffer,
      command: () => encode(uint, req.command),
      target: () => req.target as Buffer,
      value: () => encode(anyBytes, m.value as Buffer),
      closerNodes: () => encode(ipv4AddressArray(20), res.closerNodes ?? []),
      error: () => encode(uint, res.error)
    }
    const get = expected[field]
    if (!get) t.fail(`${label}: unknown layout field ${field}`)
    else t.is(slice, get().toString('hex'), `${label}: ${field} at byte ${at}`)
  }
  t.is(end, bytes.byteLength, `${label}: layout covers the whole datagram`)
}

test('every vector file has a wire check or a named owner', (t) => {
  for (const f of vectorFiles()) {
    t.ok(f in handlers || f in COVERED_ELSEWHERE, `${f} is covered`)
  }
})

for (const file of vectorFiles()) {
  const handler = handlers[file]
  if (!handler) continue
  test(`vectors: ${file}`, (t) => handler(t, loadVector(file)))
}
