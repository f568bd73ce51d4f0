// NoiseSecretStream: the encrypted, framed duplex over any raw stream, drop-in for @hyperswarm/secret-stream.

import { keyPair as createKeyPair, streamId } from '@keymesh/crypto'
import type { KeyPair } from '@keymesh/crypto'
import { FRAME_PREFIX_BYTES, SECRETSTREAM_ABYTES, asBuffer } from '@keymesh/wire'
import b4a from 'b4a'
import { Duplex, Writable, getStreamError, isFinishing } from 'streamx'
import { Bridge } from './bridge.js'
import { MAX_ATOMIC_WRITE_BYTES, MAX_MESSAGE_BYTES } from './constants.js'
import { SecretStreamError } from './errors.js'
import type { NoiseSecretStreamEvents } from './events.js'
import { frameLengthError } from './frame-limits.js'
import type { StreamPhase } from './frame-limits.js'
import { FrameReader } from './frame-reader.js'
import type { FrameSink } from './frame-reader.js'
import type { KeyPairLike, NoiseHandshakeResult, NoisePattern } from './noise-handshake.js'
import { DEFAULTS } from './options.js'
import type {
  NoiseSecretStreamOptions,
  NoiseSecretStreamStartOptions,
  SecretStreamHandshake
} from './options.js'
import type { RawStream } from './raw-stream.js'
import { RefreshTimer } from './refresh-timer.js'
import { FRAME_OVERHEAD, PLAIN_OFFSET, SecretSession } from './secret-session.js'
import { StreamHandshake } from './stream-handshake.js'
import type { StreamHandshakeCallbacks } from './stream-handshake.js'
import { checkHandshake, checkMs, checkStreamArguments } from './validate.js'

type Callback = (err: Error | null) => void

function toBuffer(data: unknown): unknown {
  return typeof data === 'string' ? b4a.from(data) : data
}

// streamx stops draining a queue once its byte count reaches 0, even with zero-length items
// still queued, so an empty message queued behind others would be lost. Counting writes as their
// frame size and reads as one byte more than their length keeps empty messages (keep-alives).
function frameLength(data: unknown): number {
  return (data instanceof Uint8Array ? data.byteLength : 0) + FRAME_OVERHEAD
}

function messageLength(data: unknown): number {
  return (data instanceof Uint8Array ? data.byteLength : 0) + 1
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function'
}

/**
 * An end-to-end encrypted duplex over any raw stream, wire- and API-compatible with
 * `@hyperswarm/secret-stream`. Runs its own Noise handshake (XX by default, IK with `pattern`)
 * or takes the keys of one done elsewhere (`handshake`, as hyperdht does), then carries each
 * write as one secretstream-encrypted uint24 frame (wire-protocol.md §8). Bad input from the
 * peer destroys the stream with a {@link SecretStreamError}; it never throws out of a callback.
 */
export class NoiseSecretStream extends Duplex<NoiseSecretStreamEvents> implements FrameSink {
  /** This stream (hyperdht reads `stream.noiseStream` on wrapped streams). */
  readonly noiseStream: NoiseSecretStream = this
  /** True on the side that started the handshake (the client). */
  readonly isInitiator: boolean
  /** The transport, or the in-memory {@link Bridge} when none was given. Null before `start`. */
  rawStream: RawStream | null = null
  /** Local static public key (set by the handshake, or from the options). */
  publicKey: Buffer | null
  /** The peer's static public key; authenticated once `'handshake'` fires. */
  remotePublicKey: Buffer | null
  /** The 64-byte handshake hash, unique to this connection; null until `'handshake'`. */
  handshakeHash: Buffer | null = null
  /** True once the stream is open (handshake done). */
  connected = false
  /** Keep-alive interval in ms (0 = off). */
  keepAlive: number
  /** Read timeout in ms (0 = off). */
  timeout: number
  /** Whether the unordered `send`/`trySend` channel is enabled. */
  readonly enableSend: boolean
  /** Free slot for the application. */
  userData: unknown = null
  /** Resolves true once open, false if the stream is destroyed first. */
  readonly opened: Promise<boolean>
  /** Bytes written to the raw stream after encryption, frame prefixes included. */
  rawBytesWritten = 0
  /** Ciphertext bytes of data frames received (prefixes excluded). */
  rawBytesRead = 0
  /** hyperdht metadata: the relay this connection goes through, if any. */
  relay: unknown = null
  /** hyperdht metadata: the holepuncher that made this connection, if any. */
  puncher: unknown = null

