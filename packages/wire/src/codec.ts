// The Codec type (compact-encoding's shape) and the encode/decode/tryDecode entry points.

import { WireError } from './errors.js'

/**
 * Encoding state, identical in shape to compact-encoding's: `preencode` grows `end`, `encode`
 * writes at `start` and advances it, `decode` reads from `start` up to `end`.
 */
export interface State {
  start: number
  end: number
  buffer: Uint8Array | null
}

/**
 * A codec in compact-encoding's shape, so compact-encoding primitives and keymesh codecs
 * compose. `I` is what `encode` accepts (byte fields as `Uint8Array`), `O` what `decode`
 * returns (byte fields as `Buffer` views into the input).
 */
export interface Codec<I, O = I> {
  /** Message name used in errors, e.g. `'announce'`. */
  readonly name: string
  /**
   * True for messages the protocol extends by appending fields: trailing bytes after the
   * known fields are ignored instead of rejected (docs/wire-protocol.md §3.1, §4.3).
   */
  readonly extensible?: boolean
  preencode(state: State, value: I): void
  encode(state: State, value: I): void
  decode(state: State): O
}

/** The decoded type of a codec. */
export type Decoded<C> = C extends Codec<never, infer O> ? O : never
/** The type a codec's `encode` accepts. */
export type EncodeInput<C> = C extends Codec<infer I, unknown> ? I : never

/** Buffer view over any Uint8Array, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** The number of bytes `encode(codec, value)` produces. Throws `ENCODE_FAILED` on bad input. */
export function encodingLength<I>(codec: Codec<I, unknown>, value: I): number {
  const state: State = { start: 0, end: 0, buffer: null }
  try {
    codec.preencode(state, value)
  } catch (err) {
    throw asEncodeError(codec.name, err)
  }
  return state.end
}

/** Encode `value` into a new exactly-sized Buffer. Throws `ENCODE_FAILED` on bad input. */
export function encode<I>(codec: Codec<I, unknown>, value: I): Buffer {
  const state: State = { start: 0, end: 0, buffer: null }
  try {
    codec.preencode(state, value)
    const buffer = Buffer.allocUnsafe(state.end)
    state.buffer = buffer
    codec.encode(state, value)
    return buffer
  } catch (err) {
    throw asEncodeError(codec.name, err)
  }
}

/**
 * Decode one whole message. Byte fields of the result are views into `bytes` (copy what you
 * keep). Throws `WireError` (`DECODE_FAILED`) on any malformed input, including trailing bytes
 * after a message that is not `extensible`.
 */
export function decode<O>(codec: Codec<never, O>, bytes: Uint8Array): O {
  if (!(bytes instanceof Uint8Array)) {
    throw WireError.decode('INVALID_VALUE', codec.name, 0, 'input is not a Uint8Array')
  }
  const buffer = asBuffer(bytes)
  const state: State = { start: 0, end: buffer.byteLength, buffer }
  let value: O
  try {
    value = codec.decode(state)
  } catch (err) {
    throw asDecodeError(codec.name, state.start, err)
  }
  if (state.start !== state.end && codec.extensible !== true) {
    throw WireError.decode(
      'TRAILING_BYTES',
      codec.name,
      state.start,
      `${state.end - state.start} unexpected trailing bytes`
    )
  }
  return value
}

/** Like `decode`, but returns `null` instead of throwing: for socket boundaries. */
export function tryDecode<O>(codec: Codec<never, O>, bytes: Uint8Array): O | null {
  try {
    return decode(codec, bytes)
  } catch {
    return null
  }
}

function asDecodeError(name: string, offset: number, err: unknown): WireError {
  if (err instanceof WireError) return err.relabel(name)
  // A native error here is a codec bug; still surface it as the one typed error.
  return WireError.decode('INTERNAL', name, offset, String((err as Error)?.message ?? err))
}

function asEncodeError(name: string, err: unknown): WireError {
  if (err instanceof WireError) return err.relabel(name)
  return WireError.encode(name, String((err as Error)?.message ?? err))
}
