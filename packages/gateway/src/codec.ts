// Parsing untrusted request fields (hex keys, strict base64, integers) and the JSON shapes sent back.

import type { PeerAddress } from '@keymesh/hyperdht'
import { GatewayError } from './errors.js'

const HEX32 = /^[0-9a-fA-F]{64}$/

/** A 32-byte key or hash given as 64 hex characters. */
export function parseHex32(s: string, what: string): Buffer {
  if (!HEX32.test(s)) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be 32 bytes as 64 hex characters`)
  }
  return Buffer.from(s, 'hex')
}

/** Strict base64 (standard with padding, or url-safe): anything that does not round-trip is refused. */
export function parseBase64(s: unknown, what: string): Buffer {
  if (typeof s !== 'string')
    throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be a base64 string`)
  const b = Buffer.from(s, 'base64')
  if (b.toString('base64') !== s && b.toString('base64url') !== s) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} is not valid base64`)
  }
  return b
}

/** A 32-byte public key in a JSON body: 64 hex characters or base64. */
export function parseKey(s: unknown, what: string): Buffer {
  if (typeof s === 'string' && HEX32.test(s)) return Buffer.from(s, 'hex')
  const b = parseBase64(s, what)
  if (b.byteLength !== 32) throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be 32 bytes`)
  return b
}

/** A 64-byte signature in base64. */
export function parseSignature(s: unknown, what = 'signature'): Buffer {
  const b = parseBase64(s, what)
  if (b.byteLength !== 64) throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be 64 bytes`)
  return b
}

/** A non-negative safe integer from JSON (number) or a query string (digits). */
export function parseUint(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be a non-negative integer`)
  }
  return n
}

/** `true`/`false`/`1`/`0` from a query string. */
export function parseBool(v: string, what: string): boolean {
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be true or false`)
}

/** A JSON object body, or 400. */
export function asObject(v: unknown, what = 'body'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', `${what} must be a JSON object`)
  }
  return v as Record<string, unknown>
}

/** Relay addresses from a JSON body: `[{ "host": "1.2.3.4", "port": 1234 }]`, at most 3. */
export function parseRelayAddresses(v: unknown): PeerAddress[] {
  if (v === undefined) return []
  if (!Array.isArray(v) || v.length > 3) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'relayAddresses must be an array of at most 3')
  }
  return v.map((a) => {
    const o = asObject(a, 'relay address')
    const host = o['host']
    const port = o['port']
    if (
      typeof host !== 'string' ||
      !/^(\d{1,3}\.){3}\d{1,3}$/.test(host) ||
      host.split('.').some((p) => Number(p) > 255)
    ) {
      throw new GatewayError('GATEWAY_BAD_REQUEST', 'relay address host must be an IPv4 address')
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new GatewayError('GATEWAY_BAD_REQUEST', 'relay address port must be 1-65535')
    }
    return { host, port }
  })
}

/** A peer as JSON. */
export function peerJson(p: { publicKey: Uint8Array; relayAddresses: readonly PeerAddress[] }) {
  return {
    publicKey: Buffer.from(p.publicKey).toString('hex'),
    relayAddresses: p.relayAddresses.map((a) => ({ host: a.host, port: a.port }))
  }
}

/** Base64 of bytes. */
export function b64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
}

/** Hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}
