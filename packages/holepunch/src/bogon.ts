// Address classes used by connect/server: the `bogon` npm package's isBogon, isPrivate, isReserved.

/**
 * True for a private or reserved address (`bogon`'s `isBogon`): such a host is never a public
 * address worth punching to. False for anything that is not an IPv4 or IPv6 literal.
 */
export function isBogon(host: string): boolean {
  const ip = parseIp(host)
  return ip !== null && (privateBytes(ip) || reservedBytes(ip))
}

/**
 * True for IPv4 private-use, carrier-grade NAT, loopback and link-local ranges (10/8,
 * 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16). IPv6 has no private ranges here.
 */
export function isPrivate(host: string): boolean {
  const ip = parseIp(host)
  return ip !== null && privateBytes(ip)
}

/**
 * True for IPv4 "this network", IETF, TEST-NET-1/2/3, benchmarking, multicast and future-use
 * ranges and broadcast; for IPv6 unspecified, loopback, IPv4-mapped/compatible, discard-only,
 * ORCHID, documentation, unique-local, link-local and multicast ranges.
 */
export function isReserved(host: string): boolean {
  const ip = parseIp(host)
  return ip !== null && reservedBytes(ip)
}

function privateBytes(ip: Uint8Array): boolean {
  if (ip.length !== 4) return false
  const [a = 0, b = 0] = ip
  return (
    a === 10 ||
    (a === 100 && b >= 64 && b <= 127) ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  )
}

function reservedBytes(ip: Uint8Array): boolean {
  return ip.length === 4 ? reservedIpv4(ip) : reservedIpv6(ip)
}

function reservedIpv4(ip: Uint8Array): boolean {
  const [a = 0, b = 0, c = 0] = ip
  return (
    a === 0 ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 192 && b === 0 && c === 2) ||
    (a === 198 && b >= 18 && b <= 19) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224 // multicast 224/4, future use 240/4 and broadcast
  )
}

function reservedIpv6(ip: Uint8Array): boolean {
  const zeros = (n: number): boolean => ip.subarray(0, n).every((x) => x === 0)
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = ip
  const b10 = ip[10] ?? 0
  const b11 = ip[11] ?? 0
  return (
    (zeros(15) && (ip[15] ?? 0) <= 1) || // :: and ::1
    // ::ffff:0:0/96 and ::/96, with bogon's byte-wise test of bytes 10 and 11
    (zeros(10) && (b10 === 0 || b10 === 0xff) && (b11 === 0 || b11 === 0xff)) ||
    (b0 === 0x01 && ip.subarray(1, 8).every((x) => x === 0)) || // 100::/64
    (b0 === 0x20 && b1 === 0x01 && b2 === 0 && b3 >= 0x10 && b3 <= 0x2f) || // ORCHID v1 and v2
    (b0 === 0x20 && b1 === 0x01 && b2 === 0x0d && b3 === 0xb8) || // 2001:db8::/32
    (b0 >= 0xfc && b0 <= 0xfd) || // fc00::/7
    (b0 === 0xfe && b1 >= 0x80 && b1 <= 0xbf) || // fe80::/10
    b0 === 0xff // ff00::/8
  )
}

// 4 or 16 bytes for an IPv4 / IPv6 literal, null for anything else.
function parseIp(host: string): Uint8Array | null {
  if (typeof host !== 'string') return null
  return host.includes(':') ? parseIpv6(host) : parseIpv4(host)
}

function parseIpv4(host: string): Uint8Array | null {
  const parts = host.split('.')
  if (parts.length !== 4) return null
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? ''
    if (!/^\d{1,3}$/.test(part)) return null
    const n = Number(part)
    if (n > 255) return null
    out[i] = n
  }
  return out
}

function parseIpv6(host: string): Uint8Array | null {
  const zone = host.indexOf('%')
  const addr = zone === -1 ? host : host.slice(0, zone)
  const halves = addr.split('::')
  if (halves.length > 2) return null

  const head = parseGroups(halves[0] ?? '', halves.length === 1)
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : []
  if (head === null || tail === null) return null
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null

  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}

// Hex groups of one side of '::'; an embedded IPv4 is allowed only at the very end.
function parseGroups(part: string, last: boolean): number[] | null {
  if (part === '') return []
  const out: number[] = []
  const items = part.split(':')
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? ''
    if (last && i === items.length - 1 && item.includes('.')) {
      const v4 = parseIpv4(item)
      if (v4 === null) return null
      out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0))
      continue
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null
    out.push(parseInt(item, 16))
  }
  return out
}
