// dht-rpc datagrams written from the wire spec (docs/wire-protocol.md §3), plus a seeded generator
// of malformed variants for the fuzz test. Independent of both implementations.

import { encodeIpv4Address } from '../../src/index.js'
import { Prng } from './prng.js'

export const REQUEST_TYPE = 0x03 // (type 0 << 4) | version 3
export const RESPONSE_TYPE = 0x13 // (type 1 << 4) | version 3

export const PING = 0
export const PING_NAT = 1
export const FIND_NODE = 2
export const DOWN_HINT = 3
export const DELAYED_PING = 4

/** compact-encoding uint, shortest form. */
export function encodeUint(n: number): Buffer {
  if (n <= 0xfc) return Buffer.from([n])
  if (n <= 0xffff) {
    const b = Buffer.alloc(3)
    b[0] = 0xfd
    b.writeUInt16LE(n, 1)
    return b
  }
  if (n <= 0xffffffff) {
    const b = Buffer.alloc(5)
    b[0] = 0xfe
    b.writeUInt32LE(n, 1)
    return b
  }
  const b = Buffer.alloc(9)
  b[0] = 0xff
  b.writeBigUInt64LE(BigInt(n), 1)
  return b
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16LE(n & 0xffff, 0)
  return b
}

export interface Addr {
  host: string
  port: number
}

export interface RequestFields {
  tid: number
  to: Addr
  id?: Buffer
  token?: Buffer
  internal: boolean
  command: number
  target?: Buffer
  value?: Buffer
}

export function encodeRequest(r: RequestFields): Buffer {
  const flags =
    (r.id ? 1 : 0) |
    (r.token ? 2 : 0) |
    (r.internal ? 4 : 0) |
    (r.target ? 8 : 0) |
    (r.value ? 16 : 0)
  return Buffer.concat([
    Buffer.from([REQUEST_TYPE]),
    encodeUint(flags),
    u16(r.tid),
    encodeIpv4Address(r.to.host, r.to.port),
    r.id ?? Buffer.alloc(0),
    r.token ?? Buffer.alloc(0),
    encodeUint(r.command),
    r.target ?? Buffer.alloc(0),
    r.value ? Buffer.concat([encodeUint(r.value.byteLength), r.value]) : Buffer.alloc(0)
  ])
}

export interface ResponseFields {
  tid: number
  to: Addr
  id?: Buffer
  token?: Buffer
  closerNodes?: Addr[]
  error?: number
  value?: Buffer
}

export function encodeResponse(r: ResponseFields): Buffer {
  const nodes = r.closerNodes ?? []
  const error = r.error ?? 0
  const flags =
    (r.id ? 1 : 0) |
    (r.token ? 2 : 0) |
    (nodes.length > 0 ? 4 : 0) |
    (error > 0 ? 8 : 0) |
    (r.value ? 16 : 0)
  return Buffer.concat([
    Buffer.from([RESPONSE_TYPE]),
    encodeUint(flags),
    u16(r.tid),
    encodeIpv4Address(r.to.host, r.to.port),
    r.id ?? Buffer.alloc(0),
    r.token ?? Buffer.alloc(0),
    nodes.length > 0
      ? Buffer.concat([
          encodeUint(nodes.length),
          ...nodes.map((n) => encodeIpv4Address(n.host, n.port))
        ])
      : Buffer.alloc(0),
    error > 0 ? encodeUint(error) : Buffer.alloc(0),
    r.value ? Buffer.concat([encodeUint(r.value.byteLength), r.value]) : Buffer.alloc(0)
  ])
}

/** tid (bytes 2-3, little-endian) of a datagram, or -1 if too short. */
export function tidOf(datagram: Uint8Array): number {
  if (datagram.byteLength < 4) return -1
  return (datagram[2] ?? 0) | ((datagram[3] ?? 0) << 8)
}

export const CATEGORIES = [
  'random bytes',
  'random body, valid type byte',
  'truncated valid',
  'bit-flipped valid',
  'wrong version/type byte',
  'spoofed id',
  'bad token',
  'huge counts and lengths',
  'trailing garbage',
  'non-minimal or huge uints',
  'unknown internal command',
  'large value'
] as const
export type Category = (typeof CATEGORIES)[number]

// weights per category, same order as CATEGORIES (sum 100)
const WEIGHTS = [8, 8, 14, 20, 5, 9, 9, 10, 5, 5, 5, 2]

export interface FuzzContext {
  /** The node under fire. */
  target: Addr
  /** Where the fuzzer sends from (used as a PING_NAT port and as a reply address). */
  fuzzer: Addr
  /** Ids of real members of the network, for spoofing. */
  knownIds: Buffer[]
  /** User command the node serves. */
  userCommand: number
}

