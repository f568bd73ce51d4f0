// Valid sample encodings of every codec, grouped by family: the starting points for mutation.

import {
  announce,
  bitfield7,
  buffer,
  decode,
  delayedPingValue,
  downHintValue,
  encode,
  handshake,
  holepunch,
  holepunchPayload,
  hyperdhtAddress,
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
  pingNatValue,
  pluginRequest,
  protomuxFrame,
  rpcRequest,
  rpcResponse,
  sealedPayload,
  secretStreamFrame,
  secretStreamHeader,
  secretStreamMessage,
  string,
  uint,
  unorderedMessage,
  unpair,
  type Codec
} from '../../src/index.js'
import { hex, loadVector } from './vectors.js'

/** One codec and valid encodings of it. */
export interface Seeded {
  codec: Codec<never, unknown>
  seeds: Buffer[]
}

function add(map: Map<string, Seeded>, codec: Codec<never, unknown>, ...seeds: Buffer[]): void {
  const entry = map.get(codec.name) ?? { codec, seeds: [] }
  entry.seeds.push(...seeds)
  map.set(codec.name, entry)
}

/** Every codec family with its seeds. */
export function seedFamilies(): Record<string, Seeded[]> {
  const rpc = new Map<string, Seeded>()
  for (const file of [
    'dht-rpc-packets.json',
    'hyperdht-announce-packets.json',
    'hyperdht-mutable-immutable-packets.json'
  ]) {
    for (const e of loadVector(file).exchanges) {
      add(rpc, rpcRequest, hex(e.request.hex))
      add(rpc, rpcResponse, hex(e.response.hex))
    }
  }
  const routing = loadVector('hyperdht-routing-packets.json')
  const hd = new Map<string, Seeded>()
  for (const chain of routing.chains) {
    for (const step of chain.steps) {
      const isRequest = step.kind.startsWith('request')
      const m = isRequest ? decode(rpcRequest, hex(step.hex)) : decode(rpcResponse, hex(step.hex))
      add(rpc, isRequest ? rpcRequest : rpcResponse, hex(step.hex))
      add(hd, step.inner.value_type === 'handshake' ? handshake : holepunch, m.value as Buffer)
    }
  }
  add(rpc, pingNatValue, encode(pingNatValue, 50001))
  add(rpc, downHintValue, encode(downHintValue, { host: '10.1.2.3', port: 49737 }))
  add(rpc, delayedPingValue, encode(delayedPingValue, 3))

  const msgs = loadVector('hyperdht-messages.json')
  const byName: Record<string, Codec<never, unknown>> = {
    handshake,
    holepunch,
    peer,
    lookupRawReply,
    announce,
    mutableSignable,
    mutablePutRequest,
    mutableGetResponse,
    pluginRequest
  }
  for (const [name, codec] of Object.entries(byName)) {
    for (const c of msgs[name]) add(hd, codec, hex(c.hex))
  }
  for (const c of msgs.mutableGetRequestValue) add(hd, mutableGetRequest, hex(c.hex))
  const sigs = loadVector('signatures.json')
  for (const name of ['announce', 'announce_with_refresh', 'unannounce']) {
    add(hd, announce, hex(sigs[name].request_value_hex))
    add(hd, peer, hex(sigs[name].peer_encoding_hex))
  }
  for (const c of sigs.mutable) {
    add(hd, mutablePutRequest, hex(c.put_request_value_hex))
    add(hd, mutableGetResponse, hex(c.stored_get_response_hex))
    add(hd, mutableSignable, hex(c.mutableSignable_hex))
  }
  const key = hex(sigs.announce_keypair.publicKey_hex)
  add(hd, hyperdhtAddress, encode(hyperdhtAddress, { publicKey: key, nodes: [] }), key)
  add(
    hd,
    hyperdhtAddress,
    encode(hyperdhtAddress, {
      publicKey: key,
      nodes: [
        { host: '192.0.2.1', port: 49737 },
        { host: '198.51.100.7', port: 1 }
      ]
    })
  )

  const noise = new Map<string, Seeded>()
  for (const c of msgs.noisePayload) add(noise, noisePayload, hex(c.hex))
  const ik = loadVector('noise-ik-handshake.json')
  add(noise, noisePayload, hex(ik.message1.payload_plain_hex), hex(ik.message2.payload_plain_hex))

  const punch = new Map<string, Seeded>()
  for (const c of loadVector('holepunch-payloads.json').payloads) {
    add(punch, holepunchPayload, hex(c.plain_hex))
    add(punch, sealedPayload, hex(c.encrypted_hex))
  }

  const stream = new Map<string, Seeded>()
  const ss = loadVector('secret-stream.json')
  for (const frames of [ss.wire_A_to_B, ss.wire_B_to_A]) {
    add(stream, secretStreamHeader, hex(frames[0]))
    for (const f of frames.slice(1)) {
      add(stream, secretStreamMessage, hex(f))
      add(stream, secretStreamFrame, hex(f))
    }
  }
  for (const b of ss.unordered_messages.boxes) add(stream, unorderedMessage, hex(b.hex))

  const relay = new Map<string, Seeded>()
  const br = loadVector('blind-relay-protomux.json')
  add(
    relay,
    pair,
    hex(br.message_encodings.pair_initiator),
    hex(br.message_encodings.pair_non_initiator)
  )
  add(relay, unpair, hex(br.message_encodings.unpair))
  for (const f of [...br.frames_peerA_connection, ...br.frames_peerB_connection]) {
    add(relay, protomuxFrame, hex(f.hex))
  }
  add(
    relay,
    protomuxFrame,
    encode(protomuxFrame, {
      kind: 'batch',
      messages: [
        { channel: 1, type: 0, message: hex(br.message_encodings.pair_initiator) },
        { channel: 2, type: 1, message: hex(br.message_encodings.unpair) }
      ]
    }),
    encode(protomuxFrame, { kind: 'close', channel: 3 }),
    encode(protomuxFrame, { kind: 'reject', channel: 7 })
  )

  const prim = new Map<string, Seeded>()
  const ce = loadVector('compact-encoding.json')
  for (const c of ce.uint) add(prim, uint, hex(c.hex))
  const bytes = buffer(4096)
  for (const c of ce.buffer) if (c.hex) add(prim, bytes, hex(c.hex))
  const str = string(4096)
  for (const c of ce.string) add(prim, str, hex(c.hex))
  const addrs = ipv4AddressArray(64)
  for (const c of ce.ipv4AddressArray) add(prim, addrs, hex(c.hex))
  for (const c of ce.ipv6Address) add(prim, ipv6Address, hex(c.hex))
  for (const c of ce.bitfield7) add(prim, bitfield7, hex(c.hex))

  return {
    'dht-rpc': [...rpc.values()],
    hyperdht: [...hd.values()],
    'noise-payload': [...noise.values()],
    holepunch: [...punch.values()],
    'secret-stream': [...stream.values()],
    'blind-relay': [...relay.values()],
    primitives: [...prim.values()]
  }
}
