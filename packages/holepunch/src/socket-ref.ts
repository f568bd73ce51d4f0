// SocketRef: one pool socket with its reference count, datagram demultiplexing and lingering close.

import type UDX from 'udx-native'
import type { HostPort } from './host-port.js'

/** What a {@link SocketRef} needs from the pool that owns it. @internal */
export interface SocketRefOwner {
  readonly udx: UDX
  readonly host: string
  readonly lingerTime: number
  onmessage(socket: UDX.Socket, buf: Buffer, rinfo: HostPort): void
  add(ref: SocketRef): void
  remove(ref: SocketRef): void
}

/** Handler of 1-byte (holepunch) datagrams received on a pool socket. */
export type HolepunchMessageHandler = (buf: Buffer, rinfo: HostPort, ref: SocketRef) => void

const noop: HolepunchMessageHandler = () => {}

/**
 * A socket handed out by a {@link SocketPool}, bound at construction. Datagrams longer than one
 * byte go to the pool's `onmessage` (DHT RPC replies), the rest to `onholepunchmessage`. Once
 * released and idle (no UDX stream on it) the socket closes, after `lingerTime` if it carried a
 * reusable stream, so a reconnect to the same peer can still use it.
 */
export class SocketRef {
  /** The UDP socket, bound to the pool's host on a random port. */
  readonly socket: UDX.Socket
  /** Called for every datagram of at most one byte; reset to a no-op on release. */
  onholepunchmessage: HolepunchMessageHandler = noop
  /** Set while a reusable stream uses the socket: closing then waits `lingerTime`. */
  reusable = false

  private readonly owner: SocketRefOwner
  private refs = 1
  private released = false
  private closed = false
  private wasBusy = false
  private lingering: NodeJS.Timeout | null = null

  /** @internal Use `SocketPool.acquire()`. */
  constructor(owner: SocketRefOwner) {
    this.owner = owner
    this.socket = owner.udx.createSocket()
    this.socket
      .on('close', this.onclose.bind(this))
      .on('message', this.onmessage.bind(this))
      .on('idle', this.onidle.bind(this))
      .on('busy', this.onbusy.bind(this))
    this.socket.bind(0, owner.host)
    owner.add(this)
  }

  /** True when nothing holds the socket (released and no `active()` outstanding). */
  get free(): boolean {
    return this.refs === 0
  }

  /** Takes one more hold on the socket (e.g. a connection using it); cancels a lingering close. */
  active(): void {
    this.refs++
    this._unlinger()
  }

  /** Drops a hold taken by {@link SocketRef.active}; closes the socket if it is now unused. */
  inactive(): void {
    this.refs--
    this.closeMaybe()
  }

  /** Drops the acquirer's hold, once; stops holepunch callbacks; closes the socket if unused. */
  release(): void {
    if (this.released) return
    this.released = true
    this.onholepunchmessage = noop
    this.refs--
    this.closeMaybe()
  }

  /** The socket's local address, or null when it is not bound. */
  address(): HostPort | null {
    return this.socket.address()
  }

  /** Cancels a pending lingering close. @internal */
  _unlinger(): void {
    if (this.lingering === null) return
    clearTimeout(this.lingering)
    this.lingering = null
  }

  private onmessage(buf: Buffer, rinfo: UDX.RemoteInfo): void {
    if (buf.byteLength > 1) this.owner.onmessage(this.socket, buf, rinfo)
    else this.onholepunchmessage(buf, rinfo, this)
  }

  private onclose(): void {
    this.closed = true
    this._unlinger()
    this.owner.remove(this)
  }

  private onidle(): void {
    this.closeMaybe()
  }

  private onbusy(): void {
    this.wasBusy = true
    this._unlinger()
  }

  private closeMaybe(): void {
    if (this.refs === 0 && this.socket.idle && this.lingering === null) this.close()
  }

  private close(): void {
    if (this.closed) return
    if (this.reusable && this.wasBusy) {
      // A reusable stream ran here: keep the socket (and its NAT mapping) around a little.
      this.wasBusy = false
      this.lingering = setTimeout(this.onlingered, this.owner.lingerTime)
      return
    }
    this.closed = true
    void this.socket.close()
  }

  private readonly onlingered = (): void => {
    this.lingering = null
    this.closeMaybe()
  }
}
