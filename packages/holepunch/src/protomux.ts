// Protomux: many protocol channels over one framed stream, wire-compatible with protomux 3.12.1 (§9).

import {
  MAX_BATCH_MESSAGES,
  PROTOMUX_CONTROL,
  decode,
  encode,
  encodingLength,
  protomuxFrame,
  uint,
  type ProtomuxFrame,
  type ProtomuxMessage
} from '@keymesh/wire'
import { HolepunchError } from './errors.js'
import type { FramedStream } from './framed-stream.js'
import {
  ProtomuxChannel,
  type ChannelHost,
  type ProtomuxChannelOptions
} from './protomux-channel.js'

/** Highest channel id a remote may use; real peers reuse freed ids, so theirs stay small. */
export const PROTOMUX_MAX_CHANNELS = 65536
/** Bytes a mux holds for channels whose open is not answered yet before it gives up. */
export const PROTOMUX_MAX_BUFFERED_BYTES = 1024 * 1024
/** What each held message costs on top of its bytes (bounds floods of tiny messages). */
const BUFFERED_MESSAGE_OVERHEAD = 512
/** A batch is sent early once this big, as protomux does. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024

/** Called when the remote opens (protocol, id) and no local channel waits for it. */
export type ProtomuxNotify = (id: Buffer | null) => unknown

/** Selects the channels `pair`/`unpair` are about. */
export interface ProtomuxChannelKey {
  protocol: string
  id?: Uint8Array | null | undefined
}

type ControlFrame = Extract<ProtomuxFrame<Uint8Array>, { kind: 'open' | 'reject' | 'close' }>

/** Shared state of every channel with one (protocol, id). */
interface ChannelInfo {
  readonly key: string
  readonly protocol: string
  readonly id: Buffer | null
  /** Channels that called open() and are not closed. */
  opened: number
  /** Remote ids whose open waits for a local channel. */
  readonly incoming: number[]
  /** Local ids whose open waits for the remote's. */
  readonly outgoing: number[]
  /** Notify calls still running. */
  pairing: number
}

/** The remote's side of one channel id. */
interface RemoteSlot {
  readonly info: ChannelInfo
  channel: ProtomuxChannel | null
  /** The remote's handshake bytes (a copy) until the channel opens. */
  handshake: Buffer | null
  /** Messages held until a local channel takes the slot; null once it has. */
  pending: { type: number; body: Buffer }[] | null
}

