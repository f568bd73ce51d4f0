// SocketPool: the holepunch sockets of one DHT, routing their datagrams and closing unused ones.

import type UDX from 'udx-native'
import { LINGER_TIME_MS } from './constants.js'
import { HolepunchError } from './errors.js'
import type { HostPort } from './host-port.js'
import { SocketRef, type SocketRefOwner } from './socket-ref.js'
import { SocketRoutes } from './socket-routes.js'

/** Options of {@link SocketPool}. */
export interface SocketPoolOptions {
  /** The UDX instance sockets are created on. */
  udx: UDX
  /**
   * Host every socket binds to.
   * @default '0.0.0.0'
   */
  host?: string
  /** Datagrams longer than 1 byte received on pool sockets (DHT RPC replies) go here. */
  onmessage(socket: UDX.Socket, buf: Buffer, rinfo: HostPort): void
  /**
   * Milliseconds a released socket that carried a reusable stream stays open.
   * @default 3000
   */
  lingerTime?: number
}

/** Defaults of {@link SocketPoolOptions}. */
export const SOCKET_POOL_DEFAULTS = Object.freeze({ host: '0.0.0.0', lingerTime: LINGER_TIME_MS })

/**
 * hyperdht's `SocketPool`: hands out fresh sockets for holepunching (one per puncher, up to 256
 * for a birthday punch), routes 1-byte datagrams to the socket's holder and longer ones to
 * `onmessage`, and tracks which sockets carried reusable streams ({@link SocketPool.routes}).
 */
export class SocketPool {
  /** Reusable-socket routes per remote public key. */
  readonly routes: SocketRoutes

  private readonly owner: SocketRefOwner
  private readonly sockets = new Map<UDX.Socket, SocketRef>()
  private destroying: Promise<void> | null = null

  /** @param opts - see {@link SocketPoolOptions} */
  constructor(opts: SocketPoolOptions) {
    const sockets = this.sockets
    this.owner = {
      udx: opts.udx,
      host: opts.host ?? SOCKET_POOL_DEFAULTS.host,
      lingerTime: opts.lingerTime ?? SOCKET_POOL_DEFAULTS.lingerTime,
      onmessage: opts.onmessage,
      add(ref) {
        sockets.set(ref.socket, ref)
      },
      remove(ref) {
        sockets.delete(ref.socket)
      }
    }
    this.routes = new SocketRoutes(this)
  }

  /** Live sockets: acquired and not yet closed. */
  get size(): number {
    return this.sockets.size
  }

  /** True once {@link SocketPool.destroy} was called. */
  get destroyed(): boolean {
    return this.destroying !== null
  }

  /**
   * A new socket bound to the pool's host on a random port, held once by the caller.
   * @throws HolepunchError `POOL_DESTROYED` after {@link SocketPool.destroy}
   */
  acquire(): SocketRef {
    if (this.destroying) throw HolepunchError.POOL_DESTROYED()
    return new SocketRef(this.owner)
  }

  /** The ref of a live pool socket, or null. */
  lookup(socket: UDX.Socket): SocketRef | null {
    return this.sockets.get(socket) ?? null
  }

  /** Marks a pool socket as carrying (or no longer carrying) a reusable stream. */
  setReusable(socket: UDX.Socket, reusable: boolean): void {
    const ref = this.lookup(socket)
    if (ref) ref.reusable = reusable
  }

  /** Closes every socket (each after its streams end) and clears linger timers. Memoised. */
  destroy(): Promise<void> {
    if (this.destroying) return this.destroying
    const closing: Promise<void>[] = []
    for (const ref of this.sockets.values()) {
      ref._unlinger()
      closing.push(ref.socket.close())
    }
    this.destroying = Promise.allSettled(closing).then(() => {})
    return this.destroying
  }
}
