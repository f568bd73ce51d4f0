// A tiny real UDP "DHT node" for tests: answers each 2-byte request with the address it saw.

import UDX from 'udx-native'
import type { HostPort } from '../../src/index.js'
import type { TestInstance } from './brittle.js'
import { addressOf, createSocket } from './net.js'

/** Request: a 2-byte tid. Reply: tid (2) + observed IPv4 (4) + observed port (2, LE). */
export const REQUEST_BYTES = 2
export const REPLY_BYTES = 8

/** Encodes the reply a node sends to a request with `tid` coming from `seen`. */
export function encodeReply(tid: number, seen: HostPort): Buffer {
  const out = Buffer.alloc(REPLY_BYTES)
  out.writeUInt16LE(tid, 0)
  seen.host.split('.').forEach((octet, i) => out.writeUInt8(Number(octet), 2 + i))
  out.writeUInt16LE(seen.port, 6)
  return out
}

/** Decodes a reply, or null for anything else. */
export function decodeReply(buf: Uint8Array): { tid: number; seen: HostPort } | null {
  if (buf.byteLength !== REPLY_BYTES) return null
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  return {
    tid: b.readUInt16LE(0),
    seen: { host: [b[2], b[3], b[4], b[5]].join('.'), port: b.readUInt16LE(6) }
  }
}

/** `n` echo nodes on 127.0.0.1, closed on teardown; returns their addresses in creation order. */
export function createEchoNodes(t: TestInstance, udx: UDX, n: number): HostPort[] {
  const out: HostPort[] = []
  for (let i = 0; i < n; i++) {
    const socket = createSocket(t, udx)
    socket.on('message', (buf, rinfo) => {
      if (buf.byteLength !== REQUEST_BYTES) return
      socket.trySend(encodeReply(buf.readUInt16LE(0), rinfo), rinfo.port, rinfo.host)
    })
    out.push(addressOf(socket))
  }
  return out
}
