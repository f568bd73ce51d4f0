// NatAnalyzer: classifies the NAT in front of one socket from DHT PING samples (§7.2).

import type UDX from 'udx-native'
import { FIREWALL, NAT_MIN_SAMPLES, NAT_SKIP_NEWEST, NAT_SKIP_THRESHOLD } from './constants.js'
import type { HostPort } from './host-port.js'
import type { HolepunchTransport, NatSample } from './transport.js'

interface Sample {
  host: string
  port: number
  hits: number
}

// Values of `visited`: a PING went out to the node / the node's sample was counted.
const PINGED = 1
const COUNTED = 2

/**
 * hyperdht's `Nat`: samples how DHT nodes see one socket and derives its firewall class and
 * the addresses to advertise. Samples come from {@link NatAnalyzer.autoSample} and from replies
 * to holepunch RPCs sent on the socket ({@link NatAnalyzer.add}).
 */
export class NatAnalyzer {
  /** `FIREWALL` class of the socket: starts OPEN when the DHT is not firewalled, else UNKNOWN. */
  firewall: number
  /** Addresses to advertise: CONSISTENT ⇒ repeated samples, RANDOM ⇒ `[host:0]`, else null. */
  addresses: HostPort[] | null = null
  /** Samples counted (one per responding node). */
  sampled = 0
  /** While frozen, new samples are recorded but the class and addresses do not change. */
  frozen = false
  /**
   * Resolves once the class is settled enough to act on: CONSISTENT/OPEN, enough samples, the
   * sampling rounds ran out, or destroy. Never rejects.
   */
  readonly analyzing: Promise<void>

  private readonly transport: HolepunchTransport
  private readonly socket: UDX.Socket
  // Sorted by hits, most first; ties keep arrival order (§7.2).
  private readonly samplesHost: Sample[] = []
  private readonly samplesFull: Sample[] = []
  private readonly visited = new Map<string, number>()
  private minSamples = NAT_MIN_SAMPLES
  private autoSampling = false
  private destroyed = false
  private resolveAnalyzing!: () => void

  /**
   * @param transport - the owning DHT's view: firewalled flag, nodes, and a one-shot PING
   * @param socket - the socket whose NAT mapping is classified; PINGs are sent from it
   */
  constructor(transport: HolepunchTransport, socket: UDX.Socket) {
    this.transport = transport
    this.socket = socket
    this.firewall = transport.firewalled ? FIREWALL.UNKNOWN : FIREWALL.OPEN
    this.analyzing = new Promise((resolve) => {
      this.resolveAnalyzing = resolve
    })
  }

  /**
   * PINGs up to 4 nodes from the most recently seen end of the node list (skipping the 5 newest
   * when 8 or more are known), each node at most once. When fewer than 4 samples arrive and
   * `retry` is set, one more round runs over nodes not tried yet; then `analyzing` resolves.
   * A second call while sampling is a no-op.
   */
  autoSample(retry = true): void {
    if (this.autoSampling) return
    this.autoSampling = true

    const maxPings = this.minSamples
    let skip = this.transport.nodeCount >= NAT_SKIP_THRESHOLD ? NAT_SKIP_NEWEST : 0
    // Starts at 1 so the final settle() below decides when nothing was sent.
    let pending = 1

    const settle = (): void => {
      if (--pending !== 0 || this.sampled >= this.minSamples) return
      if (retry) {
        this.autoSampling = false
        this.autoSample(false)
        return
      }
      this.resolveAnalyzing()
    }
    const onpong = (res: NatSample): void => {
      if (this.destroyed) return
      // A reply without both addresses is a failed sample, not a crash in a promise callback.
      if (res?.to && res.from) this.add(res.to, res.from)
      settle()
    }

    for (const node of this.transport.nodes()) {
      if (this.sampled + pending - 1 >= maxPings) break
      if (skip > 0) {
        skip--
        continue
      }
      const ref = node.host + ':' + node.port
      if (this.visited.has(ref)) continue
      this.visited.set(ref, PINGED)

      pending++
      let reply: Promise<NatSample>
      try {
        reply = this.transport.ping(node, this.socket)
      } catch (err) {
        reply = Promise.reject(err)
      }
      reply.then(onpong, settle)
    }

    settle()
  }

