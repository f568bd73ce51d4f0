// Connection helpers shared by the hyperdht connect interop tests: echo servers, round trips, failures.

import type RealHyperDHTType from 'hyperdht'
import type { HyperDHTNode, KeyPair } from '../../src/hyperdht-network.js'
import { withTimeout } from '../../src/index.js'

export type Connection = RealHyperDHTType.Connection
export type Server = RealHyperDHTType.Server

/** How long one connect, listen or close may take. */
export const OP_MS = 15_000

/** Resolves once `stream` closes. */
export function closed(stream: Connection): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()))
}

/** Connect, send `data`, end, collect the echo until close. */
export async function roundTrip(
  client: HyperDHTNode,
  publicKey: Buffer,
  data: Buffer,
  opts: RealHyperDHTType.ConnectOptions = {}
): Promise<{ received: Buffer; stream: Connection; error: unknown }> {
  const stream = client.connect(publicKey, opts)
  const chunks: Buffer[] = []
  let error: unknown = null
  stream.on('data', (d: Buffer) => chunks.push(d))
  stream.on('error', (err: unknown) => (error = err))
  stream.on('open', () => stream.end(data))
  await withTimeout(closed(stream), OP_MS, 'echo round trip')
  return { received: Buffer.concat(chunks), stream, error }
}

/** The code `connect()` fails with (`'OPENED'` if it opened), and how long it took. */
export async function connectError(
  client: HyperDHTNode,
  publicKey: Buffer,
  opts: RealHyperDHTType.ConnectOptions,
  ms: number
): Promise<{ code: unknown; ms: number }> {
  const start = Date.now()
  const stream = client.connect(publicKey, opts)
  let code: unknown = null
  stream.on('error', (err: { code?: unknown }) => (code = err.code))
  stream.on('open', () => (code = 'OPENED'))
  await withTimeout(closed(stream), ms, 'connect failure')
  return { code, ms: Date.now() - start }
}

/** A server of `host` that echoes; `connections` collects its side of each connection. */
export async function listenEcho(
  host: HyperDHTNode,
  kp: KeyPair,
  opts: RealHyperDHTType.ServerOptions = {}
): Promise<{ server: Server; connections: Connection[] }> {
  const connections: Connection[] = []
  const server = host.createServer(opts, (socket) => {
    connections.push(socket)
    socket.on('error', () => {})
    socket.pipe(socket)
  })
  await withTimeout(server.listen(kp), OP_MS, 'server.listen')
  return { server, connections }
}
