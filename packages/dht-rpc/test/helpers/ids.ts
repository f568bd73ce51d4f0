// Node ids and table nodes with chosen bit patterns, for routing-table and query tests.

import { createNode } from '../../src/peer.js'
import type { DHTNode } from '../../src/peer.js'

/** A 32-byte id sharing exactly `row` (< 240) leading bits with `base`; `tag` sets the last 2 bytes. */
export function idInRow(base: Uint8Array, row: number, tag: number): Buffer {
  const id = Buffer.from(base)
  const byte = row >> 3
  id[byte] = (id[byte] as number) ^ (0x80 >> (row & 7))
  id.writeUInt16BE(tag & 0xffff, 30)
  return id
}

/** A table node with `id` at `host:port` and tick 0. */
export function nodeWithId(id: Buffer, host = '127.0.0.1', port = 10000): DHTNode {
  return createNode(id, host, port, 0)
}

/** Hex of a buffer, for assertions. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}