  private raw: RawStream | null = null
  private started = false
  private phase: StreamPhase = 'handshake'
  private handshake: StreamHandshake | null = null
  private readonly pattern: NoisePattern
  private readonly expectedRemoteKey: Buffer | null
  private openedDone: ((value: boolean) => void) | null = null
  private startDone: Callback | null = null
  private handshakeDone: Callback | null = null
  private drainDone: Callback | null = null
  private outgoingPlain: Buffer | null = null
  private outgoingWrapped: Buffer | null = null
  /** Counts down from 2: the raw stream's end and our own end must both happen for a clean close. */
  private endsPending = 2
  private session: SecretSession | null = null
  private timeoutTimer: RefreshTimer | null = null
  private keepAliveTimer: RefreshTimer | null = null
  private filterZeroByteMessages: boolean
  private readonly maxFrameBody: number
  private readonly reader: FrameReader
  private readonly pinnedHeader: Uint8Array | null
  private readonly pinnedSendCounter: Uint8Array | null
  private readonly signal: AbortSignal | null

  /**
   * @param isInitiator - true on the connecting side
   * @param rawStream - the transport; omitted or null builds an in-memory {@link Bridge}
   * @param opts - see {@link NoiseSecretStreamOptions}
   * @throws SecretStreamError `INVALID_ARGUMENT` for a non-boolean `isInitiator` or bad options
   */
  constructor(
    isInitiator: boolean,
    rawStream?: RawStream | null,
    opts: NoiseSecretStreamOptions = {}
  ) {
    checkStreamArguments(isInitiator, opts)
    super({
      mapWritable: toBuffer,
      byteLengthWritable: frameLength,
      byteLengthReadable: messageLength,
      eagerOpen: true
    })

    this.isInitiator = isInitiator
    this.publicKey = opts.publicKey ? asBuffer(opts.publicKey) : null
    this.remotePublicKey = opts.remotePublicKey ? asBuffer(opts.remotePublicKey) : null
    this.expectedRemoteKey = this.remotePublicKey
    this.pattern = opts.pattern ?? DEFAULTS.pattern
    this.keepAlive = checkMs(opts.keepAlive, 'keepAlive')
    this.timeout = checkMs(opts.timeout, 'timeout')
    this.enableSend = opts.enableSend ?? DEFAULTS.enableSend
    this.filterZeroByteMessages =
      (opts.filterZeroByteMessages ?? DEFAULTS.filterZeroByteMessages) || this.keepAlive > 0
    this.maxFrameBody = (opts.maxMessageSize ?? DEFAULTS.maxMessageSize) + SECRETSTREAM_ABYTES
    this.pinnedHeader = opts._pinnedHeader ?? null
    this.pinnedSendCounter = opts._pinnedSendCounter ?? null
    this.reader = new FrameReader(this)
    this.opened = new Promise<boolean>((resolve) => {
      this.openedDone = resolve
    })
    this.signal = opts.signal ?? null
    if (this.signal !== null) {
      if (this.signal.aborted) {
        this.onabort()
      } else {
        this.signal.addEventListener('abort', this.onabort)
      }
    }

    if (opts.autoStart ?? DEFAULTS.autoStart) this.start(rawStream ?? null, opts)
  }

  /**
   * An Ed25519 key pair, random or from a 32-byte seed.
   * @throws CryptoError `INVALID_SEED` when the seed is not 32 bytes
   */
  static keyPair(seed?: Uint8Array | null): KeyPair {
    return createKeyPair(seed)
  }

  /**
   * The stream id a side sends in its header: `H_{handshakeHash}(NS_INITIATOR)` for the
   * initiator, `NS_RESPONDER` for the responder (§5.4). Written into `out` when given.
   */
  static id(handshakeHash: Uint8Array, isInitiator: boolean, out?: Uint8Array): Buffer {
    const id = streamId(handshakeHash, isInitiator)
    if (out === undefined) return id
    out.set(id)
    return asBuffer(out)
  }

