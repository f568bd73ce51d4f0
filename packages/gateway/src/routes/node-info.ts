// GET / (node info, OpenDHT's shape plus keymesh fields) and GET /node/stats (counters).

import type { RequestContext } from '../context.js'
import type { Route } from '../router.js'
import { hex } from '../codec.js'

async function info(ctx: RequestContext): Promise<void> {
  const node = ctx.core.node
  let good = 0
  let dubious = 0
  for (const n of node.table.toArray()) {
    if (n.timeouts === 0 && n.downHints === 0) good++
    else dubious++
  }
  const r = node.stats.records
  ctx.send(200, {
    id: node.id === null ? null : hex(node.id),
    publicKey: hex(ctx.core.keyPair.publicKey),
    host: node.host,
    port: node.port,
    firewalled: node.firewalled,
    ephemeral: node.ephemeral,
    connected: !node.destroyed && node.table.size > 0,
    ipv4: { good, dubious },
    records: r === null ? 0 : r.records + r.mutables + r.immutables,
    watches: node.extensionStats.registry.watches,
    listens: ctx.core.stats.listens.open,
    subscriptions: ctx.core.stats.subscriptions.open
  })
}

async function stats(ctx: RequestContext): Promise<void> {
  const node = ctx.core.node
  ctx.send(200, {
    gateway: ctx.core.stats,
    node: JSON.parse(JSON.stringify(node.stats)),
    extensions: JSON.parse(JSON.stringify(node.extensionStats))
  })
}

/** The node routes. */
export const nodeRoutes: Route[] = [
  { method: 'GET', path: '/', handler: info },
  { method: 'GET', path: '/node/stats', handler: stats }
]
