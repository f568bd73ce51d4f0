// ProtomuxChannel: one protocol session on a Protomux, with its typed message types (§9).

import { decode, encode, type Codec } from '@keymesh/wire'
import { HolepunchError } from './errors.js'

/** A codec of any value: handshakes and messages are typed by whoever adds them. */
type AnyCodec = Codec<any, any>

const EMPTY = Buffer.alloc(0)

/** Options of `mux.createChannel()`. */
export interface ProtomuxChannelOptions {
  /** Protocol name; channels pair with the remote's by (protocol, id). */
  protocol: string
  /** Optional channel id (blind-relay: the opener's public key). @default null */
  id?: Uint8Array | null | undefined
  /** Codec of the handshake carried in the open frame. @default none */
  handshake?: AnyCodec | null | undefined
  /** Refuse (return null) while a channel of the same (protocol, id) is open. @default true */
  unique?: boolean | undefined
  /** Anything the owner wants to keep on the channel. */
  userData?: unknown
  /** Both sides opened; `handshake` is the remote's, decoded (null without a codec). */
  onopen?: ((handshake: unknown, channel: ProtomuxChannel) => void) | undefined
  /** The channel closed: by us (`false`), by the remote, a reject or the stream (`true`). */
  onclose?: ((isRemote: boolean, channel: ProtomuxChannel) => void) | undefined
  /** Called once, right after `onclose`. */
  ondestroy?: ((channel: ProtomuxChannel) => void) | undefined
}

/** Options of `channel.addMessage()`. */
export interface ProtomuxMessageOptions<I, O = I> {
  /** Codec of the message body. */
  encoding: Codec<I, O>
  /** A message of this type arrived. */
  onmessage?: ((message: O, channel: ProtomuxChannel) => void) | undefined
}

/** A message type of a channel, as `addMessage` returns it. */
export interface ProtomuxMessageType<I> {
  /** Its type number on the wire (the order of `addMessage` calls, from 0). */
  readonly type: number
  /** Send one message; false if the channel is closed or the stream wants a pause. */
  send(message: I): boolean
}

/** @internal What a channel needs from the mux it lives on (Protomux implements it). */
export interface ChannelHost {
  cork(): void
  uncork(): void
  _openChannel(channel: ProtomuxChannel, handshake: Buffer | null): void
  _closeChannel(channel: ProtomuxChannel): void
  _send(channel: ProtomuxChannel, type: number, body: Buffer): boolean
}

interface MessageType {
  encoding: AnyCodec
  onmessage(message: unknown, channel: ProtomuxChannel): void
}

function noop(): void {}

/**
 * One protocol session on a Protomux. Made by `mux.createChannel()`; `open()` sends our open
 * frame, and the channel is `opened` once the remote's open for the same (protocol, id) is in.
 */
export class ProtomuxChannel {
  /** Protocol name. */
  readonly protocol: string
  /** Channel id (a copy), or null. */
  readonly id: Buffer | null
  /** The owner's data, from the options. */
  userData: unknown

  /** @internal Our id for this channel on the wire (0 until `open()`). */
  _localId = 0
  /** @internal The remote's id for this channel (0 until its open arrived). */
  _remoteId = 0
  /** @internal True while this channel counts as open for `unique`. */
  _counted = false

  private readonly host: ChannelHost
  private readonly handshakeCodec: AnyCodec | null
  private readonly onopen: (handshake: unknown, channel: ProtomuxChannel) => void
  private readonly onclose: (isRemote: boolean, channel: ProtomuxChannel) => void
  private readonly ondestroy: (channel: ProtomuxChannel) => void
  private readonly messages: MessageType[] = []
  private remoteHandshake: unknown = null
  private isOpened = false
  private isClosed = false
  private isDestroyed = false

  /** @internal made by `Protomux.createChannel` */
  constructor(host: ChannelHost, id: Buffer | null, opts: ProtomuxChannelOptions) {
    this.host = host
    this.protocol = opts.protocol
    this.id = id
    this.userData = opts.userData ?? null
    this.handshakeCodec = opts.handshake ?? null
    this.onopen = opts.onopen ?? noop
    this.onclose = opts.onclose ?? noop
    this.ondestroy = opts.ondestroy ?? noop
  }

  /** True once both sides opened (stays true after close). */
  get opened(): boolean {
    return this.isOpened
  }

  /** True once closed, from either side. */
  get closed(): boolean {
    return this.isClosed
  }

  /** True once `ondestroy` ran. */
  get destroyed(): boolean {
    return this.isDestroyed
  }

  /** The remote's decoded handshake once opened (null without a handshake codec). */
  get handshake(): unknown {
    return this.remoteHandshake
  }

  /**
   * Add the next message type (0, 1, ...). Both sides must add the same types in the same
   * order; a message of a type we did not add is ignored.
   */
  addMessage<I, O = I>(opts: ProtomuxMessageOptions<I, O>): ProtomuxMessageType<I> {
    const type = this.messages.length
    const encoding = opts.encoding
    const onmessage = opts.onmessage ?? noop
    this.messages.push({ encoding, onmessage: onmessage as MessageType['onmessage'] })
    return {
      type,
      send: (message: I) => {
        // before open() there is no id to send with
        if (this.isClosed || this._localId === 0) return false
        return this.host._send(this, type, encode(encoding, message))
      }
    }
  }

  /** Send our open frame, with `handshake` encoded by the handshake codec. Once only. */
  open(handshake?: unknown): void {
    if (this.isClosed || this._localId !== 0) return
    const bytes = this.handshakeCodec === null ? null : encode(this.handshakeCodec, handshake)
    this.host._openChannel(this, bytes)
  }

  /** Close the channel (the remote sees a close frame). Idempotent. */
  close(): void {
    if (this.isClosed) return
    this.host._closeChannel(this)
  }

  /** Batch everything sent on the mux until the matching `uncork()`. */
  cork(): void {
    this.host.cork()
  }

  /** End a `cork()`; the outermost one sends the batch. */
  uncork(): void {
    this.host.uncork()
  }

  /** @internal Both sides opened: decode the remote's handshake and go live. */
  _open(handshake: Buffer | null): void {
    if (this.isOpened || this.isClosed) return
    let value: unknown = null
    if (this.handshakeCodec !== null) {
      try {
        value = decode(this.handshakeCodec, handshake ?? EMPTY)
      } catch (err) {
        throw HolepunchError.INVALID_FRAME(`${this.protocol} handshake does not decode`, err)
      }
    }
    this.remoteHandshake = value
    this.isOpened = true
    this.onopen(value, this)
  }

  /** @internal A message for this channel arrived. */
  _recv(type: number, body: Buffer): void {
    const m = this.messages[type]
    if (m === undefined) return
    let value: unknown
    try {
      value = decode(m.encoding, body)
    } catch (err) {
      throw HolepunchError.INVALID_FRAME(`${this.protocol} message ${type} does not decode`, err)
    }
    m.onmessage(value, this)
  }

  /** @internal The mux dropped the channel: run onclose, then ondestroy. */
  _closed(isRemote: boolean): void {
    if (this.isClosed) return
    this.isClosed = true
    try {
      this.onclose(isRemote, this)
    } finally {
      this.isDestroyed = true
      this.ondestroy(this)
    }
  }
}