  /**
   * Records that `from` saw this socket as `addr`. Each responding node counts once. Updates
   * the class unless frozen, and resolves `analyzing` once CONSISTENT/OPEN or 4 samples.
   */
  add(addr: HostPort, from: HostPort): void {
    const ref = from.host + ':' + from.port
    if (this.visited.get(ref) === COUNTED) return
    this.visited.set(ref, COUNTED)

    addSample(this.samplesHost, addr.host, 0)
    addSample(this.samplesFull, addr.host, addr.port)

    if ((++this.sampled >= 3 || !this.transport.firewalled) && !this.frozen) this.update()

    if (this.firewall === FIREWALL.CONSISTENT || this.firewall === FIREWALL.OPEN) {
      this.resolveAnalyzing()
    } else if (this.sampled >= this.minSamples) {
      this.resolveAnalyzing()
    }
  }

  /** Recomputes the class and addresses (an OPEN view is dropped once the DHT is firewalled). */
  update(): void {
    if (this.transport.firewalled && this.firewall === FIREWALL.OPEN) {
      this.firewall = FIREWALL.UNKNOWN
    }
    this.updateFirewall()
    this.updateAddresses()
  }

  /** Stops class changes: the class has been told to the peer and must not move under it. */
  freeze(): void {
    this.frozen = true
  }

  /** Resumes class changes and recomputes from every sample so far. */
  unfreeze(): void {
    this.frozen = false
    this.updateFirewall()
    this.updateAddresses()
  }

  /** Stops sampling and resolves `analyzing`. Late PING replies are ignored. */
  destroy(): void {
    this.destroyed = true
    this.autoSampling = true
    this.minSamples = 0
    this.resolveAnalyzing()
  }

  private updateFirewall(): void {
    if (!this.transport.firewalled) {
      this.firewall = FIREWALL.OPEN
      return
    }
    if (this.sampled < 3) return

    const top = this.samplesFull[0]?.hits ?? 0
    if (top >= 3) {
      this.firewall = FIREWALL.CONSISTENT
      return
    }
    if (top === 1) {
      this.firewall = FIREWALL.RANDOM
      return
    }
    // Top seen twice. One host with at least two stray ports means the port moves.
    if (this.samplesHost.length === 1 && this.sampled > 3) {
      this.firewall = FIREWALL.RANDOM
      return
    }
    // Two hosts each seen twice at one port: a multi-homed but consistent NAT.
    if (this.samplesHost.length > 1 && (this.samplesFull[1]?.hits ?? 0) > 1) {
      this.firewall = FIREWALL.CONSISTENT
      return
    }
    // More samples than a full round yields and still no pattern.
    if (this.sampled > NAT_MIN_SAMPLES) this.firewall = FIREWALL.RANDOM
  }

  private updateAddresses(): void {
    if (this.firewall === FIREWALL.UNKNOWN) {
      this.addresses = null
    } else if (this.firewall === FIREWALL.RANDOM) {
      const top = this.samplesHost[0]
      this.addresses = top ? [{ host: top.host, port: top.port }] : null
    } else if (this.firewall === FIREWALL.CONSISTENT) {
      const addresses: HostPort[] = []
      for (const s of this.samplesFull) {
        // Every repeated mapping, and at least two candidates.
        if (s.hits >= 2 || addresses.length < 2) addresses.push({ host: s.host, port: s.port })
      }
      this.addresses = addresses
    }
    // OPEN keeps whatever it had: an open host advertises nothing from sampling.
  }
}

// Counts one hit for (host, port) and moves it ahead of entries with fewer hits.
function addSample(samples: Sample[], host: string, port: number): void {
  const at = samples.findIndex((s) => s.host === host && s.port === port)
  if (at === -1) {
    samples.push({ host, port, hits: 1 })
    return
  }
  const s = samples[at]!
  s.hits++
  let i = at
  while (i > 0 && samples[i - 1]!.hits < s.hits) {
    samples[i] = samples[i - 1]!
    i--
  }
  samples[i] = s
}
