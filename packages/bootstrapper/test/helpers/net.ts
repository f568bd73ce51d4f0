// Real-UDP helpers: holding a port, checking one is free, and HyperDHT clients with teardown.

import { createSocket } from 'node:dgram'
import HyperDHT from '@keymesh/hyperdht'
import type { TestInstance } from './brittle.js'

/** Bind a UDP socket on 127.0.0.1 (a random port unless given); closed on teardown, last. */
export async function holdPort(t: TestInstance, port = 0): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, '127.0.0.1', () => resolve())
  })
  t.teardown(() => new Promise<void>((resolve) => socket.close(() => resolve())), {
    order: Infinity
  })
  return socket.address().port
}

/** True if a UDP socket can bind 127.0.0.1:`port` right now. */
export async function isPortFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4')
  const free = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false))
    socket.bind(port, '127.0.0.1', () => resolve(true))
  })
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return free
}

/** An ephemeral HyperDHT client on 127.0.0.1 joined through `bootstrap`; destroyed on teardown. */
export function createClient(t: TestInstance, bootstrap: string | { host: string; port: number }) {
  const node = new HyperDHT({ bootstrap: [bootstrap], host: '127.0.0.1' })
  t.teardown(() => node.destroy())
  return node
}
