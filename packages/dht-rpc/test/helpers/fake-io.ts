// Builds IO instances on a fake network, plus raw sockets to inject hand-made datagrams.

import { randomBytes } from 'node:crypto'
import { IO } from '../../src/io.js'
import type { IOOptions, IOTable } from '../../src/io.js'
import type { HostPort } from '../../src/peer.js'
import type { Request } from '../../src/request.js'
import type { TestInstance } from './brittle.js'
import { FakeNetwork, FakeSocket, FakeUDX } from './fake-udx.js'

/** An IO on the fake network plus what its callbacks saw. */
export interface TestIO {
  io: IO
  requests: Request[]
  timeouts: Request[]
  cycles: Request[]
  /** The server socket address. */
  address: HostPort
}

/** A table stub: a fixed id and a fixed closer-nodes list. */
export function stubTable(closest: HostPort[] = []): IOTable {
  return { id: randomBytes(32), closest: () => closest }
}

/** Create and bind an IO on `network` at `host`; destroyed on teardown. */
export async function createIO(
  t: TestInstance,
  network: FakeNetwork,
  opts: Partial<IOOptions> & { table?: IOTable; host?: string } = {},
  onrequest?: (req: Request) => void
): Promise<TestIO> {
  const requests: Request[] = []
  const timeouts: Request[] = []
  const cycles: Request[] = []
  const io = new IO(opts.table ?? stubTable(), network.udx(opts.host ?? '127.0.0.1'), {
    ...opts,
    onrequest: (req) => {
      requests.push(req)
      onrequest?.(req)
    },
    ontimeout: (req) => timeouts.push(req),
    oncycle: (req) => cycles.push(req)
  })
  await io.bind()
  t.teardown(() => io.destroy())
  const address = { host: opts.host ?? '127.0.0.1', port: io.serverSocket!.address()!.port }
  return { io, requests, timeouts, cycles, address }
}

/** A raw socket on the fake network to send hand-made datagrams from. */
export function rawSocket(network: FakeNetwork, host = '127.0.0.1'): FakeSocket {
  const socket = new FakeUDX(network, host).createSocket()
  socket.bind(0)
  return socket
}

/** Resolves with the next datagram `socket` receives. */
export function nextMessage(socket: FakeSocket): Promise<Buffer> {
  return new Promise((resolve) => socket.once('message', (buf: Buffer) => resolve(buf)))
}

/** Let queued setImmediate deliveries run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r))
}
