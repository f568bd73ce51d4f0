// Router entries: which server is reachable through this node, by target (§4.5, §4.10).

import type { HostPort, Request } from '@keymesh/dht-rpc'
import { asBuffer } from '@keymesh/wire'
import type UDX from 'udx-native'
import { ExpiringMap } from './store-expiring-map.js'
import { DEFAULT_MAX_AGE, DEFAULT_MAX_SIZE } from './constants.js'

/** How to reach the server behind one target. */
export interface RouterEntry {
  /** Address the server self-announced from (its relay path); `null` for a local server. */
  relay: HostPort | null
  /** The server's encoded `peer` record: the FIND_PEER reply value. */
  record: Buffer
  /** A server listening on this node: never expires and cannot be displaced by announces. */
  local: boolean
  /** A local server's PEER_HANDSHAKE hook: the Noise reply, or null to stay silent. */
  onpeerhandshake?: PeerHandshakeHook
  /** A local server's PEER_HOLEPUNCH hook: the sealed reply payload, or null to stay silent. */
  onpeerholepunch?: PeerHolepunchHook
}

/** What a local server answers a handshake with, and from which socket (null: the request's). */
export interface PeerHandshakeReply {
  socket: UDX.Socket | null
  noise: Uint8Array
}

/** What a local server answers a holepunch message with, and from which socket. */
export interface PeerHolepunchReply {
  socket: UDX.Socket | null
  payload: Uint8Array
}

/** Called with message 1 and the client's address (null when the client came directly). */
export type PeerHandshakeHook = (
  msg: { noise: Buffer; peerAddress: HostPort | null },
  req: Request
) => Promise<PeerHandshakeReply | null> | PeerHandshakeReply | null

/** Called with a relayed PEER_HOLEPUNCH for handshake slot `id`. */
export type PeerHolepunchHook = (
  msg: { id: number; payload: Buffer; peerAddress: HostPort },
  req: Request
) => Promise<PeerHolepunchReply | null> | PeerHolepunchReply | null

/** Options of {@link Router}. */
export interface RouterOptions {
  /** Most non-local entries; the least recently used goes first. @default 65536 */
  maxSize?: number
  /** ms a non-local entry lives after its last announce or read. @default 1200000 (20 min) */
  maxAge?: number
  /** Clock in ms. @default Date.now */
  now?: () => number
}

/**
 * Router entries keyed by target (a Buffer, or its hex). Self-announced servers expire after
 * maxAge unless read or re-announced; local servers stay until deleted.
 */
export class Router {
  private readonly forwards: ExpiringMap<RouterEntry>

  constructor(opts: RouterOptions = {}) {
    this.forwards = new ExpiringMap({
      // hyperdht compat: 0 means the default, as with hyperdht's `||`
      maxSize: opts.maxSize || DEFAULT_MAX_SIZE,
      maxAge: opts.maxAge || DEFAULT_MAX_AGE,
      ...(opts.now !== undefined ? { now: opts.now } : {})
    })
  }

  /** Number of live entries, local ones included. */
  get size(): number {
    return this.forwards.size
  }

  /** The entry for `target`, refreshing its lifetime; `null` if none. */
  get(target: Uint8Array | string): RouterEntry | null {
    return this.forwards.get(keyOf(target)) ?? null
  }

  /**
   * Install `entry` for `target`. A local entry replaces anything; a non-local one is ignored
   * while a local entry holds the target (like hyperdht's retained forwards).
   */
  set(target: Uint8Array | string, entry: RouterEntry): void {
    const key = keyOf(target)
    if (entry.local) this.forwards.pin(key, entry)
    else if (!this.forwards.isPinned(key)) this.forwards.set(key, entry)
  }

  /** Remove the entry for `target`, local or not. */
  delete(target: Uint8Array | string): void {
    this.forwards.delete(keyOf(target))
  }

  /** Drop every entry. */
  destroy(): void {
    this.forwards.clear()
  }
}

function keyOf(target: Uint8Array | string): string {
  return typeof target === 'string' ? target : asBuffer(target).toString('hex')
}
