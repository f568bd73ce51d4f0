// Counts the UDP datagrams (and bytes) the nodes of one testnet send, by wrapping their sockets.

import { datagramKind } from './datagram-kind.js'
import type { BenchNode, SendingSocket } from './impl.js'

/** What the testnet sent between two readings. */
export interface DatagramCount {
  datagrams: number
  bytes: number
  /** Datagrams by kind (`req:<command>`, `res`, `res:error`). */
  byKind: Record<string, number>
  /** Requests sent again with the same tid to the same port (timeouts or congestion retries). */
  retransmits: number
}

/**
 * Wraps `send`/`trySend` of each attached node's server and client socket. Every datagram of a
 * loopback testnet leaves one of its own sockets, so the sum is the network's whole traffic.
 */
export class DatagramCounter {
  private count = empty()
  private readonly wrapped = new WeakSet<SendingSocket>()
  private nextSocketId = 0
  /** socket id, tid and destination port of the requests sent since the last reset. */
  private readonly requestsSeen = new Set<string>()

  /** Count what `node` sends from now on (call after it is bootstrapped: sockets bind lazily). */
  attach(node: BenchNode): void {
    for (const socket of [node.io.serverSocket, node.io.clientSocket]) {
      if (socket !== null) this.wrap(socket)
    }
  }

  /** Everything counted since the last reset, and start counting afresh. */
  reset(): DatagramCount {
    const out = this.count
    this.count = empty()
    this.requestsSeen.clear()
    return out
  }

  private record(socketId: number, buffer: Uint8Array, port: number): void {
    const c = this.count
    c.datagrams++
    c.bytes += buffer.byteLength
    const { kind, tid } = datagramKind(buffer)
    c.byKind[kind] = (c.byKind[kind] ?? 0) + 1
    if (tid !== null) {
      const key = `${socketId}:${tid}:${port}`
      if (this.requestsSeen.has(key)) c.retransmits++
      else this.requestsSeen.add(key)
    }
  }

  private wrap(socket: SendingSocket): void {
    if (this.wrapped.has(socket)) return
    this.wrapped.add(socket)
    const id = this.nextSocketId++
    const trySend = socket.trySend
    const send = socket.send
    // own properties shadow the prototype's methods on this socket only
    socket.trySend = (buffer, port, host, ttl) => {
      this.record(id, buffer, port)
      return trySend.call(socket, buffer, port, host, ttl)
    }
    socket.send = (buffer, port, host, ttl) => {
      this.record(id, buffer, port)
      return send.call(socket, buffer, port, host, ttl)
    }
  }
}

function empty(): DatagramCount {
  return { datagrams: 0, bytes: 0, byKind: {}, retransmits: 0 }
}
