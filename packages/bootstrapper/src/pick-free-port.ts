// Picks a UDP port that is free right now, for `port: 0` (hyperdht reads 0 as "49737").

import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'

/**
 * Bind a throwaway UDP socket on `host:0`, read the port the OS chose, close it. Another process
 * may take the port before the caller binds it, so callers retry on `PORT_IN_USE`.
 */
export async function pickFreePort(host: string): Promise<number> {
  const socket: Socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    return socket.address().port
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()))
  }
}
