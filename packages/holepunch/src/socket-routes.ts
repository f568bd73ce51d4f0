// SocketRoutes: the reusable socket and remote address of the last stream to each public key.

import type UDX from 'udx-native'
import type { HostPort } from './host-port.js'

/** The minimal structural view of a udx stream that {@link SocketRoutes.add} needs. */
export interface RouteStream {
  socket: UDX.Socket | null
  remoteHost: string | null
  remotePort: number
  on(event: 'connect' | 'error', fn: () => void): unknown
}

/** A reusable route: the socket a stream to the peer ran on and the peer's address. */
export interface SocketRoute {
  socket: UDX.Socket
  address: HostPort
}

/** What {@link SocketRoutes} needs from the pool. @internal */
export interface ReusableMarker {
  setReusable(socket: UDX.Socket, reusable: boolean): void
}

interface RouteEntry extends SocketRoute {
  gc(): void
}

/**
 * Remembers, per remote public key, the socket a connection ran on, so the next connection to
 * the same peer can skip holepunching. A route lives until its socket closes or its stream errors.
 */
export class SocketRoutes {
  private readonly pool: ReusableMarker
  private readonly routes = new Map<string, RouteEntry>()

  /** @internal Created by `SocketPool`. */
  constructor(pool: ReusableMarker) {
    this.pool = pool
  }

  /** Records `rawStream`'s socket for `publicKey` once the stream is connected. */
  add(publicKey: Uint8Array, rawStream: RouteStream): void {
    if (rawStream.socket) this.onconnect(publicKey, rawStream)
    else rawStream.on('connect', () => this.onconnect(publicKey, rawStream))
  }

  /** The route to `publicKey`, or null. */
  get(publicKey: Uint8Array): SocketRoute | null {
    const route = this.routes.get(keyOf(publicKey))
    return route ? { socket: route.socket, address: route.address } : null
  }

  private onconnect(publicKey: Uint8Array, rawStream: RouteStream): void {
    const socket = rawStream.socket
    if (socket === null) return
    const id = keyOf(publicKey)

    // An existing route (possibly on another socket) wins: it is the one the peer knows.
    let route = this.routes.get(id)
    if (!route) {
      const entry: RouteEntry = {
        socket,
        address: { host: rawStream.remoteHost ?? '', port: rawStream.remotePort },
        gc: () => {
          if (this.routes.get(id) === entry) this.routes.delete(id)
          socket.removeListener('close', entry.gc)
        }
      }
      route = entry
      this.routes.set(id, entry)
      socket.on('close', entry.gc)
    }

    this.pool.setReusable(socket, true)

    const current = route
    rawStream.on('error', () => {
      this.pool.setReusable(socket, false)
      if (current.socket === socket) current.gc()
    })
  }
}

function keyOf(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
}