  /**
   * Starts the stream over `rawStream` (the constructor does this unless `autoStart: false`).
   *
   * @throws SecretStreamError `INVALID_STATE` if already started, `INVALID_ARGUMENT` for a
   *   malformed `handshake` or key pair
   */
  start(rawStream?: RawStream | null, opts: NoiseSecretStreamStartOptions = {}): void {
    if (this.started) throw SecretStreamError.INVALID_STATE('Stream already started')
    const handshake = opts.handshake ?? null
    let keyPair: KeyPairLike | Promise<KeyPairLike> | null = null
    let own: StreamHandshake | null = null
    if (handshake !== null) {
      checkHandshake(handshake)
    } else {
      keyPair = opts.keyPair ?? createKeyPair()
      // a synchronous key pair is checked (and the handshake built) before anything changes
      if (!isPromise<KeyPairLike>(keyPair)) own = this.createHandshake(keyPair)
    }
    this.started = true

    if (this.destroying) {
      // the stream died before it got its transport: the transport is ours to close
      if (own !== null) own.destroy()
      if (rawStream) rawStream.destroy(getStreamError(this))
      return
    }

    let outer: RawStream
    if (rawStream) {
      outer = rawStream
      this.raw = rawStream
    } else {
      const bridge = new Bridge(this)
      outer = bridge
      this.raw = bridge.reverse
    }
    this.rawStream = outer
    // For a Bridge, the end we read from closes only once its data has been read (the outer end
    // can close earlier), and destroying the outer end destroys it too, with the same error.
    outer.on('error', this.onrawerror)
    if (this.raw !== outer) this.raw.on('error', this.onrawerror)
    this.raw.on('close', this.onrawclose)

    if (handshake !== null) {
      // a handshake done elsewhere must have authenticated the peer this stream expects
      const expected = this.expectedRemoteKey
      if (expected !== null && !b4a.equals(expected, handshake.remotePublicKey)) {
        this.destroy(SecretStreamError.REMOTE_KEY_MISMATCH())
        return
      }
      this.setupSecretStream(handshake)
    } else if (own !== null) this.useHandshake(own)
    else (keyPair as Promise<KeyPairLike>).then(this.onkeypair, this.onkeypairerror)

    this.continueOpen()
    if (this.destroying) return

    if (opts.data) this.onrawdata(asBuffer(opts.data))
    if (opts.ended) this.onrawend()

    if (this.keepAlive > 0 && this.keepAliveTimer === null) this.setKeepAlive(this.keepAlive)
    if (this.timeout > 0 && this.timeoutTimer === null) this.setTimeout(this.timeout)
  }

  /**
   * Destroys the stream with `STREAM_TIMEOUT` (or `HANDSHAKE_TIMEOUT` before it is open) when no
   * input arrives for `ms`. 0 disables. The timer is unref'd.
   */
  setTimeout(ms: number): void {
    ms = checkMs(ms, 'timeout')
    this.clearTimeoutTimer()
    this.timeout = ms
    if (ms === 0 || this.rawStream === null) return
    this.timeoutTimer = new RefreshTimer(ms, this.ontimeout, false)
  }

  /**
   * Sends an empty message after every `ms` without a write; 0 disables. While enabled, empty
   * messages from the peer are dropped. The timer is unref'd.
   */
  setKeepAlive(ms: number): void {
    ms = checkMs(ms, 'keepAlive')
    this.clearKeepAliveTimer()
    this.keepAlive = ms
    if (ms > 0) this.filterZeroByteMessages = true
    if (ms === 0 || this.rawStream === null) return
    this.keepAliveTimer = new RefreshTimer(ms, this.onkeepalive, true)
  }

  /**
   * Ends the writable side after an optional last message; the peer sees `'end'`. (streamx's
   * typings make the argument mandatory; it is optional here as at run time.)
   */
  override end(data?: unknown): this {
    return super.end(data)
  }

  /** Writes an empty message (what a keep-alive is on the wire). */
  sendKeepAlive(): void {
    this.write(this.alloc(0))
  }