/** Seeded generator of malformed (and some well-formed but hostile) datagrams. */
export class DatagramFuzzer {
  readonly counts = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]))
  private readonly cumulative: number[]

  constructor(
    private readonly prng: Prng,
    private readonly ctx: FuzzContext
  ) {
    let sum = 0
    this.cumulative = WEIGHTS.map((w) => (sum += w))
  }

  next(): Buffer {
    const roll = this.prng.int(this.cumulative[this.cumulative.length - 1] as number)
    const index = this.cumulative.findIndex((c) => roll < c)
    const category = CATEGORIES[index] as Category
    this.counts.set(category, (this.counts.get(category) ?? 0) + 1)
    return this.make(category)
  }

  get context(): FuzzContext {
    return this.ctx
  }

  /** One well-formed request or response of a random kind. */
  valid(): Buffer {
    return this.prng.chance(0.7)
      ? encodeRequest(this.validRequest())
      : encodeResponse(this.validResponse())
  }

  private make(category: Category): Buffer {
    const p = this.prng
    switch (category) {
      case 'random bytes':
        return p.bytes(1 + p.int(300))
      case 'random body, valid type byte':
        return Buffer.concat([
          Buffer.from([p.chance(0.5) ? REQUEST_TYPE : RESPONSE_TYPE]),
          p.bytes(1 + p.int(200))
        ])
      case 'truncated valid': {
        const v = this.valid()
        return v.subarray(0, 1 + p.int(v.byteLength - 1))
      }
      case 'bit-flipped valid': {
        const v = Buffer.from(this.valid())
        const flips = 1 + p.int(8)
        for (let i = 0; i < flips; i++) {
          const at = p.int(v.byteLength)
          v[at] = (v[at] ?? 0) ^ (1 << p.int(8))
        }
        return v
      }
      case 'wrong version/type byte': {
        const v = Buffer.from(this.valid())
        let b = p.int(256)
        while (b === REQUEST_TYPE || b === RESPONSE_TYPE) b = p.int(256)
        // half of them keep a known type nibble with another version, or vice versa
        if (p.chance(0.5)) b = (p.chance(0.5) ? 0x00 : 0x10) | p.pick([0, 1, 2, 4, 7, 15])
        v[0] = b
        return v
      }
      case 'spoofed id': {
        const r = this.validRequest()
        r.id =
          p.chance(0.5) && this.ctx.knownIds.length > 0 ? p.pick(this.ctx.knownIds) : p.bytes(32)
        return encodeRequest(r)
      }
      case 'bad token': {
        const r = this.validRequest()
        r.token = p.bytes(32)
        if (p.chance(0.5)) {
          r.internal = false
          r.command = this.ctx.userCommand
          r.target = p.bytes(32)
        }
        return encodeRequest(r)
      }
      case 'huge counts and lengths':
        return this.hugeCount()
      case 'trailing garbage':
        return Buffer.concat([this.valid(), p.bytes(1 + p.int(64))])
      case 'non-minimal or huge uints':
        return this.oddUints()
      case 'unknown internal command':
        return encodeRequest({
          tid: p.int(65536),
          to: this.ctx.target,
          internal: true,
          command: 5 + p.int(1000),
          ...(p.chance(0.5) ? { target: p.bytes(32) } : {}),
          ...(p.chance(0.5) ? { value: p.bytes(p.int(40)) } : {})
        })
      case 'large value': {
        const r = this.validRequest()
        r.value = p.bytes(900 + p.int(900)) // stays under the 2048-byte datagram limit
        return encodeRequest(r)
      }
    }
  }

  private validRequest(): RequestFields {
    const p = this.prng
    const base = { tid: p.int(65536), to: this.ctx.target }
    switch (p.int(7)) {
      case 0:
        return { ...base, internal: true, command: PING }
      case 1:
        return { ...base, internal: true, command: FIND_NODE, target: p.bytes(32) }
      case 2:
        return {
          ...base,
          internal: true,
          command: DOWN_HINT,
          value: encodeIpv4Address('127.0.0.1', 1 + p.int(65535))
        }
      case 3: {
        const port = Buffer.alloc(2)
        port.writeUInt16LE(this.ctx.fuzzer.port, 0)
        return { ...base, internal: true, command: PING_NAT, value: port }
      }
      case 4: {
        const delay = Buffer.alloc(4)
        delay.writeUInt32LE(p.int(50), 0)
        return { ...base, internal: true, command: DELAYED_PING, value: delay }
      }
      case 5:
        return {
          ...base,
          internal: false,
          command: this.ctx.userCommand,
          target: p.bytes(32),
          value: p.bytes(p.int(64))
        }
      default:
        return { ...base, internal: false, command: 100 + p.int(10000), value: p.bytes(p.int(16)) }
    }
  }

  private validResponse(): ResponseFields {
    const p = this.prng
    // closer nodes all point back at the fuzzer, so a response that happens to match one of the
    // node's own tids cannot send it to some unrelated local port
    const closer = Array.from({ length: p.int(21) }, () => this.ctx.fuzzer)
    return {
      tid: p.int(65536),
      to: this.ctx.fuzzer,
      ...(p.chance(0.3) ? { id: p.bytes(32) } : {}),
      ...(p.chance(0.5) ? { token: p.bytes(32) } : {}),
      closerNodes: closer,
      error: p.chance(0.2) ? p.int(4) : 0,
      ...(p.chance(0.3) ? { value: p.bytes(p.int(100)) } : {})
    }
  }

  // Element counts and byte lengths far beyond what the datagram holds (or above the array cap).
  private hugeCount(): Buffer {
    const p = this.prng
    const huge = p.pick([
      Buffer.from([0xfd, 0xff, 0xff]),
      Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xfe, 0x01, 0x00, 0x10, 0x00]), // 1,048,577: just above the array cap
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00]) // 2^53 - 1
    ])
    const head = Buffer.concat([
      u16(p.int(65536)),
      encodeIpv4Address('127.0.0.1', this.ctx.fuzzer.port)
    ])
    const tail = p.bytes(p.int(48))
    switch (p.int(3)) {
      case 0: // response whose closerNodes count is huge
        return Buffer.concat([Buffer.from([RESPONSE_TYPE]), encodeUint(4), head, huge, tail])
      case 1: // response whose value length is huge
        return Buffer.concat([Buffer.from([RESPONSE_TYPE]), encodeUint(16), head, huge, tail])
      default: {
        // request (user command, target) whose value length is huge
        const cmd = encodeUint(this.ctx.userCommand)
        return Buffer.concat([
          Buffer.from([REQUEST_TYPE]),
          encodeUint(8 | 16),
          head,
          cmd,
          p.bytes(32),
          huge,
          tail
        ])
      }
    }
  }

  // Flags and commands in non-minimal or absurdly large uint encodings.
  private oddUints(): Buffer {
    const p = this.prng
    const flags = p.pick([
      Buffer.from([0xfd, 0x04, 0x00]), // 4 (internal), non-minimal
      Buffer.from([0xfe, 0x0c, 0x00, 0x00, 0x00]), // 12, non-minimal
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // > 2^53
      Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff]) // every flag bit
    ])
    const command = p.pick([
      Buffer.from([0xfd, 0x00, 0x00]), // PING, non-minimal
      Buffer.from([0xfd, 0x02, 0x00]), // FIND_NODE, non-minimal
      Buffer.from([0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00]), // 2^53
      encodeUint(0xffffffff)
    ])
    return Buffer.concat([
      Buffer.from([p.chance(0.8) ? REQUEST_TYPE : RESPONSE_TYPE]),
      flags,
      u16(p.int(65536)),
      encodeIpv4Address(this.ctx.target.host, this.ctx.target.port),
      command,
      p.bytes(p.int(80))
    ])
  }
}

