// Serving listens: a watch per open response, capped in total and per client, ended on disconnect.

import type { WatchOptions } from '@keymesh/hyperdht'
import type { Listenable, RequestContext } from './context.js'
import { GatewayError } from './errors.js'
import { EventWriter, wantsEventStream } from './event-writer.js'
import type { GatewayStats } from './stats.js'

/** The open listens of one gateway. */
export class Listens {
  private readonly perClient = new Map<string, number>()
  private readonly open = new Set<() => void>()
  private readonly max: number
  private readonly maxPerClient: number
  private readonly stats: GatewayStats

  constructor(max: number, maxPerClient: number, stats: GatewayStats) {
    this.max = max
    this.maxPerClient = maxPerClient
    this.stats = stats
  }

  /**
   * Watch `what` and stream each change to the client as one JSON line (or SSE frame). The 200
   * goes out once the watch is registered with the storing nodes, with `X-Keymesh-Listen-Mode`
   * saying whether changes are pushed or polled. 429 over a cap.
   */
  async serve(ctx: RequestContext, what: Listenable, opts: WatchOptions): Promise<void> {
    const client = ctx.client
    const mine = this.perClient.get(client) ?? 0
    if (this.open.size >= this.max || mine >= this.maxPerClient) {
      throw new GatewayError('GATEWAY_RATE_LIMITED', 'too many open listens')
    }
    ctx.requireConnected()
    const watch = ctx.core.node.watch(what.target, { ...opts, signal: ctx.signal })
    const stop = (): void => watch.destroy()
    this.open.add(stop)
    this.perClient.set(client, mine + 1)
    this.stats.listens.open++
    this.stats.listens.total++
    const writer = new EventWriter(ctx.res, wantsEventStream(ctx.req.headers.accept))
    try {
      await watch.ready()
      if (!watch.destroyed) {
        writer.start({ 'x-keymesh-listen-mode': watch.mode })
        for await (const e of watch) {
          const line = what.toJson(e)
          if (line !== null && !writer.write(line)) break
        }
      }
    } finally {
      watch.destroy()
      this.open.delete(stop)
      const n = (this.perClient.get(client) ?? 1) - 1
      if (n <= 0) this.perClient.delete(client)
      else this.perClient.set(client, n)
      this.stats.listens.open--
    }
    // ended before it started: the client left, or the gateway is closing
    if (!writer.headersSent) throw new GatewayError('GATEWAY_NOT_CONNECTED', 'the listen ended')
    writer.end()
  }

  /** End every listen (the gateway is closing). */
  closeAll(): void {
    for (const stop of [...this.open]) stop()
  }
}
