// A TCP front for node:http that lets the OpenDHT `LISTEN` method through as GET + a header.

import type { Server as HttpServer } from 'node:http'
import net from 'node:net'

/** The header a rewritten LISTEN request carries; the router treats it as LISTEN. */
export const LISTEN_HEADER = 'x-keymesh-method'

const LISTEN = Buffer.from('LISTEN ')
const GET = Buffer.from('GET ')
const CRLF = Buffer.from('\r\n')
const INJECT = Buffer.from(`${LISTEN_HEADER}: LISTEN\r\n`)
/** Longest request line we wait for before handing the connection over unchanged. */
const MAX_PEEK_BYTES = 8192
/** ms a new connection may take to send its request line. */
const PEEK_TIMEOUT_MS = 10_000

/**
 * node:http's parser only knows a fixed list of methods, and LISTEN is not on it. This front
 * reads each connection's first request line: a `LISTEN` line becomes `GET` plus
 * `x-keymesh-method: LISTEN`, then the connection goes to the HTTP server as if it had accepted
 * it. (A LISTEN response never ends, so a LISTEN is always a connection's last request; a later
 * LISTEN on a kept-alive connection gets a 400.)
 */
export function createMethodFront(http: HttpServer): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    let peeked = Buffer.alloc(0)
    socket.setTimeout(PEEK_TIMEOUT_MS, () => socket.destroy())
    const ondata = (chunk: Buffer): void => {
      peeked = Buffer.concat([peeked, chunk])
      const n = Math.min(peeked.byteLength, LISTEN.byteLength)
      const listen = peeked.subarray(0, n).equals(LISTEN.subarray(0, n))
      const eol = listen ? peeked.indexOf(CRLF) : -1
      if (listen && eol === -1 && peeked.byteLength < MAX_PEEK_BYTES) return // need more
      socket.off('data', ondata)
      socket.off('error', onerror)
      socket.setTimeout(0)
      socket.pause()
      if (listen && eol !== -1) {
        peeked = Buffer.concat([
          GET,
          peeked.subarray(LISTEN.byteLength, eol + 2),
          INJECT,
          peeked.subarray(eol + 2)
        ])
      }
      socket.unshift(peeked)
      http.emit('connection', socket)
      socket.resume()
    }
    const onerror = (): void => {
      socket.destroy()
    }
    socket.on('data', ondata)
    socket.on('error', onerror)
  })
}
