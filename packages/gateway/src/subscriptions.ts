// Webhook subscriptions: each new value of a resource is POSTed to the subscriber's URL.

import { randomUUID } from 'node:crypto'
import type { HyperDHT, Watch, WatchOptions } from '@keymesh/hyperdht'
import type { Listenable } from './context.js'
import { GatewayError } from './errors.js'
import type { GatewayLimits } from './options.js'
import type { GatewayStats } from './stats.js'

/** First retry delay of a failed webhook POST, doubled per retry. */
const RETRY_BASE_MS = 250

interface Subscription {
  readonly id: string
  readonly key: string
  readonly url: string
  readonly client: string
  readonly watch: Watch
  readonly queue: Record<string, unknown>[]
  readonly abort: AbortController
  expires: number
  timer: NodeJS.Timeout
  sending: boolean
}

/** What SUBSCRIBE answers. */
export interface SubscribeResult {
  id: string
  url: string
  /** Unix time in ms when the subscription lapses unless renewed. */
  expires: number
}

/**
 * The webhook subscriptions of one gateway: one watch per subscription; its events are POSTed
 * in order to the URL as JSON, each retried `webhookRetries` times with doubling backoff, at
 * most `webhookQueue` waiting (the oldest are dropped). Capped in total and per client;
 * SUBSCRIBE again to renew before `subscriptionTtl` runs out.
 */
export class Subscriptions {
  private readonly byKey = new Map<string, Subscription>()
  private readonly perClient = new Map<string, number>()
  private readonly node: HyperDHT
  private readonly limits: GatewayLimits
  private readonly stats: GatewayStats
  private readonly watchOptions: WatchOptions
  private closed = false

  constructor(node: HyperDHT, limits: GatewayLimits, stats: GatewayStats, watch: WatchOptions) {
    this.node = node
    this.limits = limits
    this.stats = stats
    this.watchOptions = watch
  }

  /** Subscribe `url` to `what` (or renew); 429 over a cap. */
  subscribe(client: string, what: Listenable, url: string): SubscribeResult {
    const k = what.key + ' ' + url
    const now = Date.now()
    const existing = this.byKey.get(k)
    if (existing !== undefined) {
      existing.expires = now + this.limits.subscriptionTtl
      existing.timer.refresh()
      return { id: existing.id, url, expires: existing.expires }
    }
    const mine = this.perClient.get(client) ?? 0
    if (
      this.byKey.size >= this.limits.maxSubscriptions ||
      mine >= this.limits.maxSubscriptionsPerClient
    ) {
      throw new GatewayError('GATEWAY_RATE_LIMITED', 'too many subscriptions')
    }
    const abort = new AbortController()
    const watch = this.node.watch(what.target, {
      ...this.watchOptions,
      initial: false,
      signal: abort.signal
    })
    const sub: Subscription = {
      id: randomUUID(),
      key: k,
      url,
      client,
      watch,
      queue: [],
      abort,
      expires: now + this.limits.subscriptionTtl,
      timer: setTimeout(() => this.end(sub), this.limits.subscriptionTtl),
      sending: false
    }
    sub.timer.unref()
    this.byKey.set(k, sub)
    this.perClient.set(client, mine + 1)
    this.stats.subscriptions.open = this.byKey.size
    this.stats.subscriptions.total++
    this.pump(sub, what).catch(() => this.end(sub))
    return { id: sub.id, url, expires: sub.expires }
  }

  /** Remove the subscription of `url` to `what`; false if there was none. */
  unsubscribe(what: Listenable, url: string): boolean {
    const sub = this.byKey.get(what.key + ' ' + url)
    if (sub === undefined) return false
    this.end(sub)
    return true
  }

  /** End every subscription. */
  closeAll(): void {
    this.closed = true
    for (const sub of [...this.byKey.values()]) this.end(sub)
  }

  private end(sub: Subscription): void {
    if (this.byKey.get(sub.key) !== sub) return
    this.byKey.delete(sub.key)
    clearTimeout(sub.timer)
    sub.abort.abort()
    sub.watch.destroy()
    const n = (this.perClient.get(sub.client) ?? 1) - 1
    if (n <= 0) this.perClient.delete(sub.client)
    else this.perClient.set(sub.client, n)
    this.stats.subscriptions.open = this.byKey.size
  }

  private async pump(sub: Subscription, what: Listenable): Promise<void> {
    for await (const e of sub.watch) {
      const line = what.toJson(e)
      if (line === null) continue
      if (sub.queue.length >= this.limits.webhookQueue) {
        sub.queue.shift()
        this.stats.webhooks.dropped++
      }
      sub.queue.push(line)
      if (!sub.sending) void this.deliver(sub)
    }
  }

  // POST the queue in order; one delivery loop per subscription
  private async deliver(sub: Subscription): Promise<void> {
    sub.sending = true
    try {
      while (sub.queue.length > 0 && !sub.abort.signal.aborted && !this.closed) {
        const body = JSON.stringify({ subscription: sub.id, ...sub.queue[0] })
        if (await this.post(sub, body)) this.stats.webhooks.delivered++
        else this.stats.webhooks.failed++
        sub.queue.shift()
      }
    } finally {
      sub.sending = false
    }
  }

  private async post(sub: Subscription, body: string): Promise<boolean> {
    for (let attempt = 0; attempt <= this.limits.webhookRetries; attempt++) {
      if (attempt > 0) {
        this.stats.webhooks.retried++
        if (!(await delay(RETRY_BASE_MS * 2 ** (attempt - 1), sub.abort.signal))) return false
      }
      try {
        const res = await fetch(sub.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-keymesh-subscription': sub.id },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([
            sub.abort.signal,
            AbortSignal.timeout(this.limits.webhookTimeout)
          ])
        })
        await res.arrayBuffer().catch(() => null)
        if (res.status >= 200 && res.status < 300) return true
      } catch {
        if (sub.abort.signal.aborted) return false
      }
    }
    return false
  }
}

function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onabort)
      resolve(true)
    }, ms)
    const onabort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    signal.addEventListener('abort', onabort, { once: true })
  })
}
