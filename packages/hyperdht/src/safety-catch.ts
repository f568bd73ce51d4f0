// safetyCatch: swallow the operational failures of background work, rethrow programming errors.

const NATIVE_ERRORS = [EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]

/**
 * For `.catch(safetyCatch)` on work nobody awaits: network failures and aborts are expected and
 * dropped, but a native error (a bug) is rethrown so it surfaces instead of vanishing.
 */
export function safetyCatch(err: unknown): void {
  if (NATIVE_ERRORS.some((Native) => err instanceof Native)) throw err
}
