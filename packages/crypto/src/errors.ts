// CryptoError: the one error type this package throws, with its stable codes.

/** Every `CryptoError` code, in the order the README table lists them. */
export const CRYPTO_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_KEY_LENGTH',
  'INVALID_SEED',
  'INVALID_LENGTH',
  'INVALID_ADDRESS'
] as const

/** A stable `CryptoError` code; `err.code` narrows to this union. */
export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number]

/**
 * Thrown synchronously when a function of this package is misused (wrong type, wrong length,
 * malformed address). Never thrown for a bad signature: verification returns `false` instead.
 * The message is formatted `${code}: ${message}`.
 */
export class CryptoError extends Error {
  /** Stable machine-readable code. */
  readonly code: CryptoErrorCode

  /**
   * @param code - one of {@link CRYPTO_ERROR_CODES}
   * @param message - human-readable detail, without the code
   * @param from - frame to hide from the stack trace (the static factory)
   */
  constructor(code: CryptoErrorCode, message: string, from?: Function) {
    super(`${code}: ${message}`)
    this.code = code
    Error.captureStackTrace(this, from ?? CryptoError)
  }

  /** Always `'CryptoError'`. */
  override get name(): string {
    return 'CryptoError'
  }

  /** A value has the wrong type or is out of its allowed range. */
  static INVALID_ARGUMENT(message = 'Invalid argument'): CryptoError {
    return new CryptoError('INVALID_ARGUMENT', message, CryptoError.INVALID_ARGUMENT)
  }

  /** A public key, secret key or hash key has the wrong number of bytes. */
  static INVALID_KEY_LENGTH(message = 'Invalid key length'): CryptoError {
    return new CryptoError('INVALID_KEY_LENGTH', message, CryptoError.INVALID_KEY_LENGTH)
  }

  /** A key-pair seed is not exactly 32 bytes. */
  static INVALID_SEED(message = 'Seed must be 32 bytes'): CryptoError {
    return new CryptoError('INVALID_SEED', message, CryptoError.INVALID_SEED)
  }

  /** A fixed-size input that is not a key (target, node id, token, hash) has the wrong length. */
  static INVALID_LENGTH(message = 'Invalid length'): CryptoError {
    return new CryptoError('INVALID_LENGTH', message, CryptoError.INVALID_LENGTH)
  }

  /** A host is not a dotted-quad IPv4 string, or a port is not an integer in 0..65535. */
  static INVALID_ADDRESS(message = 'Invalid IPv4 address'): CryptoError {
    return new CryptoError('INVALID_ADDRESS', message, CryptoError.INVALID_ADDRESS)
  }
}
