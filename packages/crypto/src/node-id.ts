// dht-rpc node ids: H(ipv4Address(host, port)) (wire-protocol.md §1.6, §3.5).

import b4a from 'b4a'
import { allocBuffer } from './bytes.js'
import { CryptoError } from './errors.js'
import { generichash } from './hash.js'
import { HASH_BYTES } from './sizes.js'

/** Length of an encoded `ipv4Address`: 4 address bytes + uint16 LE port. */
export const IPV4_ADDRESS_BYTES = 6

// long-lived off-heap input for nodeId, so hashing an address allocates only the output
const ADDRESS_SCRATCH = b4a.allocUnsafeSlow(IPV4_ADDRESS_BYTES)

const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

// strict dotted quad: four groups of 1-3 decimal digits, each 0..255
function writeIpv4Address(out: Uint8Array, host: string, port: number): void {
  if (typeof host !== 'string') throw CryptoError.INVALID_ADDRESS('host must be a string')
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw CryptoError.INVALID_ADDRESS(`port must be an integer 0..65535, got ${String(port)}`)
  }
  const malformed = (): CryptoError =>
    CryptoError.INVALID_ADDRESS(`not a dotted-quad IPv4 host: ${JSON.stringify(host)}`)
  let octet = 0
  let digits = 0
  let index = 0
  for (let i = 0; i <= host.length; i++) {
    const ch = i === host.length ? DOT : host.charCodeAt(i)
    if (ch === DOT) {
      if (digits === 0 || octet > 255 || index > 3) throw malformed()
      out[index++] = octet
      octet = 0
      digits = 0
    } else if (ch >= ZERO && ch <= NINE && digits < 3) {
      octet = octet * 10 + (ch - ZERO)
      digits++
    } else {
      throw malformed()
    }
  }
  if (index !== 4) throw malformed()
  out[4] = port & 0xff
  out[5] = port >>> 8
}

/**
 * Encodes `host:port` as the 6-byte `ipv4Address`: the four octets in network order, then the
 * port as uint16 little-endian. `'127.0.0.1', 49737` gives `7f000001 49c2`.
 *
 * @param host - dotted-quad IPv4 string, each part 1-3 decimal digits with value 0..255
 * @param port - integer 0..65535
 * @returns a new 6-byte Buffer
 * @throws CryptoError `INVALID_ADDRESS` for a malformed host or out-of-range port
 */
export function ipv4AddressBytes(host: string, port: number): Buffer {
  const out = allocBuffer(IPV4_ADDRESS_BYTES)
  writeIpv4Address(out, host, port)
  return out
}

/**
 * A dht-rpc node id: `H(ipv4Address(host, port))`, the BLAKE2b-256 of the 6-byte address
 * encoding. Same value as dht-rpc's `peer.id(host, port)`.
 *
 * @param host - the node's public dotted-quad IPv4 host
 * @param port - the node's public port, 0..65535
 * @returns a new 32-byte Buffer
 * @throws CryptoError `INVALID_ADDRESS` for a malformed host or out-of-range port
 */
export function nodeId(host: string, port: number): Buffer {
  writeIpv4Address(ADDRESS_SCRATCH, host, port)
  return generichash(HASH_BYTES, ADDRESS_SCRATCH)
}
