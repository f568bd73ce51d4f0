// Node ids and XOR distance, computed independently of either implementation: BLAKE2b-256 of the
// 6-byte ipv4Address (4 address bytes in network order, port little-endian).

import { createRequire } from 'node:module'

interface Sodium {
  crypto_generichash(out: Uint8Array, input: Uint8Array): void
}

// dht-rpc's own libsodium binding, resolved from dht-rpc's location (not declared here).
const requireHere = createRequire(import.meta.url)
const sodium = createRequire(requireHere.resolve('dht-rpc'))('sodium-universal') as Sodium

/** The 6-byte ipv4Address encoding of host:port. */
export function encodeIpv4Address(host: string, port: number): Buffer {
  const parts = host.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${host}`)
  }
  const out = Buffer.alloc(6)
  parts.forEach((p, i) => (out[i] = p))
  out.writeUInt16LE(port, 4)
  return out
}

/** The dht-rpc node id of host:port. */
export function nodeId(host: string, port: number): Buffer {
  const out = Buffer.alloc(32)
  sodium.crypto_generichash(out, encodeIpv4Address(host, port))
  return out
}

/** Negative if `a` is closer to `target` than `b` by XOR distance, 0 if equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] ?? 0) ^ (target[i] ?? 0)
    const db = (b[i] ?? 0) ^ (target[i] ?? 0)
    if (da !== db) return da - db
  }
  return 0
}

/** The `k` ids closest to `target`, closest first. */
export function closestIds(target: Uint8Array, ids: readonly Buffer[], k: number): Buffer[] {
  return [...ids].sort((a, b) => compareDistance(target, a, b)).slice(0, k)
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
