// Real-UDP helpers: raw udx sockets with teardown, and waiting on events.

import { once } from 'node:events'
import type { EventEmitter } from 'node:events'
import UDX from 'udx-native'
import type { TestInstance } from './brittle.js'

/** A raw UDP socket bound on 127.0.0.1, closed on teardown (after everything else). */
export function createSocket(t: TestInstance, udx: UDX = new UDX()): UDX.Socket {
  const socket = udx.createSocket()
  socket.bind(0, '127.0.0.1')
  t.teardown(() => socket.close(), { order: Infinity })
  return socket
}

/** A port nothing listens on (bound, read, closed). */
export async function freePort(): Promise<number> {
  const socket = new UDX().createSocket()
  socket.bind(0, '127.0.0.1')
  const port = socket.address()!.port
  await socket.close()
  return port
}

/** The next datagram `socket` receives. */
export async function nextDatagram(socket: UDX.Socket): Promise<Buffer> {
  const [buf] = (await once(socket, 'message')) as [Buffer]
  return buf
}

/** Resolves with the arguments of the next `name` event. */
export function event<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  name: string
): Promise<T> {
  return once(emitter, name) as Promise<T>
}
