// A NAT-lab "world": the lab, a keymesh DHT in its internet namespace, relays on demand, and one
// connect trial between two sites (fresh server and client drivers). Used by the test and the bench.

import { NatLab } from './lab.js'
import type { SiteInfo, Teardown } from './lab.js'
import type { Driver } from './process.js'
import type {
  ConnectedEvent,
  ErrorEvent,
  HostPort,
  Impl,
  ListeningEvent,
  NatType,
  StatsEvent
} from './protocol.js'

/** Persistent DHT nodes besides the bootstrapper: enough for 4 NAT samples per socket. */
export const DHT_NODES = 6
/** Bound of a driver reaching `ready` / `listening` (process start + bootstrap). */
export const BOOT_MS = 20_000
/** Bound of one connect + echo: past the ~35 s a random-NAT strategy may run in either impl. */
export const CONNECT_MS = 40_000

/** How a client × server pair is expected to end (both directions of every pair are listed). */
export type Expected =
  | { ok: true; path: 'open' | 'consistent' | 'random' }
  | { ok: false; code: 'HOLEPUNCH_DOUBLE_RANDOMIZED_NATS' }

export function expectedOutcome(client: NatType, server: NatType): Expected {
  // an open side is reached directly: the client connects, or the server connects back
  if (client === 'open' || server === 'open') return { ok: true, path: 'open' }
  if (client === 'random' && server === 'random') {
    return { ok: false, code: 'HOLEPUNCH_DOUBLE_RANDOMIZED_NATS' }
  }
  // a firewall without NAT keeps its ports: it punches like a consistent NAT
  if (client === 'random' || server === 'random') return { ok: true, path: 'random' }
  return { ok: true, path: 'consistent' }
}

export interface TrialOptions {
  clientImpl: Impl
  serverImpl: Impl
  /** Hex key of a relay for the client's / the server's `relayThrough`. */
  clientRelay?: string
  serverRelay?: string
  /** `randomPunchInterval` for both nodes (0 = the 20 s default). */
  randomPunchInterval?: number
  bytes?: number
}

export interface TrialResult {
  listening: ListeningEvent
  client: ConnectedEvent | ErrorEvent
  /** The server's counters after the client finished. */
  server: StatsEvent
  /** The server driver's stderr tail (holepunch trace). */
  serverTrace: string
}

/** The lab plus its DHT (keymesh nodes on the inet bridge), kept across combinations. */
export class NatWorld {
  readonly lab: NatLab
  readonly dht: Driver
  readonly bootstrap: HostPort[]
  private readonly relays = new Map<Impl, Promise<string>>()

  private constructor(lab: NatLab, dht: Driver, bootstrap: HostPort[]) {
    this.lab = lab
    this.dht = dht
    this.bootstrap = bootstrap
  }

  /** Lab up + DHT ready. `teardown` (brittle's) gets the lab's down. */
  static async start(opts: { teardown?: Teardown; prefix?: string } = {}): Promise<NatWorld> {
    const lab = await NatLab.up(opts)
    try {
      const dht = lab.spawn(lab.inet, 'dht', 'keymesh', { host: lab.host, nodes: DHT_NODES })
      const ready = await dht.next(['ready', 'error'], BOOT_MS)
      if (ready.event === 'error') throw new Error(`dht driver: ${ready.code} ${ready.message}`)
      return new NatWorld(lab, dht, ready.bootstrap)
    } catch (err) {
      if (opts.teardown === undefined) await lab.down()
      throw err
    }
  }

  /** The public key (hex) of a relay of `impl` in the inet namespace, started once. */
  relay(impl: Impl): Promise<string> {
    let relay = this.relays.get(impl)
    if (relay === undefined) {
      relay = (async () => {
        const d = this.lab.spawn(this.lab.inet, 'relay', impl, {
          bootstrap: this.bootstrap,
          site: 'open'
        })
        const ev = await d.next(['listening', 'error'], BOOT_MS)
        if (ev.event === 'error') throw new Error(`${impl} relay: ${ev.code} ${ev.message}`)
        return ev.publicKey
      })()
      this.relays.set(impl, relay)
    }
    return relay
  }

  /** Fresh sites for slot `slot` (sites 2·slot+1 and 2·slot+2): client's, then server's. */
  async sites(slot: number, client: NatType, server: NatType): Promise<[SiteInfo, SiteInfo]> {
    const c = await this.lab.site(2 * slot + 1, client)
    const s = await this.lab.site(2 * slot + 2, server)
    return [c, s]
  }

  /** Start an echo server of `impl` in `site`; resolves once it listens. */
  async server(
    site: SiteInfo,
    impl: Impl,
    opts: { relayThrough?: string; randomPunchInterval?: number } = {}
  ): Promise<{ driver: Driver; listening: ListeningEvent }> {
    const driver = this.lab.spawn(site.ns, 'server', impl, {
      bootstrap: this.bootstrap,
      site: site.type,
      ...opts
    })
    try {
      const ev = await driver.next(['listening', 'error'], BOOT_MS)
      if (ev.event === 'error') throw new Error(`${impl} server: ${ev.code} ${ev.message}`)
      return { driver, listening: ev }
    } catch (err) {
      await driver.stop()
      throw err
    }
  }

  /** One client process of `impl` in `site`: connect, echo, report, exit. */
  async client(
    site: SiteInfo,
    impl: Impl,
    publicKey: string,
    opts: { relayThrough?: string; randomPunchInterval?: number; bytes?: number } = {}
  ): Promise<ConnectedEvent | ErrorEvent> {
    const { bytes = 4096, ...rest } = opts
    const driver = this.lab.spawn(site.ns, 'client', impl, {
      bootstrap: this.bootstrap,
      site: site.type,
      publicKey,
      bytes,
      timeoutMs: CONNECT_MS,
      ...rest
    })
    try {
      const ev = await driver.next(['connected', 'error'], BOOT_MS + CONNECT_MS)
      return ev.event === 'error' ? { ...ev, trace: driver.stderr() } : ev
    } finally {
      await driver.stop()
    }
  }

  /** A whole trial on existing sites: fresh server, fresh client, the server's counters. */
  async trial(client: SiteInfo, server: SiteInfo, opts: TrialOptions): Promise<TrialResult> {
    const rpi =
      opts.randomPunchInterval === undefined
        ? {}
        : { randomPunchInterval: opts.randomPunchInterval }
    const srv = await this.server(server, opts.serverImpl, {
      ...rpi,
      ...(opts.serverRelay === undefined ? {} : { relayThrough: opts.serverRelay })
    })
    try {
      const result = await this.client(client, opts.clientImpl, srv.listening.publicKey, {
        ...rpi,
        ...(opts.clientRelay === undefined ? {} : { relayThrough: opts.clientRelay }),
        ...(opts.bytes === undefined ? {} : { bytes: opts.bytes })
      })
      srv.driver.send({ cmd: 'stats' })
      const stats = await srv.driver.next(['stats'], 5000)
      return {
        listening: srv.listening,
        client: result,
        server: stats,
        serverTrace: srv.driver.stderr()
      }
    } finally {
      await srv.driver.stop()
    }
  }

  async down(): Promise<void> {
    await this.lab.down()
  }
}
