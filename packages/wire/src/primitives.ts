// compact-encoding primitives (docs/wire-protocol.md §1) with bounds and size checks.

import { isUtf8 } from 'node:buffer'
import type { Codec, State } from './codec.js'
import { WireError } from './errors.js'

/** Largest integer a uint may carry (JS safe integers; §1.1). */
export const MAX_UINT = Number.MAX_SAFE_INTEGER

/** Fail unless `n` more bytes are available. */
export function need(state: State, n: number, what: string): void {
  if (state.end - state.start < n) {
    throw WireError.decode(
      'TRUNCATED',
      what,
      state.start,
      `truncated ${what} (needs ${n} bytes, ${Math.max(0, state.end - state.start)} left)`
    )
  }
}

/** The state's buffer during encode/decode (never null there). */
export function bytesOf(state: State): Buffer {
  return state.buffer as Buffer
}

function checkUint(name: string, n: number, max: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    throw WireError.encode(name, `${String(n)} is not an integer in 0..${max}`)
  }
}

/** Variable-length unsigned integer (§1.1). Accepts non-minimal forms when decoding. */
export const uint: Codec<number> = {
  name: 'uint',
  preencode(state, n) {
    checkUint('uint', n, MAX_UINT)
    state.end += n <= 0xfc ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9
  },
  encode(state, n) {
    const b = bytesOf(state)
    let s = state.start
    if (n <= 0xfc) {
      b[s++] = n
    } else if (n <= 0xffff) {
      b[s++] = 0xfd
      b[s++] = n & 0xff
      b[s++] = n >>> 8
    } else if (n <= 0xffffffff) {
      b[s++] = 0xfe
      b.writeUInt32LE(n, s)
      s += 4
    } else {
      b[s++] = 0xff
      b.writeUInt32LE(n >>> 0, s)
      b.writeUInt32LE(Math.floor(n / 0x100000000), s + 4)
      s += 8
    }
    state.start = s
  },
  decode(state) {
    need(state, 1, 'uint')
    const b = bytesOf(state)
    const a = b[state.start] as number
    if (a <= 0xfc) {
      state.start++
      return a
    }
    if (a === 0xfd) {
      need(state, 3, 'uint')
      const n = (b[state.start + 1] as number) | ((b[state.start + 2] as number) << 8)
      state.start += 3
      return n
    }
    if (a === 0xfe) {
      need(state, 5, 'uint')
      const n = b.readUInt32LE(state.start + 1)
      state.start += 5
      return n
    }
    need(state, 9, 'uint')
    const lo = b.readUInt32LE(state.start + 1)
    const hi = b.readUInt32LE(state.start + 5)
    if (hi > 0x1fffff) {
      throw WireError.decode('OUT_OF_RANGE', 'uint', state.start, 'uint above 2^53-1')
    }
    state.start += 9
    return hi * 0x100000000 + lo
  }
}

function fixedUint(name: string, width: 2 | 3 | 4): Codec<number> {
  const max = 2 ** (8 * width) - 1
  return {
    name,
    preencode(state, n) {
      checkUint(name, n, max)
      state.end += width
    },
    encode(state, n) {
      // Byte writes instead of writeUIntLE: this sits on every datagram's hot path.
      const b = bytesOf(state)
      const s = state.start
      b[s] = n & 0xff
      b[s + 1] = (n >>> 8) & 0xff
      if (width > 2) b[s + 2] = (n >>> 16) & 0xff
      if (width > 3) b[s + 3] = n >>> 24
      state.start = s + width
    },
    decode(state) {
      need(state, width, name)
      const b = bytesOf(state)
      const s = state.start
      state.start = s + width
      const lo = (b[s] as number) | ((b[s + 1] as number) << 8)
      if (width === 2) return lo
      if (width === 3) return lo | ((b[s + 2] as number) << 16)
      return lo + (b[s + 2] as number) * 0x10000 + (b[s + 3] as number) * 0x1000000
    }
  }
}

/** 2-byte little-endian unsigned integer (§1.2). */
export const uint16 = fixedUint('uint16', 2)
/** 3-byte little-endian unsigned integer (§1.2); secret-stream frame lengths. */
export const uint24 = fixedUint('uint24', 3)
/** 4-byte little-endian unsigned integer (§1.2). */
export const uint32 = fixedUint('uint32', 4)

/** Exactly `size` raw bytes with no length prefix (§1.5). */
export function fixed(size: number, name = `fixed${size}`): Codec<Uint8Array, Buffer> {
  return {
    name,
    preencode(state, bytes) {
      if (!(bytes instanceof Uint8Array) || bytes.byteLength !== size) {
        throw WireError.encode(name, `expected ${size} bytes`)
      }
      state.end += size
    },
    encode(state, bytes) {
      bytesOf(state).set(bytes, state.start)
      state.start += size
    },
    decode(state) {
      need(state, size, name)
      const out = bytesOf(state).subarray(state.start, state.start + size)
      state.start += size
      return out
    }
  }
}

/** 32 raw bytes: ids, keys, tokens, targets. */
export const fixed32 = fixed(32)
/** 64 raw bytes: signatures. */
export const fixed64 = fixed(64)

/** Read a length prefix and check it against `max` and the bytes left. */
function readLength(state: State, name: string, max: number): number {
  const at = state.start
  const len = uint.decode(state)
  if (len > max) {
    state.start = at
    throw WireError.decode('OVERSIZED', name, at, `${name} of ${len} bytes exceeds ${max}`)
  }
  if (len > state.end - state.start) {
    state.start = at
    throw WireError.decode('TRUNCATED', name, at, `${name} of ${len} bytes overruns the input`)
  }
  return len
}

