// RefreshTimer: an unref'd timer that restarts its countdown on activity (keep-alive and timeout).

/**
 * Calls `ontimeout` once `ms` pass without a `refresh()`. With `repeat`, it keeps firing every
 * `ms` of inactivity until destroyed. Never keeps the process alive. Node's `Timeout.refresh()`
 * re-arms in O(1), so refreshing on every frame is cheap.
 * @internal
 */
export class RefreshTimer {
  private handle: NodeJS.Timeout | null
  private readonly ontimeout: () => void
  private readonly repeat: boolean

  constructor(ms: number, ontimeout: () => void, repeat: boolean) {
    this.ontimeout = ontimeout
    this.repeat = repeat
    this.handle = setTimeout(this.fire, ms)
    this.handle.unref()
  }

  /** Restarts the countdown from now. */
  refresh(): void {
    if (this.handle !== null) this.handle.refresh()
  }

  /** Cancels the timer for good. */
  destroy(): void {
    if (this.handle === null) return
    clearTimeout(this.handle)
    this.handle = null
  }

  private readonly fire = (): void => {
    if (this.handle === null) return
    if (this.repeat) this.handle.refresh()
    else this.handle = null
    this.ontimeout()
  }
}
