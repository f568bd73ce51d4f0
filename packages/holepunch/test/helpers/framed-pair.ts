// An in-memory message-framed duplex pair: what each side writes arrives, in order, as one 'data'.

import { EventEmitter } from 'node:events'
import type { FramedStream } from '../../src/index.js'

/** One end of a {@link framedPair}; records what it wrote and why it was destroyed. */
export class FramedEnd extends EventEmitter implements FramedStream {
  userData: unknown = null
  destroyed = false
  /** Every frame this end wrote, in order (copies). */
  readonly sent: Buffer[] = []
  /** The error passed to `destroy`, if any. */
  destroyError: Error | null = null
  peer: FramedEnd | null = null
  private ended = false
  private peerEnded = false

  write(data: Uint8Array): boolean {
    if (this.destroyed) return false
    const frame = Buffer.from(data)
    this.sent.push(frame)
    const peer = this.peer
    // a later turn, as a real connection delivers
    if (peer !== null) process.nextTick(() => peer.deliver(frame))
    return true
  }

  end(): void {
    if (this.ended || this.destroyed) return
    this.ended = true
    const peer = this.peer
    if (peer !== null) process.nextTick(() => peer.onpeerend())
    this.closeIfDone()
  }

  destroy(err?: Error): void {
    if (this.destroyed) return
    this.destroyed = true
    if (err !== undefined) this.destroyError = err
    process.nextTick(() => {
      if (err !== undefined) this.emit('error', err)
      this.emit('close')
    })
    this.peer?.destroy() // the other side sees the connection drop
  }

  /** Deliver `frame` to this end's listeners as if the peer had written it. */
  inject(frame: Uint8Array): void {
    this.deliver(Buffer.from(frame))
  }

  /** Pause/resume, for muxes that flow-control (protomux); frames are never held here. */
  pause(): this {
    return this
  }

  resume(): this {
    return this
  }

  private deliver(frame: Buffer): void {
    if (!this.destroyed) this.emit('data', frame)
  }

  private onpeerend(): void {
    if (this.destroyed) return
    this.peerEnded = true
    this.emit('end')
    this.closeIfDone()
  }

  private closeIfDone(): void {
    if (this.ended && this.peerEnded) this.destroy()
  }
}

/** Two connected ends. */
export function framedPair(): [FramedEnd, FramedEnd] {
  const a = new FramedEnd()
  const b = new FramedEnd()
  a.peer = b
  b.peer = a
  return [a, b]
}

/** Hex of every frame an end wrote. */
export function sentHex(end: FramedEnd): string[] {
  return end.sent.map((f) => f.toString('hex'))
}

/** Resolves once `end` has emitted `n` more 'data' events. */
export function frames(end: FramedEnd, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    const ondata = (): void => {
      if (++seen < n) return
      end.off('data', ondata)
      resolve()
    }
    end.on('data', ondata)
  })
}
