// A raw UDP socket on 127.0.0.1 (udx-native, the transport both implementations sit on) for
// sending hand-made datagrams and awaiting replies by tid.

import { createRequire } from 'node:module'
import type UDXType from 'udx-native'
import { withTimeout } from '../../src/index.js'
import { RESPONSE_TYPE, tidOf } from './datagrams.js'

const UDX = createRequire(import.meta.url)('udx-native') as typeof UDXType

export class RawSocket {
  readonly port: number
  /** Datagrams received so far. */
  received = 0
  /** Called with every datagram received (a copy), if set. */
  ondatagram: ((datagram: Buffer) => void) | null = null
  private readonly socket: UDXType.Socket
  private readonly waiting = new Map<number, (datagram: Buffer) => void>()

  constructor(udx: UDXType = new UDX()) {
    this.socket = udx.createSocket()
    this.socket.bind(0, '127.0.0.1')
    this.port = this.socket.address()?.port ?? 0
    this.socket.on('message', (buffer) => {
      this.received++
      if (this.ondatagram !== null) this.ondatagram(Buffer.from(buffer))
      if (buffer[0] !== RESPONSE_TYPE) return
      const resolve = this.waiting.get(tidOf(buffer))
      if (resolve === undefined) return
      this.waiting.delete(tidOf(buffer))
      resolve(Buffer.from(buffer)) // udx reuses its receive buffer
    })
  }

  /** Fire and forget. */
  trySend(datagram: Uint8Array, port: number): void {
    this.socket.trySend(datagram, port, '127.0.0.1')
  }

  /** Resolves once the datagram has left the socket. */
  async send(datagram: Uint8Array, port: number): Promise<void> {
    await this.socket.send(datagram, port, '127.0.0.1')
  }

  /** Sends a request with this tid (resending every `everyMs`) until a response with it arrives. */
  async request(
    datagram: Uint8Array,
    tid: number,
    port: number,
    attempts = 6,
    everyMs = 500
  ): Promise<Buffer> {
    const reply = new Promise<Buffer>((resolve) => this.waiting.set(tid, resolve))
    try {
      for (let i = 0; i < attempts; i++) {
        await this.send(datagram, port)
        try {
          return await withTimeout(reply, everyMs, `reply to tid ${tid}`)
        } catch {
          // resend
        }
      }
      throw new Error(`no reply to tid ${tid} from port ${port} after ${attempts} attempts`)
    } finally {
      this.waiting.delete(tid)
    }
  }

  close(): Promise<void> {
    return this.socket.close()
  }
}
