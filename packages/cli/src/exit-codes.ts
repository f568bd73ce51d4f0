// The exit codes of the keymesh command and how an error maps to one.

import { CliError } from './errors.js'

/** Exit codes, documented in the README. */
export const EXIT = Object.freeze({
  /** Done; or a long-running command stopped by SIGINT/SIGTERM. */
  OK: 0,
  /** The operation failed (network, peer, file, port). */
  FAILED: 1,
  /** Bad command line or option value. */
  USAGE: 2,
  /** `get`/`lookup` found nothing. */
  NOT_FOUND: 3,
  /** A one-shot command stopped by SIGINT (128 + 2). */
  SIGINT: 130,
  /** A one-shot command stopped by SIGTERM (128 + 15). */
  SIGTERM: 143
})

// codes of other packages that mean "the value given is wrong", not "the operation failed"
const USAGE_CODES = new Set(['INVALID_PORT', 'INVALID_HOST', 'INVALID_NODES'])

/** The exit code for a failure. */
export function exitCodeOf(err: unknown): number {
  const code = codeOf(err)
  if (code === 'USAGE' || USAGE_CODES.has(code)) return EXIT.USAGE
  if (code === 'NOT_FOUND') return EXIT.NOT_FOUND
  return EXIT.FAILED
}

/** `err.code` when it is a string, else `'ERROR'`. */
export function codeOf(err: unknown): string {
  if (err instanceof CliError) return err.code
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'ERROR'
}

/**
 * One line describing `err`: `CODE: message` (keymesh errors already read that way); plain
 * errors get their code, or `ERROR`, in front.
 */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const code = codeOf(err)
  const line = message.startsWith(code + ':') ? message : `${code}: ${message}`
  return line.replace(/\s*\n\s*/g, ' ')
}
