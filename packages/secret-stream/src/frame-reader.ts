// FrameReader: splits the raw byte stream into uint24-length-prefixed frames, bounded (§8.2).

import { FRAME_PREFIX_BYTES, peekFrameLength } from '@keymesh/wire'
import b4a from 'b4a'

/**
 * Receives what a {@link FrameReader} finds. Implemented once by the stream (no per-frame
 * closures).
 * @internal
 */
export interface FrameSink {
  /**
   * Called as soon as a frame's length is known, before any of its body is buffered. Return
   * false to refuse it (the sink destroys itself); the reader then stops.
   */
  onframelength(bodyLength: number): boolean
  /**
   * Called with each complete frame, prefix included: a view of the input chunk when the frame
   * lies inside one chunk, otherwise a buffer of its own. Return false to stop reading.
   */
  onframe(frame: Buffer): boolean
}

/**
 * Incremental frame parser. Memory is bounded by what the sink accepts in `onframelength`:
 * a frame buffer is only allocated after its length has been approved.
 * @internal
 */
export class FrameReader {
  private readonly sink: FrameSink
  private readonly prefix: Buffer = b4a.alloc(FRAME_PREFIX_BYTES) as Buffer
  private prefixFill = 0
  private frame: Buffer | null = null
  private frameFill = 0
  private stopped = false

  constructor(sink: FrameSink) {
    this.sink = sink
  }

  /** True when bytes of an unfinished frame (or of its length) are buffered. */
  get partial(): boolean {
    return this.prefixFill > 0 || this.frame !== null
  }

  /** Stops parsing for good (after the stream is destroyed) and drops buffered bytes. */
  stop(): void {
    this.stopped = true
    this.frame = null
    this.prefixFill = 0
  }

  /** Feeds one chunk of the raw stream. */
  push(data: Buffer): void {
    const end = data.byteLength
    let offset = 0
    while (offset < end && !this.stopped) {
      if (this.frame !== null) {
        offset = this.fill(data, offset)
        continue
      }
      if (this.prefixFill === 0 && end - offset >= FRAME_PREFIX_BYTES) {
        const total = peekFrameLength(data, offset)
        if (!this.sink.onframelength(total - FRAME_PREFIX_BYTES)) return this.stop()
        if (end - offset >= total) {
          const frame = data.subarray(offset, offset + total)
          offset += total
          if (!this.sink.onframe(frame)) return this.stop()
          continue
        }
        this.frame = b4a.allocUnsafe(total) as Buffer
        this.frameFill = 0
        offset = this.fill(data, offset)
        continue
      }
      // the length prefix itself straddles chunks
      this.prefix[this.prefixFill++] = data[offset++] as number
      if (this.prefixFill < FRAME_PREFIX_BYTES) continue
      this.prefixFill = 0
      const total = peekFrameLength(this.prefix, 0)
      if (!this.sink.onframelength(total - FRAME_PREFIX_BYTES)) return this.stop()
      this.frame = b4a.allocUnsafe(total) as Buffer
      this.frame.set(this.prefix, 0)
      this.frameFill = FRAME_PREFIX_BYTES
      if (total === FRAME_PREFIX_BYTES) this.deliver()
    }
  }

  private fill(data: Buffer, offset: number): number {
    const frame = this.frame as Buffer
    const n = Math.min(frame.byteLength - this.frameFill, data.byteLength - offset)
    data.copy(frame, this.frameFill, offset, offset + n)
    this.frameFill += n
    if (this.frameFill === frame.byteLength) this.deliver()
    return offset + n
  }

  private deliver(): void {
    const frame = this.frame as Buffer
    this.frame = null
    this.frameFill = 0
    if (!this.sink.onframe(frame)) this.stop()
  }
}