/**
 * Length-prefixed bytes (§1.3), at most `max` long. A zero length decodes to an empty buffer
 * (compact-encoding 3.x), never null.
 */
export function buffer(max: number, name = 'buffer'): Codec<Uint8Array, Buffer> {
  return {
    name,
    preencode(state, bytes) {
      if (!(bytes instanceof Uint8Array)) throw WireError.encode(name, 'expected bytes')
      if (bytes.byteLength > max) throw WireError.encode(name, `longer than ${max} bytes`)
      uint.preencode(state, bytes.byteLength)
      state.end += bytes.byteLength
    },
    encode(state, bytes) {
      uint.encode(state, bytes.byteLength)
      bytesOf(state).set(bytes, state.start)
      state.start += bytes.byteLength
    },
    decode(state) {
      const len = readLength(state, name, max)
      const out = bytesOf(state).subarray(state.start, state.start + len)
      state.start += len
      return out
    }
  }
}

/** Length-prefixed bytes where length 0 means null (protomux's optionalBuffer, §1.3). */
export function optionalBuffer(
  max: number,
  name = 'optionalBuffer'
): Codec<Uint8Array | null, Buffer | null> {
  const inner = buffer(max, name)
  return {
    name,
    preencode(state, bytes) {
      if (bytes === null || bytes.byteLength === 0) state.end++
      else inner.preencode(state, bytes)
    },
    encode(state, bytes) {
      if (bytes === null || bytes.byteLength === 0) bytesOf(state)[state.start++] = 0
      else inner.encode(state, bytes)
    },
    decode(state) {
      const out = inner.decode(state)
      return out.byteLength === 0 ? null : out
    }
  }
}

/**
 * Length-prefixed UTF-8 string (§1.4), at most `maxBytes` encoded bytes. Invalid UTF-8 is
 * rejected: it would decode to replacement characters that re-encode to other bytes.
 */
export function string(maxBytes: number, name = 'string'): Codec<string> {
  return {
    name,
    preencode(state, s) {
      if (typeof s !== 'string') throw WireError.encode(name, 'expected a string')
      const len = Buffer.byteLength(s)
      if (len > maxBytes) throw WireError.encode(name, `longer than ${maxBytes} bytes`)
      uint.preencode(state, len)
      state.end += len
    },
    encode(state, s) {
      const b = bytesOf(state)
      const len = Buffer.byteLength(s)
      uint.encode(state, len)
      b.write(s, state.start, len, 'utf8')
      state.start += len
    },
    decode(state) {
      const len = readLength(state, name, maxBytes)
      const bytes = bytesOf(state).subarray(state.start, state.start + len)
      if (!isUtf8(bytes)) {
        throw WireError.decode('INVALID_VALUE', name, state.start, `${name} is not valid UTF-8`)
      }
      state.start += len
      return bytes.toString('utf8')
    }
  }
}

/** All remaining bytes, no length prefix (§1.10). */
export const raw: Codec<Uint8Array, Buffer> = {
  name: 'raw',
  preencode(state, bytes) {
    if (!(bytes instanceof Uint8Array)) throw WireError.encode('raw', 'expected bytes')
    state.end += bytes.byteLength
  },
  encode(state, bytes) {
    bytesOf(state).set(bytes, state.start)
    state.start += bytes.byteLength
  },
  decode(state) {
    const out = bytesOf(state).subarray(state.start, state.end)
    state.start = state.end
    return out
  }
}

/**
 * `uint count` then `count` items (§1.7). `max` caps the count before anything is allocated,
 * and `minItemBytes` rejects counts the remaining input cannot possibly hold. With
 * `fixedItemBytes`, every item is exactly `minItemBytes` long and its `preencode` is skipped.
 */
export function array<I, O>(
  item: Codec<I, O>,
  max: number,
  minItemBytes: number,
  name = `${item.name}[]`,
  fixedItemBytes = false
): Codec<readonly I[], O[]> {
  return {
    name,
    preencode(state, list) {
      if (!Array.isArray(list)) throw WireError.encode(name, 'expected an array')
      if (list.length > max) throw WireError.encode(name, `more than ${max} items`)
      uint.preencode(state, list.length)
      // Fixed-width items (addresses) are validated when written, so sizing is one multiply.
      if (fixedItemBytes) state.end += list.length * minItemBytes
      else for (const v of list) item.preencode(state, v)
    },
    encode(state, list) {
      uint.encode(state, list.length)
      for (const v of list) item.encode(state, v)
    },
    decode(state) {
      const at = state.start
      const count = uint.decode(state)
      if (count > max) {
        throw WireError.decode('OVERSIZED', name, at, `${count} items exceeds ${max}`)
      }
      if (count * minItemBytes > state.end - state.start) {
        throw WireError.decode('TRUNCATED', name, at, `${count} items overrun the input`)
      }
      const out = new Array<O>(count)
      for (let i = 0; i < count; i++) out[i] = item.decode(state)
      return out
    }
  }
}

/**
 * Read a flags uint (§1.8) and reject bits outside `known`: every flag bit on the wire says
 * which optional fields follow, so an unknown bit means bytes we cannot parse.
 */
export function readFlags(state: State, known: number, name: string): number {
  const at = state.start
  const flags = uint.decode(state)
  if (flags > 0xffffffff || (flags & ~known) !== 0) {
    throw WireError.decode('BAD_FLAGS', name, at, `unknown flag bits in 0x${flags.toString(16)}`)
  }
  return flags
}
