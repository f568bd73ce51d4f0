// Seeded, deterministic generators of random VALID messages for every codec family.
//
// Everything here is a pure function of the seed: a failing message is reproduced by running
// the same family with the same seed (printed in the test names) and the same index.

import type {
  Announce,
  Handshake,
  Holepunch,
  HolepunchPayload,
  MutableGetResponse,
  MutablePutRequest,
  MutableSignable,
  NoisePayload,
  Peer,
  PeerAddress,
  PluginRequest,
  RpcRequest,
  RpcResponse
} from '../../src/index.js'

/** mulberry32: a tiny 32-bit PRNG, good enough for test-input generation. */
export class Rng {
  private state: number

  constructor(readonly seed: number) {
    this.state = seed >>> 0
  }

  /** A uniform uint32. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.next() >>> 11) * 0x100000000 + this.next()) / 2 ** 53
  }

  /** A uniform integer in [lo, hi] (inclusive), for 0 <= lo <= hi <= 2^53-1. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1))
  }

  /** True with probability `p`. */
  bool(p = 0.5): boolean {
    return this.float() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff
    return out
  }

  /** A derived generator: independent stream, same determinism. */
  fork(label: number): Rng {
    return new Rng((Math.imul(this.next() ^ label, 0x9e3779b1) + label) >>> 0)
  }
}

/** Seed from `KEYMESH_DIFF_SEED` (a number, or `random`), else a fixed default. */
export function seedFromEnv(defaultSeed = 0x6b6d7731): number {
  const raw = process.env.KEYMESH_DIFF_SEED
  if (raw === undefined || raw === '') return defaultSeed
  if (raw === 'random') return (Math.random() * 0x100000000) >>> 0
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new Error(`bad KEYMESH_DIFF_SEED ${raw}`)
  return n
}

