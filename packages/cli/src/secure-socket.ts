// Helpers around hyperdht's encrypted connections: wait for open, and describe the remote.

import type HyperDHT from '@keymesh/hyperdht'
import { abortable } from './signals.js'

/** The encrypted stream `connect()` returns and servers emit. */
export type SecureSocket = ReturnType<HyperDHT['connect']>

/**
 * Resolves once `socket` is open (handshake done, data may flow); rejects with the error it
 * is destroyed with (`PEER_NOT_FOUND`, ...), or with `signal.reason` (the socket is destroyed).
 */
export function opened(socket: SecureSocket, signal: AbortSignal): Promise<void> {
  const open = new Promise<void>((resolve, reject) => {
    let error: Error | null = null
    const onerror = (err: Error): void => {
      error = err
    }
    socket.on('error', onerror)
    socket.once('open', () => {
      socket.off('error', onerror)
      resolve()
    })
    socket.once('close', () =>
      reject(error ?? new Error('STREAM_NOT_CONNECTED: closed before it opened'))
    )
  })
  return abortable(open, signal).catch((err: unknown) => {
    socket.destroy()
    throw err
  })
}

/** Hex of the remote's public key, or `'unknown'` before the handshake. */
export function remoteKeyOf(socket: SecureSocket): string {
  const key = socket.remotePublicKey
  return key === null || key === undefined ? 'unknown' : Buffer.from(key).toString('hex')
}
