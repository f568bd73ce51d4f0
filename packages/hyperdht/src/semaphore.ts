// Semaphore: bounds how many handshake attempts run at once, with a wait for all to finish.

/** A counting semaphore; `destroy()` releases every waiter with `false`. */
export class Semaphore {
  private active = 0
  private readonly waiting: ((ok: boolean) => void)[] = []
  private flushed: (() => void) | null = null
  private destroyed = false

  constructor(private readonly limit: number) {}

  /** Resolves true once a slot is free (false after destroy). */
  wait(): Promise<boolean> {
    if (this.destroyed) return Promise.resolve(false)
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++
      return Promise.resolve(true)
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  /** Give a slot back. */
  signal(): void {
    if (this.destroyed) return
    this.active--
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++
      ;(this.waiting.shift() as (ok: boolean) => void)(true)
    }
    if (this.active === 0 && this.flushed !== null) {
      const done = this.flushed
      this.flushed = null
      done()
    }
  }

  /** Resolves once no slot is taken. */
  flush(): Promise<void> {
    if (this.active === 0 || this.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      const prev = this.flushed
      this.flushed = () => {
        if (prev !== null) prev()
        resolve()
      }
    })
  }

  destroy(): void {
    this.destroyed = true
    for (const w of this.waiting.splice(0)) w(false)
    if (this.flushed !== null) this.flushed()
    this.flushed = null
  }
}
