// The ceiling: the same transfer over two bare udx-native streams on 127.0.0.1, no encryption.

import { createRequire } from 'node:module'
import type { BenchStream } from './impl.js'
import { next, timedTransfer } from './transfer.js'
import type { TransferResult } from './transfer.js'

interface RawSocket {
  bind(port: number, host: string): void
  address(): { port: number } | null
  close(): Promise<void>
}

interface RawStream extends BenchStream {
  connect(socket: RawSocket, remoteId: number, port: number, host: string): void
}

interface RawUdx {
  createSocket(): RawSocket
  createStream(id: number): RawStream
}

const HOST = '127.0.0.1'

let UDX: (new () => RawUdx) | null = null

/** udx-native 1.21.3, the version both packages run on; loaded on first use only. */
function udxClass(): new () => RawUdx {
  UDX ??= createRequire(import.meta.url)('udx-native') as new () => RawUdx
  return UDX
}

/** A bound socket and a stream on it, each end with its own UDX instance (as two nodes have). */
function end(id: number): { socket: RawSocket; stream: RawStream; port: number } {
  const udx = new (udxClass())()
  const socket = udx.createSocket()
  socket.bind(0, HOST)
  const port = socket.address()?.port
  if (port === undefined) throw new Error('udx socket did not bind')
  return { socket, stream: udx.createStream(id), port }
}

/**
 * Move `bytes` over one raw UDX stream pair: one way (time until the receiver has them all) or
 * echoed (the receiver pipes them back; time until the sender has them all).
 */
export async function udxTransfer(bytes: number, echo: boolean): Promise<TransferResult> {
  const a = end(1)
  const b = end(2)
  a.stream.connect(a.socket, 2, b.port, HOST)
  b.stream.connect(b.socket, 1, a.port, HOST)
  for (const s of [a.stream, b.stream]) s.on('error', () => {})
  if (echo) b.stream.pipe(b.stream)
  else b.stream.on('end', () => b.stream.end())
  try {
    return await timedTransfer(a.stream, echo ? a.stream : b.stream, bytes)
  } finally {
    const closed = [next(a.stream, 'close'), next(b.stream, 'close')]
    a.stream.end()
    await Promise.all(closed).catch(() => {
      a.stream.destroy()
      b.stream.destroy()
    })
    await Promise.all([a.socket.close(), b.socket.close()])
  }
}
