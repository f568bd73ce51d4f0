// Sleeper: one cancellable pause at a time, for background loops that must stop promptly.

/**
 * `pause(ms)` resolves after `ms` or as soon as `resume()` is called, whichever is first. A new
 * pause ends the previous one. The timer is unref'd: a sleeping loop never holds the process.
 */
export class Sleeper {
  private timer: NodeJS.Timeout | null = null
  private wake: (() => void) | null = null

  /** Sleep for `ms`, or until {@link Sleeper.resume}. */
  pause(ms: number): Promise<void> {
    this.resume()
    return new Promise((resolve) => {
      this.wake = resolve
      this.timer = setTimeout(() => this.resume(), ms)
      this.timer.unref()
    })
  }

  /** End the current pause now (no-op when not sleeping). */
  resume(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const wake = this.wake
    this.wake = null
    if (wake !== null) wake()
  }
}
