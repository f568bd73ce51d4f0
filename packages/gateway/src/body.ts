// Reading a request body under the size limit, and parsing it as JSON.

import type { IncomingMessage } from 'node:http'
import { GatewayError } from './errors.js'

/** The whole body, or 413 as soon as it passes `max` bytes (by Content-Length or as it streams). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > max) {
    return Promise.reject(new GatewayError('GATEWAY_BODY_TOO_LARGE', `body over ${max} bytes`))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const ondata = (chunk: Buffer): void => {
      size += chunk.byteLength
      if (size > max) {
        cleanup()
        // stop reading; the connection is closed after the 413 is sent
        req.pause()
        reject(new GatewayError('GATEWAY_BODY_TOO_LARGE', `body over ${max} bytes`))
        return
      }
      chunks.push(chunk)
    }
    const onend = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onerror = (err: Error): void => {
      cleanup()
      reject(new GatewayError('GATEWAY_BAD_REQUEST', 'body could not be read', { cause: err }))
    }
    const cleanup = (): void => {
      req.off('data', ondata)
      req.off('end', onend)
      req.off('error', onerror)
      req.off('aborted', onerror as () => void)
    }
    req.on('data', ondata)
    req.on('end', onend)
    req.on('error', onerror)
    req.on('aborted', onerror as () => void)
  })
}

/** Parse JSON, or 400. An empty body is `{}`. */
export function parseJson(body: Buffer): unknown {
  if (body.byteLength === 0) return {}
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'body is not valid JSON')
  }
}