  /**
   * A buffer for a message of `len` bytes laid out inside its future frame, so writing it
   * (next) skips one copy.
   */
  alloc(len: number): Buffer {
    const wrapped = b4a.allocUnsafe(len + FRAME_OVERHEAD) as Buffer
    this.outgoingWrapped = wrapped
    this.outgoingPlain = wrapped.subarray(PLAIN_OFFSET, PLAIN_OFFSET + len)
    return this.outgoingPlain
  }

  /** Resolves true once everything written has been flushed to (and by) the raw stream. */
  async flush(): Promise<boolean> {
    if ((await this.opened) === false) return false
    if ((await Writable.drained(this)) === false) return false
    if (this.destroying) return false
    const raw = this.rawStream
    if (raw !== null && typeof raw.flush === 'function') return (await raw.flush()) as boolean
    return true
  }

  /**
   * Sends an encrypted unordered datagram (udx raw streams only; silently does nothing before
   * the handshake or over other transports).
   * @returns the raw stream's flush result, false when nothing was sent
   */
  async send(buffer: Uint8Array): Promise<boolean> {
    const raw = this.rawStream
    if (this.session === null || raw === null || typeof raw.send !== 'function') return false
    const message = this.boxMessage(buffer)
    if (message === null) return false
    return (await raw.send(message)) as boolean
  }

  /** Like {@link send} without waiting for the flush. */
  trySend(buffer: Uint8Array): void {
    const raw = this.rawStream
    if (this.session === null || raw === null || typeof raw.trySend !== 'function') return
    const message = this.boxMessage(buffer)
    if (message !== null) raw.trySend(message)
  }

  /** A debug view. */
  toJSON(): Record<string, unknown> {
    const raw = this.rawStream
    return {
      isInitiator: this.isInitiator,
      publicKey: this.publicKey && b4a.toString(this.publicKey, 'hex'),
      remotePublicKey: this.remotePublicKey && b4a.toString(this.remotePublicKey, 'hex'),
      connected: this.connected,
      destroying: this.destroying,
      destroyed: this.destroyed,
      rawStream: raw !== null && typeof raw.toJSON === 'function' ? raw.toJSON() : null
    }
  }

  // ---- streamx hooks ----------------------------------------------------------------------

  override _open(cb: Callback): void {
    const raw = this.raw
    if (raw === null || (this.handshake === null && this.session === null)) {
      this.startDone = cb
      return
    }
    raw.on('data', this.onrawdata)
    raw.on('end', this.onrawend)
    raw.on('drain', this.onrawdrain)
    if (this.enableSend) raw.on('message', this.onmessage)

    if (this.session !== null) {
      this.resolveOpened(true)
      cb(null)
      return
    }
    this.handshakeDone = cb
    ;(this.handshake as StreamHandshake).start()
  }

  override _read(cb: Callback): void {
    if (this.raw !== null) this.raw.resume()
    cb(null)
  }

  override _write(data: Buffer, cb: Callback): void {
    let wrapped: Buffer
    let plain: Uint8Array
    if (data === this.outgoingPlain) {
      // alloc(): the plaintext already sits inside its frame; encrypt in place
      wrapped = this.outgoingWrapped as Buffer
      plain = data
      this.outgoingPlain = this.outgoingWrapped = null
    } else {
      if (!(data instanceof Uint8Array)) {
        cb(SecretStreamError.INVALID_ARGUMENT('Data must be a Uint8Array or a string'))
        return
      }
      if (data.byteLength > MAX_MESSAGE_BYTES) {
        cb(
          SecretStreamError.MESSAGE_TOO_LARGE(
            `Message is too large for an atomic write. Max size is ${MAX_ATOMIC_WRITE_BYTES} bytes.`
          )
        )
        return
      }
      // encrypting from the caller's buffer straight into the frame saves a copy
      wrapped = b4a.allocUnsafe(data.byteLength + FRAME_OVERHEAD) as Buffer
      plain = data
    }

    ;(this.session as SecretSession).sealFrame(wrapped, plain)
    this.rawBytesWritten += wrapped.byteLength
    if (this.keepAliveTimer !== null) this.keepAliveTimer.refresh()

    if ((this.raw as RawStream).write(wrapped) === false) this.drainDone = cb
    else cb(null)
  }