/** Seed of family `family` given the run seed: each family has its own stream. */
export function familySeed(seed: number, family: string): number {
  let h = seed >>> 0
  for (let i = 0; i < family.length; i++) h = Math.imul(h ^ family.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** The uint size-class boundaries of compact-encoding (§1.1). */
const UINT_EDGES = [
  0,
  1,
  0xfb,
  0xfc,
  0xfd,
  0xfe,
  0xff,
  0x100,
  0xfffe,
  0xffff,
  0x10000,
  0x10001,
  0xfffffffe,
  0xffffffff,
  0x100000000,
  0x100000001,
  2 ** 52,
  MAX_SAFE - 1,
  MAX_SAFE
] as const

/**
 * A uint spread evenly across the four encoded size classes (1, 3, 5, 9 bytes) with the class
 * edges overrepresented, capped at `max`.
 */
export function uintAcross(rng: Rng, max = MAX_SAFE): number {
  if (rng.bool(0.15)) {
    const edge = rng.pick(UINT_EDGES)
    if (edge <= max) return edge
  }
  const cls = rng.int(0, 3)
  const [lo, hi] =
    cls === 0
      ? [0, 0xfc]
      : cls === 1
        ? [0xfd, 0xffff]
        : cls === 2
          ? [0x10000, 0xffffffff]
          : [0x100000000, MAX_SAFE]
  if (lo > max) return rng.int(0, max)
  return rng.int(lo, Math.min(hi, max))
}

/** Mostly small (the common case), sometimes anything across the size classes. */
export function smallOrAny(rng: Rng, smallMax: number, pAny = 0.1): number {
  return rng.bool(pAny) ? uintAcross(rng) : rng.int(0, smallMax)
}

/** A canonical dotted-quad IPv4 host. */
export function ipv4Host(rng: Rng): string {
  if (rng.bool(0.05))
    return rng.pick(['0.0.0.0', '255.255.255.255', '127.0.0.1', '10.0.0.1', '192.168.1.254'])
  return `${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`
}

export function port(rng: Rng, min = 0): number {
  if (rng.bool(0.05)) {
    const edge = rng.pick([0, 1, 0xff, 0x100, 49737, 0xfffe, 0xffff])
    if (edge >= min) return edge
  }
  return rng.int(min, 0xffff)
}

export function ipv4Addr(rng: Rng, minPort = 0): PeerAddress {
  return { host: ipv4Host(rng), port: port(rng, minPort) }
}

export function ipv4List(rng: Rng, min: number, max: number): PeerAddress[] {
  const n = rng.int(min, max)
  const out: PeerAddress[] = []
  for (let i = 0; i < n; i++) out.push(ipv4Addr(rng))
  return out
}

/**
 * An IPv6 host in the form both decoders print: eight groups, lowercase hex, no leading zeros
 * and no `::` compression. Zero groups are common, to exercise compression-free zeros.
 */
export function ipv6Host(rng: Rng): string {
  const groups: string[] = []
  for (let i = 0; i < 8; i++) groups.push((rng.bool(0.3) ? 0 : rng.int(0, 0xffff)).toString(16))
  return groups.join(':')
}

export function ipv6Addr(rng: Rng): PeerAddress {
  return { host: ipv6Host(rng), port: port(rng) }
}

/** Random bytes of a length in [min, max]; lengths around the uint size edge (252/253) favoured. */
export function bytesBetween(rng: Rng, min: number, max: number): Buffer {
  let n: number
  const r = rng.float()
  if (r < 0.1 && max >= 0xfd) n = rng.int(Math.max(min, 0xfa), Math.min(max, 0x100))
  else if (r < 0.5) n = rng.int(min, Math.min(max, 64))
  else n = rng.int(min, max)
  return rng.bytes(n)
}

export function maybe<T>(rng: Rng, p: number, make: () => T): T | null {
  return rng.bool(p) ? make() : null
}

/** A random valid UTF-8 string (no lone surrogates): ASCII, Latin-1, CJK and astral chars. */
export function utf8String(rng: Rng, maxChars: number): string {
  const n = rng.int(0, maxChars)
  let s = ''
  const ascii = rng.bool(0.6)
  for (let i = 0; i < n; i++) {
    const kind = ascii ? 0 : rng.int(0, 3)
    const cp =
      kind === 0
        ? rng.int(0x20, 0x7e)
        : kind === 1
          ? rng.int(0xa0, 0x7ff)
          : kind === 2
            ? rng.int(0x3000, 0xd7ff)
            : rng.int(0x10000, 0x10ffff)
    s += String.fromCodePoint(cp)
  }
  return s
}

// ---- message generators ---------------------------------------------------------------------

export type MutableSignableMessage = MutableSignable<Uint8Array>

/** LOOKUP reply as generated: peers are always records (the tests derive the raw forms). */
export interface LookupMessage {
  peers: Peer<Uint8Array>[]
  bump: number
}

/** The input type of every family. */
export interface FamilyMessages {
  rpcRequest: RpcRequest<Uint8Array>
  rpcResponse: RpcResponse<Uint8Array>
  handshake: Handshake<Uint8Array>
  holepunch: Holepunch<Uint8Array>
  noisePayload: NoisePayload<Uint8Array>
  holepunchPayload: HolepunchPayload<Uint8Array>
  peer: Peer<Uint8Array>
  lookupRawReply: LookupMessage
  announce: Announce<Uint8Array>
  mutableSignable: MutableSignableMessage
  mutablePutRequest: MutablePutRequest<Uint8Array>
  mutableGetResponse: MutableGetResponse<Uint8Array>
  pluginRequest: PluginRequest<Uint8Array>
}

export type Family = keyof FamilyMessages

/** Up to ~1500 bytes: the values that fit in one datagram next to the headers. */
const MAX_VALUE = 1500

export function rpcRequest(rng: Rng): RpcRequest<Uint8Array> {
  const internal = rng.bool()
  return {
    tid: rng.bool(0.1) ? rng.pick([0, 1, 0xff, 0x100, 0xffff]) : rng.int(0, 0xffff),
    to: ipv4Addr(rng),
    id: maybe(rng, 0.5, () => rng.bytes(32)),
    token: maybe(rng, 0.5, () => rng.bytes(32)),
    internal,
    command: rng.bool(0.8) ? rng.int(0, internal ? 4 : 10) : uintAcross(rng),
    target: maybe(rng, 0.5, () => rng.bytes(32)),
    value: maybe(rng, 0.5, () => bytesBetween(rng, 0, MAX_VALUE))
  }
}

export function rpcResponse(rng: Rng): RpcResponse<Uint8Array> {
  const r = rng.float()
  return {
    tid: rng.int(0, 0xffff),
    to: ipv4Addr(rng),
    id: maybe(rng, 0.5, () => rng.bytes(32)),
    token: maybe(rng, 0.5, () => rng.bytes(32)),
    // null, [] (not sent, decodes as null) or 1..20 nodes.
    closerNodes: r < 0.2 ? null : r < 0.3 ? [] : ipv4List(rng, 1, 20),
    error: rng.bool(0.5) ? 0 : rng.bool(0.8) ? rng.int(0, 17) : uintAcross(rng),
    value: maybe(rng, 0.5, () => bytesBetween(rng, 0, MAX_VALUE))
  }
}

export function handshake(rng: Rng): Handshake<Uint8Array> {
  return {
    mode: rng.int(0, 4),
    noise: bytesBetween(rng, 0, 1000),
    peerAddress: maybe(rng, 0.5, () => ipv4Addr(rng)),
    relayAddress: maybe(rng, 0.5, () => ipv4Addr(rng))
  }
}

export function holepunch(rng: Rng): Holepunch<Uint8Array> {
  return {
    mode: rng.int(0, 4),
    id: uintAcross(rng),
    payload: bytesBetween(rng, 0, 600),
    peerAddress: maybe(rng, 0.5, () => ipv4Addr(rng))
  }
}

/** A sub-structure version: 1 (what every sender writes) or, rarely, any other uint. */
function subVersion(rng: Rng): number {
  return rng.bool(0.9) ? 1 : uintAcross(rng)
}

export function noisePayload(rng: Rng): NoisePayload<Uint8Array> {
  if (rng.bool(0.02)) {
    // Another payload version: only the version is on the wire (§4.3.3).
    return {
      version: rng.bool(0.5) ? rng.pick([0, 2, 3]) : uintAcross(rng),
      error: 0,
      firewall: 0,
      holepunch: null,
      addresses4: [],
      addresses6: [],
      udx: null,
      secretStream: null,
      relayThrough: null,
      relayAddresses: null
    }
  }
  const relayCount = rng.bool(0.05) ? rng.int(0, 64) : rng.int(0, 3)
  const relays: { relayAddress: PeerAddress; peerAddress: PeerAddress }[] = []
  for (let i = 0; i < relayCount; i++)
    relays.push({ relayAddress: ipv4Addr(rng), peerAddress: ipv4Addr(rng) })
  const addresses6: PeerAddress[] = []
  if (rng.bool(0.2)) {
    const n = rng.int(1, 3)
    for (let i = 0; i < n; i++) addresses6.push(ipv6Addr(rng))
  }
  const r = rng.float()
  return {
    version: 1,
    error: smallOrAny(rng, 3),
    firewall: smallOrAny(rng, 3),
    holepunch: maybe(rng, 0.5, () => ({ id: uintAcross(rng), relays })),
    addresses4: rng.bool(0.5) ? [] : ipv4List(rng, 1, rng.bool(0.05) ? 64 : 5),
    addresses6,
    udx: maybe(rng, 0.6, () => ({
      version: subVersion(rng),
      reusableSocket: rng.bool(),
      id: rng.bool(0.1)
        ? rng.pick([0, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffff])
        : rng.int(0, 0xffffffff),
      seq: rng.bool(0.7) ? 0 : uintAcross(rng)
    })),
    secretStream: maybe(rng, 0.6, () => ({ version: subVersion(rng) })),
    relayThrough: maybe(rng, 0.3, () => ({
      version: subVersion(rng),
      publicKey: rng.bytes(32),
      token: rng.bytes(32)
    })),
    // null (absent), [] (present, empty) or a list: all three are distinct on the wire.
    relayAddresses: r < 0.4 ? null : r < 0.6 ? [] : ipv4List(rng, 1, rng.bool(0.05) ? 64 : 3)
  }
}

export function holepunchPayload(rng: Rng): HolepunchPayload<Uint8Array> {
  const r = rng.float()
  return {
    error: smallOrAny(rng, 3),
    firewall: smallOrAny(rng, 3),
    round: smallOrAny(rng, 30),
    connected: rng.bool(),
    punching: rng.bool(),
    // null (absent), [] (present, empty) or a list.
    addresses: r < 0.4 ? null : r < 0.5 ? [] : ipv4List(rng, 1, rng.bool(0.05) ? 64 : 4),
    remoteAddress: maybe(rng, 0.5, () => ipv4Addr(rng)),
    token: maybe(rng, 0.5, () => rng.bytes(32)),
    remoteToken: maybe(rng, 0.5, () => rng.bytes(32))
  }
}

export function peer(rng: Rng): Peer<Uint8Array> {
  return {
    publicKey: rng.bytes(32),
    relayAddresses: ipv4List(rng, 0, rng.bool(0.05) ? 64 : 3)
  }
}

export function lookupRawReply(rng: Rng): LookupMessage {
  const n = rng.bool(0.2) ? 20 : rng.int(0, 20)
  const peers: Peer<Uint8Array>[] = []
  for (let i = 0; i < n; i++) peers.push(peer(rng))
  return { peers, bump: rng.bool(0.4) ? 0 : uintAcross(rng) }
}

export function announce(rng: Rng): Announce<Uint8Array> {
  return {
    peer: maybe(rng, 0.7, () => peer(rng)),
    refresh: maybe(rng, 0.5, () => rng.bytes(32)),
    signature: maybe(rng, 0.7, () => rng.bytes(64)),
    bump: rng.bool(0.4) ? 0 : uintAcross(rng)
  }
}

export function mutableSignable(rng: Rng): MutableSignableMessage {
  return { seq: uintAcross(rng), value: bytesBetween(rng, 0, MAX_VALUE) }
}

export function mutablePutRequest(rng: Rng): MutablePutRequest<Uint8Array> {
  return {
    publicKey: rng.bytes(32),
    seq: uintAcross(rng),
    value: bytesBetween(rng, 0, MAX_VALUE),
    signature: rng.bytes(64)
  }
}

export function mutableGetResponse(rng: Rng): MutableGetResponse<Uint8Array> {
  return { seq: uintAcross(rng), value: bytesBetween(rng, 0, MAX_VALUE), signature: rng.bytes(64) }
}

export function pluginRequest(rng: Rng): PluginRequest<Uint8Array> {
  return {
    plugin: rng.bool(0.1) ? utf8String(rng, 300) : utf8String(rng, 24),
    version: smallOrAny(rng, 5, 0.3),
    command: smallOrAny(rng, 10, 0.3),
    value: maybe(rng, 0.6, () => bytesBetween(rng, 0, MAX_VALUE))
  }
}

/** Every family's generator. */
export const generators: { readonly [F in Family]: (rng: Rng) => FamilyMessages[F] } = {
  rpcRequest,
  rpcResponse,
  handshake,
  holepunch,
  noisePayload,
  holepunchPayload,
  peer,
  lookupRawReply,
  announce,
  mutableSignable,
  mutablePutRequest,
  mutableGetResponse,
  pluginRequest
}

export const FAMILIES = Object.keys(generators) as Family[]
