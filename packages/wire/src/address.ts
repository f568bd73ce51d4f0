// IPv4/IPv6 peer addresses (docs/wire-protocol.md §1.6): IP in network order, port uint16 LE.

import type { Codec } from './codec.js'
import { WireError } from './errors.js'
import { array, bytesOf, need } from './primitives.js'

/** A UDP endpoint as it travels on the wire. */
export interface PeerAddress {
  host: string
  port: number
}

/**
 * Parse a canonical dotted-quad IPv4 string (no leading zeros) into 4 bytes at `offset`;
 * false if it is not one. Unrolled because every encoded address goes through it; every read
 * is bounds-checked, as reading past the end (NaN) would make the whole loop float arithmetic.
 */
export function writeIpv4(host: string, out: Uint8Array, offset: number): boolean {
  const len = host.length
  if (len < 7 || len > 15) return false
  let i = 0
  for (let part = 0; part < 4; part++) {
    if (i >= len) return false
    let n = host.charCodeAt(i++) - 48
    if (n < 0 || n > 9) return false
    if (i < len) {
      let c = host.charCodeAt(i) - 48
      if (c >= 0 && c <= 9) {
        if (n === 0) return false // "01"
        n = n * 10 + c
        if (++i < len) {
          c = host.charCodeAt(i) - 48
          if (c >= 0 && c <= 9) {
            n = n * 10 + c
            if (n > 255) return false
            i++
          }
        }
      }
    }
    out[offset + part] = n
    if (part < 3) {
      if (i >= len || host.charCodeAt(i) !== 46) return false
      i++
    }
  }
  return i === len
}

/** True if `host` is a canonical dotted-quad IPv4 address. */
export function isIpv4(host: string): boolean {
  return typeof host === 'string' && host.length <= 15 && writeIpv4(host, SCRATCH, 0)
}
const SCRATCH = new Uint8Array(4)

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw WireError.encode(name, `port ${String(port)} is not in 0..65535`)
  }
}

/** 4-byte IPv4 address, network order. */
export const ipv4: Codec<string> = {
  name: 'ipv4',
  preencode(state) {
    state.end += 4
  },
  encode(state, host) {
    // Validated while writing, so each host is parsed once per encode.
    if (!writeIpv4(host, bytesOf(state), state.start)) throw notIpv4('ipv4', host)
    state.start += 4
  },
  decode(state) {
    need(state, 4, 'ipv4')
    const b = bytesOf(state)
    const s = state.start
    state.start += 4
    return `${b[s]}.${b[s + 1]}.${b[s + 2]}.${b[s + 3]}`
  }
}

function notIpv4(name: string, host: unknown): WireError {
  return WireError.encode(name, `${String(host)} is not an IPv4 address`)
}

/** 6-byte IPv4 address + port (the "peer" encoding of dht-rpc and hyperdht). */
export const ipv4Address: Codec<PeerAddress> = {
  name: 'ipv4Address',
  preencode(state) {
    state.end += 6
  },
  encode(state, addr) {
    if (addr === null || typeof addr !== 'object') {
      throw WireError.encode('ipv4Address', 'expected { host, port }')
    }
    const b = bytesOf(state)
    const port = addr.port
    if (typeof addr.host !== 'string' || !writeIpv4(addr.host, b, state.start)) {
      throw notIpv4('ipv4Address', addr.host)
    }
    if (!(port >= 0 && port <= 0xffff && port === (port | 0))) checkPort('ipv4Address', port)
    b[state.start + 4] = port & 0xff
    b[state.start + 5] = port >>> 8
    state.start += 6
  },
  decode(state) {
    need(state, 6, 'ipv4Address')
    const b = bytesOf(state)
    const s = state.start
    state.start += 6
    return {
      host: `${b[s]}.${b[s + 1]}.${b[s + 2]}.${b[s + 3]}`,
      port: (b[s + 4] as number) | ((b[s + 5] as number) << 8)
    }
  }
}

/** An array of IPv4 addresses holding at most `max` entries. */
export function ipv4AddressArray(max: number, name = 'ipv4Address[]') {
  return array(ipv4Address, max, 6, name, true)
}

/** Parse an IPv6 string (with optional `::`) into 16 bytes; false if it is not one. */
export function writeIpv6(host: string, out: Uint8Array, offset: number): boolean {
  if (typeof host !== 'string' || host.length > 39 || host.length < 2) return false
  const halves = host.split('::')
  if (halves.length > 2) return false
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':')
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : []
  const groups = head.length + tail.length
  if (halves.length === 1 ? groups !== 8 : groups > 7) return false
  const words = new Array<number>(8).fill(0)
  const put = (g: string, i: number): boolean => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false
    words[i] = parseInt(g, 16)
    return true
  }
  for (let i = 0; i < head.length; i++) if (!put(head[i] as string, i)) return false
  for (let i = 0; i < tail.length; i++)
    if (!put(tail[i] as string, 8 - tail.length + i)) return false
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = (words[i] as number) >>> 8
    out[offset + 2 * i + 1] = (words[i] as number) & 0xff
  }
  return true
}

const SCRATCH6 = new Uint8Array(16)

/** 18-byte IPv6 address + port (only in the unused `addresses6` field, §1.6). */
export const ipv6Address: Codec<PeerAddress> = {
  name: 'ipv6Address',
  preencode(state, addr) {
    if (addr === null || typeof addr !== 'object' || !writeIpv6(addr.host, SCRATCH6, 0)) {
      throw WireError.encode('ipv6Address', `${String(addr?.host)} is not an IPv6 address`)
    }
    checkPort('ipv6Address', addr.port)
    state.end += 18
  },
  encode(state, addr) {
    const b = bytesOf(state)
    writeIpv6(addr.host, b, state.start)
    b[state.start + 16] = addr.port & 0xff
    b[state.start + 17] = addr.port >>> 8
    state.start += 18
  },
  decode(state) {
    need(state, 18, 'ipv6Address')
    const b = bytesOf(state)
    const s = state.start
    const groups: string[] = []
    for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(s + 2 * i).toString(16))
    state.start += 18
    return { host: groups.join(':'), port: b.readUInt16LE(s + 16) }
  }
}
