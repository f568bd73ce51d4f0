// SecretStreamError: the one error type of this package, with its stable codes.

/** Every `SecretStreamError` code, in the order the README table lists them. */
export const SECRET_STREAM_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_STATE',
  'HANDSHAKE_FAILED',
  'HANDSHAKE_TIMEOUT',
  'REMOTE_KEY_MISMATCH',
  'INVALID_HEADER',
  'INVALID_MESSAGE',
  'DECRYPTION_FAILED',
  'FRAME_TOO_LARGE',
  'TRUNCATED_FRAME',
  'MESSAGE_TOO_LARGE',
  'STREAM_TIMEOUT',
  'STREAM_DESTROYED',
  'SEND_NONCE_EXHAUSTED'
] as const

/** A stable `SecretStreamError` code; `err.code` narrows to this union. */
export type SecretStreamErrorCode = (typeof SECRET_STREAM_ERROR_CODES)[number]

/**
 * The error a `NoiseSecretStream` is destroyed with, or that a misused function throws. The
 * message is formatted `${code}: ${message}`; where @hyperswarm/secret-stream has a message for
 * the same failure, `message` repeats it.
 */
export class SecretStreamError extends Error {
  /** Stable machine-readable code. */
  readonly code: SecretStreamErrorCode

  /**
   * @param code - one of {@link SECRET_STREAM_ERROR_CODES}
   * @param message - human-readable detail, without the code
   * @param from - frame to hide from the stack trace (the static factory)
   * @param cause - the underlying error, if any (kept as `err.cause`)
   */
  constructor(code: SecretStreamErrorCode, message: string, from?: Function, cause?: unknown) {
    super(`${code}: ${message}`, cause === undefined ? undefined : { cause })
    this.code = code
    Error.captureStackTrace(this, from ?? SecretStreamError)
  }

  /** Always `'SecretStreamError'`. */
  override get name(): string {
    return 'SecretStreamError'
  }

  /** A value has the wrong type or is out of range (thrown synchronously). */
  static INVALID_ARGUMENT(message = 'Invalid argument'): SecretStreamError {
    return new SecretStreamError('INVALID_ARGUMENT', message, SecretStreamError.INVALID_ARGUMENT)
  }

  /** A method was called at a point of the lifecycle where it cannot run (thrown). */
  static INVALID_STATE(message = 'Invalid state'): SecretStreamError {
    return new SecretStreamError('INVALID_STATE', message, SecretStreamError.INVALID_STATE)
  }

  /**
   * A handshake message was malformed or failed to decrypt, or the connection ended, closed or
   * failed mid-handshake (a transport error is kept as `cause`).
   */
  static HANDSHAKE_FAILED(message = 'Noise handshake failed', cause?: unknown): SecretStreamError {
    return new SecretStreamError(
      'HANDSHAKE_FAILED',
      message,
      SecretStreamError.HANDSHAKE_FAILED,
      cause
    )
  }

  /** The `timeout` elapsed without input before the handshake completed. */
  static HANDSHAKE_TIMEOUT(message = 'Stream timed out during the handshake'): SecretStreamError {
    return new SecretStreamError('HANDSHAKE_TIMEOUT', message, SecretStreamError.HANDSHAKE_TIMEOUT)
  }

  /** The peer authenticated with a static key other than the expected `remotePublicKey`. */
  static REMOTE_KEY_MISMATCH(
    message = 'Remote public key does not match the expected key'
  ): SecretStreamError {
    return new SecretStreamError(
      'REMOTE_KEY_MISMATCH',
      message,
      SecretStreamError.REMOTE_KEY_MISMATCH
    )
  }

  /** The first frame after the handshake is not a 56-byte header for the other role. */
  static INVALID_HEADER(message = 'Invalid header received'): SecretStreamError {
    return new SecretStreamError('INVALID_HEADER', message, SecretStreamError.INVALID_HEADER)
  }

  /** A data frame is shorter than the 17 bytes every encrypted message has. */
  static INVALID_MESSAGE(message = 'Invalid message received'): SecretStreamError {
    return new SecretStreamError('INVALID_MESSAGE', message, SecretStreamError.INVALID_MESSAGE)
  }

  /** A data frame failed authentication (tampered, replayed, reordered or garbage). */
  static DECRYPTION_FAILED(message = 'Message authentication failed'): SecretStreamError {
    return new SecretStreamError('DECRYPTION_FAILED', message, SecretStreamError.DECRYPTION_FAILED)
  }

  /** An incoming frame announced more bytes than allowed; rejected before buffering it. */
  static FRAME_TOO_LARGE(message = 'Frame too large'): SecretStreamError {
    return new SecretStreamError('FRAME_TOO_LARGE', message, SecretStreamError.FRAME_TOO_LARGE)
  }

  /** The raw stream ended in the middle of a frame. */
  static TRUNCATED_FRAME(message = 'Stream ended inside a frame'): SecretStreamError {
    return new SecretStreamError('TRUNCATED_FRAME', message, SecretStreamError.TRUNCATED_FRAME)
  }

  /** A write is larger than one uint24 frame can carry (fails that write only). */
  static MESSAGE_TOO_LARGE(message = 'Message is too large'): SecretStreamError {
    return new SecretStreamError('MESSAGE_TOO_LARGE', message, SecretStreamError.MESSAGE_TOO_LARGE)
  }

  /** No input arrived within the `timeout` once the stream was open. */
  static STREAM_TIMEOUT(message = 'Stream timed out'): SecretStreamError {
    return new SecretStreamError('STREAM_TIMEOUT', message, SecretStreamError.STREAM_TIMEOUT)
  }

  /** A pending operation was cut short because the stream was destroyed. */
  static STREAM_DESTROYED(message = 'Stream destroyed'): SecretStreamError {
    return new SecretStreamError('STREAM_DESTROYED', message, SecretStreamError.STREAM_DESTROYED)
  }

  /** The unordered-message counter wrapped around to its initial value. */
  static SEND_NONCE_EXHAUSTED(message = 'udp send nonce exhausted'): SecretStreamError {
    return new SecretStreamError(
      'SEND_NONCE_EXHAUSTED',
      message,
      SecretStreamError.SEND_NONCE_EXHAUSTED
    )
  }
}
