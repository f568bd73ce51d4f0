// The firewall check: can nodes reach our server socket unsolicited, at an unchanged port? (§3.13)

import { FIREWALL_CHECK_MIN_REPLIES, FIREWALL_CHECK_NODES } from './constants.js'
import type { NatSampler } from './nat-sampler.js'
import type { HostPort } from './peer.js'
import type { Reply } from './request.js'

/** What {@link checkIfFirewalled} needs from the node. */
export interface FirewallCheckHost {
  /** Nodes to ask: the most recently seen table nodes, topped up with bootstrap nodes. */
  candidates(max: number): Promise<HostPort[]>
  /** Local port of the server socket. */
  serverPort(): number
  /** Report the source host of every datagram reaching the server socket until stopped. */
  watchServerSocket(onhost: (host: string) => void): () => void
  /** PING_NAT each node asking for a reply to `port`; resolves with the replies (never rejects). */
  pingNatAll(nodes: readonly HostPort[], port: number): Promise<Reply[]>
  /** The host the main NAT sampler currently reports. */
  natHost(): string | null
}

/**
 * Ask up to 5 nodes to PING_NAT our server socket. We count as reachable (returns false) only
 * if enough of them got through (3 of 5, or 1 when fewer were asked), the replies put us at the
 * same public host as before, and at the server socket's own port (no remapping). Replies'
 * `to` fields are added to `sampler`.
 */
export async function checkIfFirewalled(
  host: FirewallCheckHost,
  sampler: NatSampler
): Promise<boolean> {
  const nodes = await host.candidates(FIREWALL_CHECK_NODES)
  if (nodes.length === 0) return true

  const reached = new Set<string>()
  const stop = host.watchServerSocket((from) => reached.add(from))
  const port = host.serverPort()
  let replies: Reply[]
  try {
    replies = await host.pingNatAll(nodes, port)
  } finally {
    stop()
  }

  let count = 0
  for (const reply of replies) {
    if (!reached.has(reply.from.host)) continue
    count++
    sampler.add(reply.to.host, reply.to.port)
  }

  const needed = nodes.length >= FIREWALL_CHECK_NODES ? FIREWALL_CHECK_MIN_REPLIES : 1
  if (count < needed) return true
  if (sampler.host === null || sampler.host !== host.natHost()) return true
  if (sampler.port === 0 || sampler.port !== port) return true
  return false
}
