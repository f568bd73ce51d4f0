// Bridge: the in-memory duplex pair a NoiseSecretStream runs over when it is given no raw stream.

import { Duplex, Writable, getStreamError } from 'streamx'
import type { DuplexEvents } from 'streamx'

type Callback = (err: Error | null) => void

/** Events of a bridge end: the stream events plus `'handshake'`, forwarded from the stream. */
export interface BridgeEvents extends DuplexEvents {
  /** Bytes written to the other end. */
  data: [data: Buffer]
  /** The owning NoiseSecretStream has its keys (mirrors its own `'handshake'`). */
  handshake: []
}

/** The keys a {@link Bridge} reports: those of the stream that owns it. */
export interface BridgeOwner {
  /** Local static public key. */
  readonly publicKey: Buffer | null
  /** Remote static public key. */
  readonly remotePublicKey: Buffer | null
  /** Handshake hash. */
  readonly handshakeHash: Buffer | null
}

/**
 * One end of an in-memory pipe: what is written to it is read from its peer. A write that
 * overfills the peer's read buffer completes only when the peer is read from, so backpressure
 * crosses the pipe. Destroying either end destroys the other, with the same error.
 */
export class BridgeEnd extends Duplex<BridgeEvents> {
  private peer: BridgeEnd | null = null
  /** The peer's write waiting for this end to be read. */
  private waitingWrite: Callback | null = null

  /** Links two ends; called once by {@link Bridge}. @internal */
  _link(peer: BridgeEnd): void {
    this.peer = peer
  }

  /** Ends the writable side; the other end's readable ends. */
  override end(data?: unknown): this {
    return super.end(data)
  }

  override _write(data: Buffer, cb: Callback): void {
    const peer = this.peer as BridgeEnd
    if (peer.push(data)) cb(null)
    else peer.waitingWrite = cb
  }

  override _final(cb: Callback): void {
    ;(this.peer as BridgeEnd).push(null)
    cb(null)
  }

  override _read(cb: Callback): void {
    const waiting = this.waitingWrite
    this.waitingWrite = null
    if (waiting !== null) waiting(null)
    cb(null)
  }

  override _predestroy(): void {
    const peer = this.peer
    if (peer !== null && !peer.destroying) peer.destroy(getStreamError(this))
  }
}

/**
 * The raw stream of a `NoiseSecretStream` built without one (`stream.rawStream`): pipe two of
 * them together (`a.rawStream.pipe(b.rawStream).pipe(a.rawStream)`) for an encrypted pair in
 * memory. The stream itself reads and writes the other end, `reverse`.
 */
export class Bridge extends BridgeEnd {
  /** The stream this bridge carries. */
  readonly noiseStream: BridgeOwner
  /** The end the stream writes its frames to and reads the peer's frames from. */
  readonly reverse: BridgeEnd

  constructor(noiseStream: BridgeOwner) {
    super()
    this.noiseStream = noiseStream
    this.reverse = new BridgeEnd()
    this._link(this.reverse)
    this.reverse._link(this)
  }

  /** The owning stream's local public key. */
  get publicKey(): Buffer | null {
    return this.noiseStream.publicKey
  }

  /** The owning stream's remote public key. */
  get remotePublicKey(): Buffer | null {
    return this.noiseStream.remotePublicKey
  }

  /** The owning stream's handshake hash. */
  get handshakeHash(): Buffer | null {
    return this.noiseStream.handshakeHash
  }

  /** Resolves once everything written to the bridge has been handed over. */
  async flush(): Promise<boolean> {
    return (await Writable.drained(this)) !== false
  }
}
