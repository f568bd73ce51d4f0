// The largest record values that a node can still answer in one datagram, from the wire codecs.

import { K, MAX_DATAGRAM_BYTES, encodingLength, rpcResponse, uint } from '@keymesh/wire'

const SIGNATURE = new Uint8Array(64)
const EMPTY = new Uint8Array(0)
// the widest address and tid encodings, so the bound holds for any sender and receiver
const ADDR = { host: '255.255.255.255', port: 65535 }

/** Bytes of a reply carrying every optional field (id, token, k closer nodes) and an empty value. */
const REPLY_OVERHEAD =
  encodingLength(rpcResponse, {
    tid: 65535,
    to: ADDR,
    id: SIGNATURE.subarray(0, 32),
    token: SIGNATURE.subarray(0, 32),
    closerNodes: Array.from({ length: K }, () => ADDR),
    error: 0,
    value: EMPTY
  }) - encodingLength(uint, 0)

/** True when a reply whose value is `bytes` long fits a datagram even in the worst case. */
export function replyValueFits(bytes: number): boolean {
  return REPLY_OVERHEAD + encodingLength(uint, bytes) + bytes <= MAX_DATAGRAM_BYTES
}

/** Stored (and MUTABLE_GET reply) size of a mutable record: `uint seq, buffer value, fixed64`. */
export function mutableRecordBytes(seq: number, valueBytes: number): number {
  return (
    encodingLength(uint, seq) + encodingLength(uint, valueBytes) + valueBytes + SIGNATURE.byteLength
  )
}

/** True when a node can answer a MUTABLE_GET for this record within one datagram. */
export function mutableRecordFits(seq: number, valueBytes: number): boolean {
  return replyValueFits(mutableRecordBytes(seq, valueBytes))
}

function largest(fits: (n: number) => boolean): number {
  let n = MAX_DATAGRAM_BYTES
  while (n > 0 && !fits(n)) n--
  return n
}

/**
 * Largest mutable value for a seq below 253 (one-byte seq encoding): its worst-case MUTABLE_GET
 * reply (every optional field, k closer nodes) still fits {@link MAX_DATAGRAM_BYTES}, so what a
 * node accepts can be read back. Larger seqs leave up to 8 bytes less; the exact check is
 * {@link mutableRecordFits}. Larger values are refused before sending with `VALUE_TOO_LARGE`.
 */
export const MAX_MUTABLE_VALUE_BYTES = largest((n) => mutableRecordFits(0, n))

/** Largest immutable value: its worst-case IMMUTABLE_GET reply fits one datagram. */
export const MAX_IMMUTABLE_VALUE_BYTES = largest(replyValueFits)
