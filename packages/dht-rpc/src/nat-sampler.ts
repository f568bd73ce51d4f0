// Infers this node's public host and port from how other nodes address it (§3.13).

/** Observations remembered (of host:port, and of host alone). */
const WINDOW = 16

/**
 * Keeps the last 16 observed `host:port` pairs and reports the one seen in (nearly) all of
 * them: all samples while fewer than 4 were seen, all but 1 below 8, all but 2 below 12, all
 * but 3 after that. If no pair qualifies but the host alone does, `port` is 0 (a randomising
 * NAT); if neither qualifies, `host` is `null`. Counts are exact over the window (dht-rpc's
 * sampler approximates them by looking back a few entries).
 */
export class NatSampler {
  /** Public host, or `null` while unknown. */
  host: string | null = null
  /** Public port; 0 when unknown or not consistent. */
  port = 0
  /** Samples in the window (at most 16). */
  size = 0

  private readonly pairs: string[] = []
  private readonly hosts: string[] = []
  private next = 0

  /**
   * Record one observation. Returns how many times this exact `host:port` appears in the
   * current window.
   */
  add(host: string, port: number): number {
    const pair = host + ':' + port
    if (this.pairs.length < WINDOW) {
      this.pairs.push(pair)
      this.hosts.push(host)
    } else {
      this.pairs[this.next] = pair
      this.hosts[this.next] = host
      this.next = (this.next + 1) % WINDOW
    }
    this.size = this.pairs.length

    const threshold = this.size - slack(this.size)
    const bestPair = mostFrequent(this.pairs)
    const bestHost = mostFrequent(this.hosts)

    if (bestPair.count >= threshold) {
      const at = bestPair.value.lastIndexOf(':')
      this.host = bestPair.value.slice(0, at)
      this.port = Number(bestPair.value.slice(at + 1))
    } else if (bestHost.count >= threshold) {
      this.host = bestHost.value
      this.port = 0
    } else {
      this.host = null
      this.port = 0
    }

    let hits = 0
    for (const p of this.pairs) if (p === pair) hits++
    return hits
  }
}

function slack(size: number): number {
  return size < 4 ? 0 : size < 8 ? 1 : size < 12 ? 2 : 3
}

function mostFrequent(values: readonly string[]): { value: string; count: number } {
  const counts = new Map<string, number>()
  let value = ''
  let count = 0
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1
    counts.set(v, n)
    if (n > count) {
      count = n
      value = v
    }
  }
  return { value, count }
}
