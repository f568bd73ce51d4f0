// parseRemoteKey: what connect() accepts as a server key — bytes, hex, z-base32, pear://, hyperdht-address.

import type { HostPort } from '@keymesh/dht-rpc'
import { decode, hyperdhtAddress } from '@keymesh/wire'
import b4a from 'b4a'
import { HyperDHTError } from './errors.js'

const Z32_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769'

/** The server key, plus relay hints when the input was a hyperdht address carrying nodes. */
export interface RemoteKey {
  publicKey: Buffer
  nodes: HostPort[]
}

/**
 * Accepts a 32-byte key or hyperdht-address buffer, a 64-character hex key, or a 52-character
 * z-base32 key (optionally prefixed `pear://`), as hyperdht does through hypercore-id-encoding.
 *
 * @throws HyperDHTError `INVALID_ARGUMENT` for anything else
 */
export function parseRemoteKey(input: Uint8Array | string): RemoteKey {
  let bytes: Uint8Array
  if (typeof input === 'string') {
    const id = input.startsWith('pear://') ? input.slice(7) : input
    if (id.length === 64 && /^[0-9a-fA-F]+$/.test(id)) bytes = b4a.from(id, 'hex')
    else if (id.length === 52) bytes = z32Decode(id)
    else throw new HyperDHTError('INVALID_ARGUMENT', 'Invalid key: expected hex or z-base32')
  } else if (input instanceof Uint8Array) {
    bytes = input
  } else {
    throw new HyperDHTError('INVALID_ARGUMENT', 'Invalid key: expected bytes or a string')
  }
  if (bytes.byteLength < 32) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'Invalid key: shorter than 32 bytes')
  }
  if (bytes.byteLength === 32) return { publicKey: b4a.from(bytes) as Buffer, nodes: [] }
  try {
    const addr = decode(hyperdhtAddress, bytes)
    return {
      publicKey: b4a.from(addr.publicKey) as Buffer,
      nodes: addr.nodes.map((n) => ({ host: n.host, port: n.port }))
    }
  } catch (err) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'Invalid key: malformed hyperdht address', {
      cause: err
    })
  }
}

function z32Decode(s: string): Buffer {
  const out = b4a.alloc(32) as Buffer
  let bits = 0
  let acc = 0
  let o = 0
  for (const ch of s) {
    const v = Z32_ALPHABET.indexOf(ch)
    if (v === -1) throw new HyperDHTError('INVALID_ARGUMENT', 'Invalid key: bad z-base32')
    acc = (acc << 5) | v
    bits += 5
    if (bits >= 8) {
      bits -= 8
      if (o < 32) out[o++] = (acc >> bits) & 0xff
    }
    acc &= (1 << bits) - 1
  }
  if (o !== 32) throw new HyperDHTError('INVALID_ARGUMENT', 'Invalid key: bad z-base32 length')
  return out
}
