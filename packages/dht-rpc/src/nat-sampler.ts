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

  // the window as parallel arrays: no `host:port` string per sample, and equal hosts share
  // one string (every node keeps this window for its whole life)
  private readonly hosts: string[] = []
  private readonly ports: number[] = []
  private next = 0

  /**
   * Record one observation. Returns how many times this exact `host:port` appears in the
   * current window.
   */
  add(host: string, port: number): number {
    const hosts = this.hosts
    const ports = this.ports
    for (let i = 0; i < hosts.length; i++) {
      if (hosts[i] === host) {
        host = hosts[i] as string
        break
      }
    }
    if (hosts.length < WINDOW) {
      hosts.push(host)
      ports.push(port)
    } else {
      hosts[this.next] = host
      ports[this.next] = port
      this.next = (this.next + 1) % WINDOW
    }
    const n = (this.size = hosts.length)

    // exact counts over at most 16 samples; two different values can never both reach the
    // threshold, so which of equal counts wins does not matter
    let bestPair = 0
    let pairCount = 0
    let bestHost = 0
    let hostCount = 0
    let hits = 0
    for (let i = 0; i < n; i++) {
      const h = hosts[i] as string
      const p = ports[i] as number
      let hc = 0
      let pc = 0
      for (let j = 0; j < n; j++) {
        if (hosts[j] !== h) continue
        hc++
        if (ports[j] === p) pc++
      }
      if (pc > pairCount) {
        pairCount = pc
        bestPair = i
      }
      if (hc > hostCount) {
        hostCount = hc
        bestHost = i
      }
      if (h === host && p === port) hits++
    }

    const threshold = n - slack(n)
    if (pairCount >= threshold) {
      this.host = hosts[bestPair] as string
      this.port = ports[bestPair] as number
    } else if (hostCount >= threshold) {
      this.host = hosts[bestHost] as string
      this.port = 0
    } else {
      this.host = null
      this.port = 0
    }
    return hits
  }
}

function slack(size: number): number {
  return size < 4 ? 0 : size < 8 ? 1 : size < 12 ? 2 : 3
}
