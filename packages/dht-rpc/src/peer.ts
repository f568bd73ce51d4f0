// Peer address and routing-table node shapes, and node ids computed from addresses (§3.5).

import { nodeId } from '@keymesh/crypto'

/** A UDP endpoint: dotted-quad IPv4 host and port. */
export interface HostPort {
  host: string
  port: number
}

/**
 * A remote peer as the RPC layer sees it: `id` is its node id when known and verified
 * (`H(host:port)`), otherwise `null`.
 */
export interface Peer {
  id: Buffer | null
  host: string
  port: number
}

/** A peer whose node id is known (query candidates, bootstrap nodes). */
export interface IdentifiedPeer {
  id: Buffer
  host: string
  port: number
}

/**
 * A routing-table entry. Tick fields count maintenance ticks (§3.9); `prev`/`next` link it into
 * the node list ordered by when it was last heard from (`dht.nodes`).
 */
export interface DHTNode {
  /** `H(host:port)`. */
  id: Buffer
  host: string
  port: number
  /** Unused by the routing layer; kept for dht-rpc shape parity. */
  token: Buffer | null
  /** Our address as this node last reported it (NAT sample), if any. */
  to: HostPort | null
  /** Tick of the last NAT sample taken from this node; 0 = never. */
  sampled: number
  /** Tick it was added. */
  added: number
  /** Tick it was last pinged or interacted with. */
  pinged: number
  /** Tick it was last heard from with a valid id. */
  seen: number
  /** DOWN_HINTs received about it. */
  downHints: number
  /** Consecutive attempt timeouts since it was last heard from (keymesh extra). */
  timeouts: number
  prev: DHTNode | null
  next: DHTNode | null
}

/** A fresh table node for `host:port` with the given id, stamped with `tick`. */
export function createNode(id: Buffer, host: string, port: number, tick: number): DHTNode {
  return {
    id,
    host,
    port,
    token: null,
    to: null,
    sampled: 0,
    added: tick,
    pinged: tick,
    seen: tick,
    downHints: 0,
    timeouts: 0,
    prev: null,
    next: null
  }
}

/**
 * The node id of `host:port`, `H(ipv4Address)`, in its own 32-byte buffer. Returns `null`
 * instead of throwing for an address that cannot be a node (not IPv4, bad port).
 */
export function peerId(host: string, port: number): Buffer | null {
  try {
    return nodeId(host, port)
  } catch {
    return null
  }
}

/** `host:port`, the key addresses are de-duplicated by. */
export function addressKey(addr: HostPort): string {
  return addr.host + ':' + addr.port
}

/**
 * A Map key for `host:port` that is cheap to make and hash: `ip * 65536 + port` for a canonical
 * dotted quad and a valid port (no string is built, flattened and hashed per lookup), else the
 * {@link addressKey} string. Distinct addresses get distinct keys.
 */
export function addressNumber(host: string, port: number): number | string {
  const len = host.length
  if (len < 7 || len > 15 || !(port >= 0 && port <= 0xffff && port === (port | 0))) {
    return host + ':' + port
  }
  let ip = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < len; i++) {
    const c = host.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || octet > 255 || ++dots > 3) return host + ':' + port
      ip = ip * 256 + octet
      octet = 0
      digits = 0
    } else if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && octet === 0)) {
      octet = octet * 10 + (c - 48)
      digits++
    } else {
      return host + ':' + port
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return host + ':' + port
  return (ip * 256 + octet) * 65536 + port
}
