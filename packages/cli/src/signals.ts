// Stop signals: an AbortSignal fired by SIGINT/SIGTERM, and promises that give way to it.

/**
 * Resolves or rejects like `promise`, or rejects with `signal.reason` as soon as `signal`
 * aborts (the work behind `promise` is left to its owner to cancel).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onabort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onabort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onabort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onabort)
        reject(err as Error)
      }
    )
  })
}

/** Resolves when `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** The reason a stop signal aborts with: which signal arrived. */
export class StopSignal extends Error {
  /** `'SIGINT'` or `'SIGTERM'`. */
  readonly signal: 'SIGINT' | 'SIGTERM'

  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`INTERRUPTED: stopped by ${signal}`)
    this.signal = signal
  }

  /** Always `'INTERRUPTED'`, like a CliError code. */
  get code(): 'INTERRUPTED' {
    return 'INTERRUPTED'
  }
}
