// IPv4 address classification: loopback, private ranges and /24 subnet keys.

import { isIpv4 } from '@keymesh/wire'

/** True for a canonical dotted-quad IPv4 string (what the wire can carry). */
export function isIPv4(host: unknown): host is string {
  return typeof host === 'string' && isIpv4(host)
}

/** The first two octets of a dotted quad (no validation: callers pass wire-decoded hosts). */
function firstOctets(host: string): [number, number] {
  const dot = host.indexOf('.')
  const a = Number(host.slice(0, dot))
  const b = Number(host.slice(dot + 1, host.indexOf('.', dot + 1)))
  return [a, b]
}

/** 127.0.0.0/8. */
export function isLoopback(host: string): boolean {
  return host.startsWith('127.')
}

/** RFC 1918 ranges: 10/8, 172.16/12, 192.168/16. */
export function isPrivate(host: string): boolean {
  const [a, b] = firstOctets(host)
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
}

/** Loopback or private: the ranges exempt from per-address limits by default. */
export function isLocal(host: string): boolean {
  return isLoopback(host) || isPrivate(host)
}

/** The /24 a host belongs to, as `a.b.c`; the key IP-diversity limits count by. */
export function subnet24(host: string): string {
  return host.slice(0, host.lastIndexOf('.'))
}
