// Stream helpers shared by the connection tests: an echo server, and awaiting open, close and echo.

import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type { HyperDHT, Server } from '../../src/index.js'

/** A server on `node` that echoes every connection. */
export function echoServer(
  node: HyperDHT,
  opts: Parameters<HyperDHT['createServer']>[0] = {}
): Server {
  return node.createServer(opts as never, (socket: NoiseSecretStream) => {
    socket.on('error', () => {})
    socket.pipe(socket)
  })
}

/** Resolves with the stream's error (or null) once it closes. */
export function closed(stream: NoiseSecretStream): Promise<Error | null> {
  return new Promise((resolve) => {
    let error: Error | null = null
    stream.on('error', (err: Error) => {
      error = err
    })
    stream.once('close', () => resolve(error))
  })
}

export function opened(stream: NoiseSecretStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', reject)
    stream.once('close', () => reject(new Error('closed before open')))
  })
}

/** Write `data`, end, and collect everything echoed back. */
export async function echo(stream: NoiseSecretStream, data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.once('end', () => resolve())
    stream.once('error', reject)
  })
  for (let i = 0; i < data.length; i += 64 * 1024) stream.write(data.subarray(i, i + 64 * 1024))
  stream.end()
  await done
  return Buffer.concat(chunks)
}