  override _final(cb: Callback): void {
    this.clearKeepAliveTimer()
    this.endsPending--
    ;(this.raw as RawStream).end()
    cb(null)
  }

  override _predestroy(): void {
    this.reader.stop()
    if (this.rawStream !== null) this.rawStream.destroy(getStreamError(this))
    const parked = [this.startDone, this.handshakeDone, this.drainDone]
    this.startDone = this.handshakeDone = this.drainDone = null
    for (const done of parked) if (done !== null) done(SecretStreamError.STREAM_DESTROYED())
  }

  override _destroy(cb: Callback): void {
    if (this.signal !== null) this.signal.removeEventListener('abort', this.onabort)
    this.clearKeepAliveTimer()
    this.clearTimeoutTimer()
    this.resolveOpened(false)
    if (this.handshake !== null) this.handshake.destroy()
    this.handshake = null
    if (this.session !== null) this.session.destroy()
    cb(null)
  }

  // ---- frames (FrameSink) -----------------------------------------------------------------

  /** @internal */
  onframelength(bodyLength: number): boolean {
    if (this.destroying) return false
    const err = frameLengthError(this.phase, bodyLength, this.maxFrameBody)
    return err === null || this.fail(err)
  }

  /** @internal */
  onframe(frame: Buffer): boolean {
    if (this.destroying) return false
    if (this.phase === 'data') return this.ondataframe(frame)
    if (this.phase === 'header') return this.onheaderframe(frame)
    const handshake = this.handshake
    if (handshake === null)
      return this.fail(SecretStreamError.HANDSHAKE_FAILED('Unexpected message'))
    return handshake.onframe(frame) && !this.destroying
  }

  private ondataframe(frame: Buffer): boolean {
    this.rawBytesRead += frame.byteLength - FRAME_PREFIX_BYTES
    const plain = (this.session as SecretSession).openFrame(frame)
    if (plain === null) return this.fail(SecretStreamError.DECRYPTION_FAILED())
    // with keep-alive on, empty messages are the peer's keep-alives, not data
    if (plain.byteLength === 0 && this.filterZeroByteMessages) return true
    if (this.push(plain) === false && this.raw !== null) this.raw.pause()
    return !this.destroying
  }

  private onheaderframe(frame: Buffer): boolean {
    const err = (this.session as SecretSession).acceptHeader(frame)
    if (err !== null) return this.fail(err)
    this.phase = 'data'
    return true
  }

  // ---- handshake --------------------------------------------------------------------------

  private readonly onkeypair = (keyPair: KeyPairLike): void => {
    if (this.destroying) return
    try {
      this.useHandshake(this.createHandshake(keyPair))
    } catch (err) {
      this.destroy(err as Error)
      return
    }
    this.continueOpen()
  }

  private readonly onkeypairerror = (err: unknown): void => {
    this.destroy(err instanceof Error ? err : SecretStreamError.INVALID_ARGUMENT(String(err)))
  }

  /** This stream's own handshake (empty prologue, like @hyperswarm/secret-stream). */
  private createHandshake(keyPair: KeyPairLike): StreamHandshake {
    return new StreamHandshake(
      this.pattern,
      this.isInitiator,
      keyPair,
      this.expectedRemoteKey,
      this.handshakeCallbacks
    )
  }

  private useHandshake(handshake: StreamHandshake): void {
    this.handshake = handshake
    this.publicKey = handshake.publicKey
  }

  private continueOpen(): void {
    const done = this.startDone
    if (done === null) return
    this.startDone = null
    this._open(done)
  }

  private readonly handshakeCallbacks: StreamHandshakeCallbacks = {
    write: (frame) => {
      ;(this.raw as RawStream).write(frame)
    },
    fail: (err) => {
      this.destroy(err)
    },
    complete: (result) => {
      this.onhandshakecomplete(result)
    }
  }

  private onhandshakecomplete(result: NoiseHandshakeResult): void {
    this.handshake = null
    this.setupSecretStream(result)
    if (this.destroying) return
    this.resolveOpened(true)
    const done = this.handshakeDone
    this.handshakeDone = null
    if (done !== null) done(null)
  }

