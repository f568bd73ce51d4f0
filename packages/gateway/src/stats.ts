// The gateway's own counters, served by GET /node/stats.

/** Counters of one gateway. */
export interface GatewayStats {
  /** Requests received. */
  requests: number
  /** Answers by HTTP status. */
  statuses: Record<string, number>
  /** Listens open now, and ever opened. */
  listens: { open: number; total: number }
  /** Subscriptions held now; webhook deliveries. */
  subscriptions: { open: number; total: number }
  webhooks: { delivered: number; failed: number; retried: number; dropped: number }
}

/** Fresh zeroed counters. */
export function createStats(): GatewayStats {
  return {
    requests: 0,
    statuses: {},
    listens: { open: 0, total: 0 },
    subscriptions: { open: 0, total: 0 },
    webhooks: { delivered: 0, failed: 0, retried: 0, dropped: 0 }
  }
}

/** Count one answer. */
export function countStatus(stats: GatewayStats, status: number): void {
  const k = String(status)
  stats.statuses[k] = (stats.statuses[k] ?? 0) + 1
}
