// Internal byte helpers: allocate output Buffers and validate Uint8Array inputs.

import b4a from 'b4a'
import { CryptoError } from './errors.js'

/**
 * A zero-filled Node Buffer of `size` bytes with its own backing store, so a retained output
 * never pins a shared allocation slab. b4a returns a Buffer on Node; its typings say Uint8Array.
 * @internal
 */
export function allocBuffer(size: number): Buffer {
  return b4a.alloc(size) as Buffer
}

// Native calls that write into a fresh small Buffer first have to move its memory off the V8
// heap, which costs more than the hash itself. Writing into this long-lived off-heap scratch and
// copying out in JS keeps outputs independent of any slab at about half the cost.
const SCRATCH = b4a.allocUnsafeSlow(64)

/**
 * A view of the first `size` (at most 64) bytes of the shared scratch area, for a native call to
 * write into. Pass the same view to {@link takeScratch} before the next use.
 * @internal
 */
export function scratch(size: number): Uint8Array {
  return SCRATCH.subarray(0, size)
}

/**
 * Copies a scratch view into a new Buffer (own memory) and wipes the scratch bytes.
 * @internal
 */
export function takeScratch(view: Uint8Array): Buffer {
  const out = allocBuffer(view.byteLength)
  out.set(view)
  view.fill(0)
  return out
}

/**
 * UTF-8 bytes of `text` as a Buffer.
 * @internal
 */
export function utf8(text: string): Buffer {
  return b4a.from(text, 'utf8') as Buffer
}

/**
 * True when `value` is a Uint8Array (Buffers included), optionally of exactly `length` bytes.
 * @internal
 */
export function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.byteLength === length)
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a Uint8Array.
 * @internal
 */
export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw CryptoError.INVALID_ARGUMENT(`${name} must be a Uint8Array`)
  }
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a Uint8Array, then `INVALID_LENGTH` unless it has
 * exactly `length` bytes.
 * @internal
 */
export function assertLength(
  value: unknown,
  length: number,
  name: string
): asserts value is Uint8Array {
  assertBytes(value, name)
  if (value.byteLength !== length) {
    throw CryptoError.INVALID_LENGTH(`${name} must be ${length} bytes, got ${value.byteLength}`)
  }
}

/**
 * Like {@link assertLength} but reports a wrong length as `INVALID_KEY_LENGTH`.
 * @internal
 */
export function assertKeyLength(
  value: unknown,
  length: number,
  name: string
): asserts value is Uint8Array {
  assertBytes(value, name)
  if (value.byteLength !== length) {
    throw CryptoError.INVALID_KEY_LENGTH(`${name} must be ${length} bytes, got ${value.byteLength}`)
  }
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a string.
 * @internal
 */
export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw CryptoError.INVALID_ARGUMENT(`${name} must be a string`)
}