  private setupSecretStream(handshake: SecretStreamHandshake): void {
    const session = new SecretSession(
      handshake,
      this.isInitiator,
      this.pinnedHeader,
      this.pinnedSendCounter
    )
    this.session = session
    this.publicKey = session.publicKey
    this.remotePublicKey = session.remotePublicKey
    this.handshakeHash = session.handshakeHash
    this.phase = 'header'

    this.emit('handshake')
    if (this.rawStream instanceof Bridge) this.rawStream.emit('handshake')
    if (this.destroying) return
    ;(this.raw as RawStream).write(session.headerFrame())
  }

  private resolveOpened(value: boolean): void {
    const done = this.openedDone
    if (done === null) return
    this.openedDone = null
    done(value)
    if (!value) return
    this.connected = true
    this.emit('connect')
  }

  // ---- raw stream events (bound once) -----------------------------------------------------

  private readonly onrawdata = (data: Buffer): void => {
    if (this.timeoutTimer !== null) this.timeoutTimer.refresh()
    this.reader.push(data)
  }

  private readonly onrawend = (): void => {
    if (this.destroying) return
    if (this.reader.partial) {
      this.fail(SecretStreamError.TRUNCATED_FRAME())
      return
    }
    if (this.phase === 'handshake') {
      this.fail(
        SecretStreamError.HANDSHAKE_FAILED('Connection ended before the handshake completed')
      )
      return
    }
    this.endsPending--
    this.push(null)
  }

  private readonly onrawdrain = (): void => {
    const done = this.drainDone
    if (done === null) return
    this.drainDone = null
    done(null)
  }

  private readonly onrawerror = (err: Error): void => {
    if (this.destroying) return
    // before the handshake completes, a transport failure is a failed handshake; afterwards the
    // transport's own error is passed on, as @hyperswarm/secret-stream does
    if (this.phase === 'handshake' && !(err instanceof SecretStreamError)) {
      this.destroy(
        SecretStreamError.HANDSHAKE_FAILED(
          `Connection failed during the handshake: ${err.message}`,
          err
        )
      )
      return
    }
    this.destroy(err)
  }

  private readonly onrawclose = (): void => {
    if (this.destroying) return
    if (this.phase === 'handshake') {
      this.fail(
        SecretStreamError.HANDSHAKE_FAILED('Connection closed before the handshake completed')
      )
      return
    }
    if (this.endsPending !== 0) this.destroy()
  }

  private readonly onmessage = (datagram: Buffer): void => {
    const session = this.session
    if (session === null) return // datagrams before the handshake are dropped
    const message = session.openDatagram(datagram)
    if (message !== null) this.emit('message', message)
  }

  private readonly onabort = (): void => {
    const reason: unknown = this.signal?.reason
    this.destroy(reason instanceof Error ? reason : new Error(String(reason)))
  }

  // ---- timers -----------------------------------------------------------------------------

  private readonly ontimeout = (): void => {
    this.timeoutTimer = null
    this.destroy(
      this.phase === 'handshake'
        ? SecretStreamError.HANDSHAKE_TIMEOUT()
        : SecretStreamError.STREAM_TIMEOUT()
    )
  }

  private readonly onkeepalive = (): void => {
    if (this.destroying || isFinishing(this)) return
    this.sendKeepAlive()
  }

  private clearTimeoutTimer(): void {
    if (this.timeoutTimer === null) return
    this.timeoutTimer.destroy()
    this.timeoutTimer = null
    this.timeout = 0
  }

  private clearKeepAliveTimer(): void {
    if (this.keepAliveTimer === null) return
    this.keepAliveTimer.destroy()
    this.keepAliveTimer = null
    this.keepAlive = 0
  }

  // ---- helpers ----------------------------------------------------------------------------

  private boxMessage(buffer: Uint8Array): Buffer | null {
    if (!(buffer instanceof Uint8Array)) {
      throw SecretStreamError.INVALID_ARGUMENT('Unordered messages must be a Uint8Array')
    }
    const message = (this.session as SecretSession).sealDatagram(buffer)
    if (message === null) this.fail(SecretStreamError.SEND_NONCE_EXHAUSTED())
    return message
  }

  /** Destroys the stream with `err` (first error wins); returns false for the frame loop. */
  private fail(err: Error): false {
    this.destroy(err)
    return false
  }
}
