// CliError: the keymesh command's one error type, with stable codes and the exit code of each.

/** Every `CliError` code with its default message. */
export const CLI_ERROR_MESSAGES = Object.freeze({
  USAGE: 'Invalid command line',
  INVALID_KEY_FILE: 'Not a keymesh key file',
  KEY_FILE_EXISTS: 'Key file already exists',
  FILE_READ_FAILED: 'Could not read the file',
  FILE_WRITE_FAILED: 'Could not write the file',
  NO_NETWORK: 'None of the bootstrap nodes answered',
  NOT_FOUND: 'Nothing found',
  PUT_FAILED: 'No node stored the value',
  TCP_LISTEN_FAILED: 'Could not listen on the TCP address',
  TCP_CONNECT_FAILED: 'Could not connect to the TCP address',
  GATEWAY_LISTEN_FAILED: 'Could not start the gateway',
  CHECKS_FAILED: 'Some checks failed',
  INTERRUPTED: 'Interrupted'
})

/** A stable `CliError` code; `err.code` narrows to this union. */
export type CliErrorCode = keyof typeof CLI_ERROR_MESSAGES

/** Every code, in table order. */
export const CLI_ERROR_CODES = Object.freeze(Object.keys(CLI_ERROR_MESSAGES) as CliErrorCode[])

/**
 * A failure the CLI reports itself (errors of the DHT keep their own codes). The message is
 * `${code}: ${message}`, as keymesh's other errors format it.
 */
export class CliError extends Error {
  /** Stable machine-readable code. */
  readonly code: CliErrorCode

  /**
   * @param code - one of {@link CLI_ERROR_CODES}
   * @param message - text without the code; defaults to the code's message
   * @param opts - `cause`, as for `Error`
   */
  constructor(code: CliErrorCode, message?: string, opts?: { cause?: unknown }) {
    super(`${code}: ${message ?? CLI_ERROR_MESSAGES[code]}`, opts)
    this.code = code
  }

  /** Always `'CliError'`. */
  override get name(): string {
    return 'CliError'
  }

  /** A bad command line or option value (exit 2). */
  static usage(message: string): CliError {
    return new CliError('USAGE', message)
  }
}
