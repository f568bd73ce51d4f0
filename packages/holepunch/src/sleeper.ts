// Sleeper: cancellable pauses, so a destroyed puncher leaves no timer behind.

/**
 * Hands out `pause(ms)` promises and cancels them all at once. A cancelled pause resolves (it
 * never rejects): the background loops that sleep re-check their own state after every pause.
 */
export class Sleeper {
  private readonly pending = new Map<NodeJS.Timeout, () => void>()
  private stopped = false

  /** True once {@link Sleeper.destroy} ran; later pauses resolve at once. */
  get destroyed(): boolean {
    return this.stopped
  }

  /** Resolves after `ms`, or as soon as the sleeper is destroyed. */
  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer)
        resolve()
      }, ms)
      this.pending.set(timer, resolve)
    })
  }

  /** Clears every timer and resolves every pending pause. Idempotent. */
  destroy(): void {
    this.stopped = true
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer)
      resolve()
    }
    this.pending.clear()
  }
}
