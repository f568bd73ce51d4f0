// Outgoing congestion window: four 750 ms slots, each capped at maxWindow sends (§3.7).

const SLOTS = 4

/**
 * Counts sends over the last four drain periods. Full when the current slot holds `maxWindow`
 * sends or all slots together hold `2 * maxWindow`. A response frees one send of the current
 * slot; {@link CongestionWindow.drain} (every 750 ms) forgets the oldest slot.
 */
export class CongestionWindow {
  /** The per-slot cap. */
  readonly maxWindow: number
  private slots = new Array<number>(SLOTS).fill(0)
  private current = 0
  private total = 0

  /** @param maxWindow - sends allowed per slot */
  constructor(maxWindow: number) {
    this.maxWindow = maxWindow
  }

  /** dht-rpc compat: the per-slot cap under its old private name (`io.congestion._maxWindow`). */
  get _maxWindow(): number {
    return this.maxWindow
  }

  /** Sends counted over all slots. */
  get inWindow(): number {
    return this.total
  }

  /** True when a non-forced send must wait for a drain. */
  isFull(): boolean {
    return (
      this.total >= 2 * this.maxWindow || (this.slots[this.current] as number) >= this.maxWindow
    )
  }

  /** Count one send in the current slot. */
  send(): void {
    this.total++
    this.slots[this.current] = (this.slots[this.current] as number) + 1
  }

  /** A response arrived (or a request was cancelled): free one send of the current slot. */
  recv(): void {
    const n = this.slots[this.current] as number
    if (n > 0) {
      this.slots[this.current] = n - 1
      this.total--
    }
  }

  /** Advance to the next slot, forgetting the sends it held four periods ago. */
  drain(): void {
    this.current = (this.current + 1) % SLOTS
    this.total -= this.slots[this.current] as number
    this.slots[this.current] = 0
  }

  /** Forget everything (used on suspend). */
  clear(): void {
    this.slots.fill(0)
    this.current = 0
    this.total = 0
  }
}
