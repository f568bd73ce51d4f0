// Test helpers: a gateway on a local keymesh testnet, HTTP requests, and streamed-line readers.

import http from 'node:http'
import createTestnet from '@keymesh/hyperdht/testnet'
import type { HyperDHT } from '@keymesh/hyperdht'
import { createGateway, type GatewayOptions } from '../../src/index.js'

/** The bits of a brittle test the helpers use. */
export interface T {
  teardown(fn: () => unknown, opts?: { order?: number }): void
}

/** A gateway in front of a bootstrapped client node of a `size`-node testnet. */
export async function startGateway(t: T, opts: GatewayOptions = {}, size = 6) {
  const testnet = await createTestnet(size, t)
  const node = testnet.createNode()
  await node.fullyBootstrapped()
  const gateway = createGateway({ node, port: 0, rateLimit: 0, ...opts })
  const { port } = await gateway.listen()
  t.teardown(() => gateway.close())
  return { testnet, node, gateway, port, base: `http://127.0.0.1:${port}` }
}

/** Another bootstrapped node of the testnet (a writer next to the gateway's node). */
export async function otherNode(testnet: { createNode(): HyperDHT }): Promise<HyperDHT> {
  const node = testnet.createNode()
  await node.fullyBootstrapped()
  return node
}

/** A finished HTTP exchange. */
export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request with node:http (any method, raw or JSON body). */
export function request(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined
        ? undefined
        : Buffer.isBuffer(body) || typeof body === 'string'
          ? Buffer.from(body)
          : Buffer.from(JSON.stringify(body))
    const h: Record<string, string> = { ...headers }
    if (
      payload !== undefined &&
      body !== null &&
      !Buffer.isBuffer(body) &&
      typeof body !== 'string'
    ) {
      h['content-type'] ??= 'application/json'
    }
    // node:http sends a DELETE body without framing unless told its length
    if (payload !== undefined) h['content-length'] ??= String(payload.byteLength)
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: h, agent: false },
      (res) => {
        // a listen never ends: report that it opened, and hang up
        if (res.headers['x-keymesh-listen-mode'] !== undefined) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', json: null })
          req.destroy()
          return
        }
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown = null
          try {
            json = JSON.parse(text)
          } catch {
            json = null
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** An open streamed response read line by line (NDJSON) or frame by frame (SSE). */
export class LineStream {
  readonly res: http.IncomingMessage
  private readonly req: http.ClientRequest
  private buffered = ''
  private readonly lines: string[] = []
  private waiter: (() => void) | null = null
  private ended = false

  constructor(req: http.ClientRequest, res: http.IncomingMessage) {
    this.req = req
    this.res = res
    res.setEncoding('utf8')
    res.on('data', (s: string) => {
      this.buffered += s
      let i: number
      while ((i = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, i)
        this.buffered = this.buffered.slice(i + 1)
        if (line.trim().length > 0) this.lines.push(line)
      }
      this.wake()
    })
    res.on('end', () => {
      this.ended = true
      this.wake()
    })
    res.on('error', () => {
      this.ended = true
      this.wake()
    })
  }

  /** The next non-empty line parsed as JSON (SSE `data: ` stripped); null once the stream ended. */
  async next(): Promise<any> {
    // eslint-disable-line @typescript-eslint/no-explicit-any
    while (this.lines.length === 0) {
      if (this.ended) return null
      await new Promise<void>((resolve) => (this.waiter = resolve))
    }
    const line = this.lines.shift() as string
    return JSON.parse(line.startsWith('data: ') ? line.slice(6) : line)
  }

  /** Disconnect. */
  close(): void {
    this.req.destroy()
    this.res.destroy()
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = null
    if (w !== null) w()
  }
}

/** Open a streamed request; resolves once the status line and headers arrived. */
export function openStream(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {}
): Promise<LineStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false },
      (res) => resolve(new LineStream(req, res))
    )
    req.on('error', reject)
    req.end()
  })
}
