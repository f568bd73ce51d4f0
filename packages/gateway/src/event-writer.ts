// Writes one JSON object per event to a streamed response: NDJSON lines or SSE `data:` frames.

import type { ServerResponse } from 'node:http'

/** True when the client asked for Server-Sent Events. */
export function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/event-stream')
}

/** A streamed JSON response, flushed per object. */
export class EventWriter {
  private readonly res: ServerResponse
  private readonly sse: boolean
  private started = false

  constructor(res: ServerResponse, sse: boolean) {
    this.res = res
    this.sse = sse
  }

  /** True once the status line and headers went out. */
  get headersSent(): boolean {
    return this.started
  }

  /** Send the 200 and headers now (a listen does so once it is registered). */
  start(headers: Record<string, string> = {}): void {
    if (this.started) return
    this.started = true
    this.res.writeHead(200, {
      'content-type': this.sse ? 'text/event-stream' : 'application/x-ndjson',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...headers
    })
    this.res.flushHeaders()
  }

  /** Write one object (starting the response if needed); false once the client is gone. */
  write(obj: unknown): boolean {
    if (this.res.destroyed || this.res.writableEnded) return false
    this.start()
    const line = JSON.stringify(obj)
    this.res.write(this.sse ? `data: ${line}\n\n` : line + '\n')
    return true
  }

  /** End the response. */
  end(): void {
    if (this.res.writableEnded) return
    this.start()
    this.res.end()
  }
}