function keyOf(protocol: string, id: Uint8Array | null): string {
  // hex has no ':', so the first ':' always splits the two parts
  return (
    (id === null ? '' : Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')) +
    ':' +
    protocol
  )
}

function copy(bytes: Uint8Array | null): Buffer | null {
  return bytes === null ? null : Buffer.from(bytes)
}

function cost(body: Uint8Array): number {
  return BUFFERED_MESSAGE_OVERHEAD + body.byteLength
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * Protocol multiplexer over a message-framed stream. Channels pair with the remote's by
 * (protocol, id) once both sides sent open; messages carry the sender's channel id. A frame that
 * does not decode or breaks the protocol destroys the stream with `INVALID_FRAME`; nothing a peer
 * sends throws out of the stream's event handlers.
 */
export class Protomux implements ChannelHost {
  private static readonly muxes = new WeakMap<FramedStream, Protomux>()

  /** The stream the mux runs over. */
  readonly stream: FramedStream

  private readonly local: (ProtomuxChannel | null)[] = []
  private readonly free: number[] = []
  private remote: (RemoteSlot | null)[] = []
  private readonly infos = new Map<string, ChannelInfo>()
  private readonly notify = new Map<string, ProtomuxNotify>()
  private readonly channels = new Set<ProtomuxChannel>()
  private corkDepth = 0
  private batch: ProtomuxMessage<Uint8Array>[] | null = null
  private batchBytes = 0
  private buffered = 0
  private destroying = false
  private streamClosed = false
  private failure: Error | null = null

  /** The stream's mux: the one already attached (see `userData`) or a new one. */
  static from(stream: FramedStream): Protomux {
    if (stream.userData instanceof Protomux) return stream.userData
    return Protomux.muxes.get(stream) ?? new Protomux(stream)
  }

  constructor(stream: FramedStream) {
    this.stream = stream
    if (!Protomux.muxes.has(stream)) Protomux.muxes.set(stream, this)
    if (stream.userData === null) stream.userData = this
    stream.on('data', (data: Buffer) => this.ondata(data))
    stream.on('end', () => this.stream.end()) // no half-open channels, as protomux
    stream.on('error', () => {}) // the stream's close ends every channel
    stream.on('close', () => this.onshutdown())
  }

  /** True once the mux destroyed its stream or the stream closed. */
  get destroyed(): boolean {
    return this.destroying || this.streamClosed
  }

  /** The error the mux destroyed its stream with (a peer's bad frame, or `destroy(err)`). */
  get error(): Error | null {
    return this.failure
  }

  /** True while `cork()` calls are not matched by `uncork()` yet. */
  get corked(): boolean {
    return this.corkDepth > 0
  }

  /**
   * A new channel, or null if the stream is gone or (with `unique`, the default) a channel of the
   * same (protocol, id) is open. If the remote already opened it, the channel opens on the next
   * microtask even before `open()` is called.
   */
  createChannel(opts: ProtomuxChannelOptions): ProtomuxChannel | null {
    if (this.stream.destroyed || this.streamClosed) return null
    const id = copy(opts.id ?? null)
    const info = this.info(opts.protocol, id)
    if (opts.unique !== false && info.opened > 0) return null
    const channel = new ProtomuxChannel(this, id, opts)
    this.channels.add(channel)
    const remoteId = info.incoming.shift()
    if (remoteId !== undefined) {
      const slot = this.remote[remoteId - 1]
      if (slot !== null && slot !== undefined) {
        slot.channel = channel
        channel._remoteId = remoteId
        queueMicrotask(() => this.guard(() => this.openWaiting(channel, slot)))
      }
    }
    return channel
  }

  /**
   * Call `notify(id)` when the remote opens (protocol, id), or (protocol, any id) if `opts.id`
   * is null, and no local channel waits: a channel created before `notify` settles pairs with
   * it. Without a notify such opens are rejected at once, as protomux does.
   */
  pair(opts: ProtomuxChannelKey, notify: ProtomuxNotify): void {
    this.notify.set(keyOf(opts.protocol, opts.id ?? null), notify)
  }

  /** Stop notifying for (protocol, id). */
  unpair(opts: ProtomuxChannelKey): void {
    this.notify.delete(keyOf(opts.protocol, opts.id ?? null))
  }

  /** Batch every frame sent until the matching `uncork()` into one batch frame. */
  cork(): void {
    if (++this.corkDepth === 1) {
      this.batch = []
      this.batchBytes = 0
    }
  }

  /** End a `cork()`; the outermost one sends the batch. */
  uncork(): void {
    if (this.corkDepth === 0) return
    if (--this.corkDepth > 0) return
    const batch = this.batch
    this.batch = null
    if (batch !== null) this.sendBatch(batch)
  }

  /** Destroy the stream (every channel then closes as remote-closed). */
  destroy(err?: Error): void {
    this.destroying = true
    if (err !== undefined && this.failure === null) this.failure = err
    if (err === undefined) this.stream.destroy()
    else this.stream.destroy(err)
  }

  /** @internal Channel `open()`: take a local id and send the open frame. */
  _openChannel(channel: ProtomuxChannel, handshake: Buffer | null): void {
    const info = this.info(channel.protocol, channel.id)
    const index = this.free.pop() ?? this.local.push(null) - 1
    this.local[index] = channel
    channel._localId = index + 1
    channel._counted = true
    info.opened++
    if (channel._remoteId === 0) info.outgoing.push(channel._localId)
    this.writeControl({
      kind: 'open',
      channel: channel._localId,
      protocol: channel.protocol,
      id: channel.id,
      handshake
    })
  }

  /** @internal Channel `close()`: tell the remote, then drop the channel. */
  _closeChannel(channel: ProtomuxChannel): void {
    if (channel._localId > 0) this.writeControl({ kind: 'close', channel: channel._localId })
    // taken from the remote's open but never opened here: refuse it so the remote frees its id
    else if (channel._remoteId > 0)
      this.writeControl({ kind: 'reject', channel: channel._remoteId })
    this.dropChannel(channel, false)
  }

  /** @internal A channel message: one frame, or an item of the current batch. */
  _send(channel: ProtomuxChannel, type: number, body: Buffer): boolean {
    if (this.batch !== null) {
      this.pushBatch({ channel: channel._localId, type, message: body })
      return true
    }
    return this.write(
      encode(protomuxFrame, { kind: 'message', channel: channel._localId, type, message: body })
    )
  }

  private info(protocol: string, id: Buffer | null): ChannelInfo {
    const key = keyOf(protocol, id)
    let info = this.infos.get(key)
    if (info === undefined) {
      info = { key, protocol, id, opened: 0, incoming: [], outgoing: [], pairing: 0 }
      this.infos.set(key, info)
    }
    return info
  }

  private gc(info: ChannelInfo): void {
    if (info.opened > 0 || info.pairing > 0) return
    if (info.incoming.length > 0 || info.outgoing.length > 0) return
    if (this.infos.get(info.key) === info) this.infos.delete(info.key)
  }

  private write(frame: Buffer): boolean {
    if (this.stream.destroyed || this.streamClosed) return false
    return this.stream.write(frame)
  }

  private writeControl(frame: ControlFrame): void {
    if (this.batch === null) {
      this.write(encode(protomuxFrame, frame))
      return
    }
    // in a batch a control frame is an item of channel 0 without its leading 0
    const type =
      PROTOMUX_CONTROL[frame.kind === 'open' ? 'OPEN' : frame.kind === 'close' ? 'CLOSE' : 'REJECT']
    const prefix = encodingLength(uint, 0) + encodingLength(uint, type)
    this.pushBatch({ channel: 0, type, message: encode(protomuxFrame, frame).subarray(prefix) })
  }

  private pushBatch(item: ProtomuxMessage<Uint8Array>): void {
    const batch = this.batch
    if (batch === null) return
    if (batch.length === MAX_BATCH_MESSAGES || this.batchBytes >= MAX_BATCH_BYTES) {
      this.sendBatch(batch.splice(0))
      this.batchBytes = 0
    }
    batch.push(item)
    this.batchBytes += item.message.byteLength + 8
  }

  private sendBatch(messages: ProtomuxMessage<Uint8Array>[]): void {
    if (messages.length === 0 || this.destroying) return
    this.write(encode(protomuxFrame, { kind: 'batch', messages }))
  }

  /** Runs network-driven work; any throw destroys the stream instead of escaping. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.fail(err)
    }
  }

  private fail(err: unknown): void {
    if (this.destroying && this.stream.destroyed) return
    this.destroying = true
    this.batch = null // replies queued by the failing frame are dropped
    this.corkDepth = 0
    const error = asError(err)
    if (this.failure === null) this.failure = error
    this.stream.destroy(error)
  }

  private ondata(data: Buffer): void {
    if (this.destroying || this.streamClosed) return
    if (data.byteLength === 0) return // empty frames are ignored, as protomux does
    this.guard(() => {
      let frame: ProtomuxFrame
      try {
        frame = decode(protomuxFrame, data)
      } catch (err) {
        throw HolepunchError.INVALID_FRAME('frame does not decode', err)
      }
      if (frame.kind === 'batch') this.onbatch(frame.messages)
      else if (frame.kind === 'message') this.onmessage(frame.channel, frame.type, frame.message)
      else this.oncontrol(frame)
    })
  }

  private onbatch(messages: ProtomuxMessage[]): void {
    // replies to a multi-message batch go out as one batch too
    const cork = messages.length > 1
    if (cork) this.cork()
    try {
      for (const m of messages) {
        if (this.destroying) return
        if (m.channel === 0) this.oncontrol(decodeControl(m.type, m.message))
        else this.onmessage(m.channel, m.type, m.message)
      }
    } finally {
      if (cork) this.uncork()
    }
  }

  private oncontrol(frame: ControlFrame): void {
    if (frame.kind === 'open') this.onopen(frame.channel, frame.protocol, frame.id, frame.handshake)
    else if (frame.kind === 'reject') this.onreject(frame.channel)
    else this.onclose(frame.channel)
  }

  private onmessage(remoteId: number, type: number, body: Buffer): void {
    const slot = remoteId <= this.remote.length ? this.remote[remoteId - 1] : null
    if (slot === null || slot === undefined) return // closed channel: a message in flight
    if (slot.pending !== null) {
      this.buffered += cost(body)
      if (this.buffered > PROTOMUX_MAX_BUFFERED_BYTES) {
        throw HolepunchError.INVALID_FRAME('too many messages for channels not opened yet')
      }
      slot.pending.push({ type, body: Buffer.from(body) })
      return
    }
    slot.channel?._recv(type, body)
  }

  private onopen(
    remoteId: number,
    protocol: string,
    id: Uint8Array | null,
    handshake: Uint8Array | null
  ): void {
    if (remoteId === 0) {
      // the control session cannot be opened: refuse, as protomux does
      this.writeControl({ kind: 'reject', channel: 0 })
      return
    }
    if (remoteId > PROTOMUX_MAX_CHANNELS) {
      throw HolepunchError.INVALID_FRAME(`open for channel ${remoteId}, above the limit`)
    }
    const index = remoteId - 1
    // the remote may grow its ids by one at a time
    if (index === this.remote.length) this.remote.push(null)
    if (index >= this.remote.length || this.remote[index] !== null) {
      throw HolepunchError.INVALID_FRAME(`open for channel ${remoteId}, which is in use`)
    }
    const info = this.info(protocol, copy(id))
    const localId = info.outgoing.shift()
    if (localId !== undefined) {
      const channel = this.local[localId - 1] ?? null
      if (channel === null) {
        // we closed it before the remote's open came in
        this.free.push(localId - 1)
        this.gc(info)
        return
      }
      this.remote[index] = { info, channel, handshake: null, pending: null }
      channel._remoteId = remoteId
      channel._open(handshake === null ? null : Buffer.from(handshake))
      return
    }
    this.remote[index] = { info, channel: null, handshake: copy(handshake), pending: [] }
    info.incoming.push(remoteId)
    this.waitForChannel(info)
  }

  private waitForChannel(info: ChannelInfo): void {
    const notify = this.notify.get(info.key) ?? this.notify.get(keyOf(info.protocol, null))
    info.pairing++
    if (notify === undefined) {
      this.settlePairing(info)
      return
    }
    Promise.resolve(notify(info.id)).then(
      () => this.guard(() => this.settlePairing(info)),
      (err: unknown) => this.fail(err)
    )
  }

  /** A notify finished: opens nobody took are rejected. */
  private settlePairing(info: ChannelInfo): void {
    if (--info.pairing > 0 || this.streamClosed) return
    for (
      let remoteId = info.incoming.shift();
      remoteId !== undefined;
      remoteId = info.incoming.shift()
    ) {
      this.releaseSlot(remoteId)
      this.writeControl({ kind: 'reject', channel: remoteId })
    }
    this.gc(info)
  }

  private releaseSlot(remoteId: number): void {
    const slot = this.remote[remoteId - 1]
    if (slot === null || slot === undefined) return
    if (slot.pending !== null) for (const p of slot.pending) this.buffered -= cost(p.body)
    slot.pending = null
    this.remote[remoteId - 1] = null
  }

  private openWaiting(channel: ProtomuxChannel, slot: RemoteSlot): void {
    if (channel.closed || slot.channel !== channel || this.destroying) return
    const handshake = slot.handshake
    slot.handshake = null
    channel._open(handshake)
    const pending = slot.pending
    slot.pending = null
    if (pending === null) return
    for (const p of pending) this.buffered -= cost(p.body)
    for (const p of pending) {
      if (channel.closed || this.destroying) return
      channel._recv(p.type, p.body)
    }
  }

  private onreject(localId: number): void {
    for (const info of this.infos.values()) {
      const at = info.outgoing.indexOf(localId)
      if (at === -1) continue
      info.outgoing.splice(at, 1)
      const channel = this.local[localId - 1] ?? null
      this.free.push(localId - 1)
      if (channel !== null) {
        this.local[localId - 1] = null
        channel._localId = 0
        this.dropChannel(channel, true)
      }
      this.gc(info)
      return
    }
    throw HolepunchError.INVALID_FRAME(`reject for channel ${localId}, which we did not open`)
  }

  private onclose(remoteId: number): void {
    if (remoteId === 0) return
    const slot = remoteId <= this.remote.length ? this.remote[remoteId - 1] : null
    if (slot === null || slot === undefined) return
    if (slot.channel !== null) {
      this.dropChannel(slot.channel, true)
      return
    }
    // closed before any channel took it: forget it and let the remote free the id
    const at = slot.info.incoming.indexOf(remoteId)
    if (at !== -1) slot.info.incoming.splice(at, 1)
    this.releaseSlot(remoteId)
    this.gc(slot.info)
    this.writeControl({ kind: 'reject', channel: remoteId })
  }

  private dropChannel(channel: ProtomuxChannel, isRemote: boolean): void {
    if (channel.closed) return
    const info = this.infos.get(keyOf(channel.protocol, channel.id))
    if (channel._counted && info !== undefined) info.opened--
    channel._counted = false
    if (channel._remoteId > 0) {
      this.releaseSlot(channel._remoteId)
      // the remote knows our id already: it is free once we stop using it
      if (channel._localId > 0) this.free.push(channel._localId - 1)
      channel._remoteId = 0
    }
    // otherwise our id stays taken until the remote answers our open (accept or reject)
    if (channel._localId > 0) this.local[channel._localId - 1] = null
    channel._localId = 0
    this.channels.delete(channel)
    if (info !== undefined) this.gc(info)
    channel._closed(isRemote)
  }

  private onshutdown(): void {
    if (this.streamClosed) return
    this.streamClosed = true
    this.destroying = true
    this.batch = null
    this.corkDepth = 0
    let first: unknown = null
    for (const channel of [...this.channels]) {
      try {
        this.dropChannel(channel, true)
      } catch (err) {
        first ??= err
      }
    }
    this.remote = []
    this.buffered = 0
    this.infos.clear()
    this.notify.clear()
    if (first !== null) throw first // an owner's onclose threw: not ours to hide
  }
}

/** A control frame carried as a batch item (channel 0, its type, its body). */
function decodeControl(type: number, body: Buffer): ControlFrame {
  let frame: ProtomuxFrame
  try {
    frame = decode(protomuxFrame, Buffer.concat([encode(uint, 0), encode(uint, type), body]))
  } catch (err) {
    throw HolepunchError.INVALID_FRAME('batched control frame does not decode', err)
  }
  if (frame.kind !== 'open' && frame.kind !== 'reject' && frame.kind !== 'close') {
    throw HolepunchError.INVALID_FRAME('batch inside a batch')
  }
  return frame
}
