// The options of createGateway() and their defaults.

import type { HyperDHT, HyperDHTOptions, KeyPair, WatchOptions } from '@keymesh/hyperdht'

/** Options of {@link createGateway}. Every limit is per gateway. */
export interface GatewayOptions {
  /** Serve this node (the caller keeps owning it); else the gateway creates and destroys one. */
  node?: HyperDHT
  /** Options of the node the gateway creates when `node` is not given. */
  nodeOptions?: HyperDHTOptions
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /**
   * Operator key pairs by name: `POST /mutable/sign/:name` signs with them (opt-in, the OpenDHT
   * sign endpoint) and `POST /peers/:topic` announces with `{"keyPair": name}`. @default {}
   */
  keyPairs?: Readonly<Record<string, KeyPair>>
  /** Key pair that signs OpenDHT-style `POST /:hash` values and default announces. @default the node's `defaultKeyPair` */
  keyPair?: KeyPair
  /** Largest request body in bytes. @default 16384 */
  maxBodyBytes?: number
  /** Open listens (LISTEN, `/listen`, SSE) in total. @default 256 */
  maxListens?: number
  /** Open listens per client IP. @default 32 */
  maxListensPerClient?: number
  /** Webhook subscriptions in total. @default 256 */
  maxSubscriptions?: number
  /** Webhook subscriptions per client IP. @default 16 */
  maxSubscriptionsPerClient?: number
  /** Lifetime of a subscription in ms; SUBSCRIBE again to extend it. @default 3600000 */
  subscriptionTtl?: number
  /** Retries of a failed webhook POST (with doubling backoff from 250 ms). @default 3 */
  webhookRetries?: number
  /** ms one webhook POST may take. @default 5000 */
  webhookTimeout?: number
  /** Undelivered events kept per subscription; the oldest are dropped beyond it. @default 64 */
  webhookQueue?: number
  /** Requests per second per client IP (token bucket, burst twice that); 0 turns it off. @default 200 */
  rateLimit?: number
  /** ms one DHT operation may take before the request fails with 502. @default 20000 */
  requestTimeout?: number
  /** Options of the watches behind listens and subscriptions (poll interval, ...). */
  watch?: WatchOptions
}

/** Defaults of {@link GatewayOptions}. */
export const GATEWAY_DEFAULTS = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  maxBodyBytes: 16384,
  maxListens: 256,
  maxListensPerClient: 32,
  maxSubscriptions: 256,
  maxSubscriptionsPerClient: 16,
  subscriptionTtl: 3_600_000,
  webhookRetries: 3,
  webhookTimeout: 5000,
  webhookQueue: 64,
  rateLimit: 200,
  requestTimeout: 20_000
})

/** The numeric limits, resolved. */
export type GatewayLimits = {
  -readonly [K in keyof typeof GATEWAY_DEFAULTS]: K extends 'host' ? string : number
}

/** `opts` over the defaults (undefined fields keep the default). */
export function resolveLimits(opts: GatewayOptions): GatewayLimits {
  const out: Record<string, unknown> = { ...GATEWAY_DEFAULTS }
  for (const k of Object.keys(GATEWAY_DEFAULTS)) {
    const v = (opts as Record<string, unknown>)[k]
    if (v !== undefined) out[k] = v
  }
  return out as GatewayLimits
}
