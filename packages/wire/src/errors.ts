// WireError: the one error type every codec in this package throws.

/** Stable error codes of `WireError`. */
export const WIRE_ERROR_CODES = ['DECODE_FAILED', 'ENCODE_FAILED'] as const

/** A `WireError` code: decoding bytes from the network, or encoding a caller's value. */
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number]

/** Why a decode or encode failed; finer than `code`, stable too. */
export const WIRE_ERROR_REASONS = [
  'TRUNCATED',
  'OVERSIZED',
  'BAD_FLAGS',
  'OUT_OF_RANGE',
  'TRAILING_BYTES',
  'INVALID_VALUE',
  'INTERNAL'
] as const

/** A `WireError` reason. `INTERNAL` means a bug in a codec, never expected. */
export type WireErrorReason = (typeof WIRE_ERROR_REASONS)[number]

/**
 * Thrown by every codec in `@keymesh/wire`. Decoders throw `DECODE_FAILED`, encoders given a
 * value they cannot represent throw `ENCODE_FAILED`. `messageName` names the message being
 * decoded or encoded and `offset` is the byte where the problem was found.
 */
export class WireError extends Error {
  /** Stable string code. */
  readonly code: WireErrorCode
  /** Finer-grained reason. */
  readonly reason: WireErrorReason
  /** The codec (message) that failed, e.g. `'announce'`. */
  messageName: string
  /** Byte offset into the input where the failure was detected. */
  readonly offset: number
  /** The bare description, without code and message name. */
  readonly detail: string

  constructor(
    code: WireErrorCode,
    reason: WireErrorReason,
    messageName: string,
    offset: number,
    detail: string
  ) {
    super(formatMessage(code, messageName, detail, offset))
    this.name = 'WireError'
    this.code = code
    this.reason = reason
    this.messageName = messageName
    this.offset = offset
    this.detail = detail
  }

  /** Re-label the error with the outermost message's name (keeps the inner one in the text). */
  relabel(messageName: string): this {
    if (messageName !== this.messageName) {
      this.messageName = messageName
      this.message = formatMessage(this.code, messageName, this.detail, this.offset)
    }
    return this
  }

  /** A decode failure. */
  static decode(reason: WireErrorReason, name: string, offset: number, detail: string): WireError {
    return new WireError('DECODE_FAILED', reason, name, offset, detail)
  }

  /** An encode failure (the caller passed a value the wire cannot carry). */
  static encode(name: string, detail: string): WireError {
    return new WireError('ENCODE_FAILED', 'INVALID_VALUE', name, 0, detail)
  }
}

function formatMessage(code: string, name: string, detail: string, offset: number): string {
  return code === 'DECODE_FAILED'
    ? `${code}: ${name}: ${detail} at byte ${offset}`
    : `${code}: ${name}: ${detail}`
}
