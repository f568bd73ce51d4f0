// Signal: a promise that every current waiter gets resolved by the next notify().

/** Waiters park on `wait()`; `notify()` releases all of them at once (edge-triggered). */
export class Signal {
  private waiters: (() => void)[] = []

  /** Resolves at the next {@link Signal.notify}. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Release every waiter. */
  notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const resolve of waiters) resolve()
  }
}