/** The fields of a response datagram (closer nodes as a count), or null if it does not decode. */
export interface DecodedResponse {
  tid: number
  to: Addr
  id: Buffer | null
  token: Buffer | null
  closerNodes: number
  error: number
  value: Buffer | null
}

export function decodeResponse(datagram: Uint8Array): DecodedResponse | null {
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength)
  let at = 1
  const need = (n: number): void => {
    if (at + n > buf.byteLength) throw new RangeError('truncated')
  }
  const fixed = (n: number): Buffer => {
    need(n)
    at += n
    return Buffer.from(buf.subarray(at - n, at))
  }
  const uint = (): number => {
    const b = fixed(1)[0] as number
    if (b <= 0xfc) return b
    if (b === 0xfd) return fixed(2).readUInt16LE(0)
    if (b === 0xfe) return fixed(4).readUInt32LE(0)
    return Number(fixed(8).readBigUInt64LE(0))
  }
  try {
    if (buf[0] !== RESPONSE_TYPE) return null
    const flags = uint()
    const tid = fixed(2).readUInt16LE(0)
    const addr = fixed(6)
    const to = { host: [...addr.subarray(0, 4)].join('.'), port: addr.readUInt16LE(4) }
    const id = flags & 1 ? fixed(32) : null
    const token = flags & 2 ? fixed(32) : null
    let closerNodes = 0
    if (flags & 4) {
      closerNodes = uint()
      fixed(6 * closerNodes)
    }
    const error = flags & 8 ? uint() : 0
    const value = flags & 16 ? fixed(uint()) : null
    return { tid, to, id, token, closerNodes, error, value }
  } catch {
    return null
  }
}
