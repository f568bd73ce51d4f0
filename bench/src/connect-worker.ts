// Child side of the connect phase: echo and sink servers, fresh clients, connects, transfers.

import { timedConnect } from './connect-op.js'
import { DatagramCounter } from './datagram-counter.js'
import type { DatagramCount } from './datagram-counter.js'
import type { BenchNode, BenchServer, BenchStream, BenchTestnet, Impl, KeyPair } from './impl.js'
import type { Commands, Results } from './protocol.js'
import { msSince } from './stats.js'
import { next, timedTransfer } from './transfer.js'
import type { TransferResult } from './transfer.js'
import { UdxCounter } from './udx-counter.js'
import type { UdxCount } from './udx-counter.js'
import { udxTransfer } from './udx-ceiling.js'

/** No connect may take longer; a slower one counts as a failure. */
export const CONNECT_TIMEOUT_MS = 30_000

/** Wait after the clients bootstrap, so their joins' last pings fall outside the idle window. */
const CLIENT_SETTLE_MS = 300

/** Wait after the last connect closed, inside the counted window, for trailing datagrams. */
const TRAIL_MS = 200

const MAX_ERRORS_KEPT = 5

/** Datagrams the testnet and clients sent over a window: all of them, and the DHT's by kind. */
export interface WindowCount {
  ms: number
  udx: UdxCount
  dht: DatagramCount
}

/** One pass of connects (one per client). */
export interface ConnectPass extends WindowCount {
  openMs: number[]
  firstByteMs: number[]
  /** User + system CPU time of the child over the pass (the whole testnet lives in it). */
  cpuMs: number
  failures: number
  errors: string[]
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

const noop = (): void => {}

/** The connect phase's testnet: servers on its last node, clients made per batch. */
export class ConnectBench {
  private readonly dhtCounter = new DatagramCounter()
  private readonly udxCounter = new UdxCounter()
  /** The sink server's next connection goes here. */
  private onsink: ((socket: BenchStream) => void) | null = null

  private constructor(
    private readonly testnet: BenchTestnet,
    private readonly servers: BenchServer[],
    private readonly echoKey: KeyPair,
    private readonly sinkKey: KeyPair,
    /** Ephemeral node the transfers connect from. */
    private readonly transferClient: BenchNode
  ) {
    for (const node of [...testnet.nodes, transferClient]) this.attach(node)
  }

  /** Build a `nodes`-node testnet and start the echo and sink servers on its last node. */
  static async create(impl: Impl, { nodes }: Commands['connect_setup']): Promise<ConnectBench> {
    const testnet = await impl.createTestnet(nodes)
    const host = testnet.nodes[testnet.nodes.length - 1]
    if (host === undefined) throw new Error('empty testnet')
    const echoKey = impl.keyPair()
    const sinkKey = impl.keyPair()
    let bench: ConnectBench | null = null
    const echo = host.createServer((socket) => {
      socket.on('error', noop)
      socket.pipe(socket)
    })
    const sink = host.createServer((socket) => {
      socket.on('error', noop)
      socket.on('end', () => socket.end())
      const take = bench?.onsink ?? null
      if (take === null) socket.destroy()
      else take(socket)
    })
    await Promise.all([echo.listen(echoKey), sink.listen(sinkKey)])
    const transferClient = testnet.createNode()
    await transferClient.fullyBootstrapped()
    bench = new ConnectBench(testnet, [echo, sink], echoKey, sinkKey, transferClient)
    return bench
  }

  /**
   * `connects` fresh ephemeral clients connect once each to the echo server, `concurrency` at a
   * time; with `warm`, each connects a second time (its relay addresses now cached). The idle
   * window before, with every client up, gives the background rate to subtract.
   */
  async batch(args: Commands['connect_batch']): Promise<Results['connect_batch']> {
    const clients = Array.from({ length: args.connects }, () => this.testnet.createNode())
    try {
      await Promise.all(clients.map((c) => c.fullyBootstrapped()))
      for (const c of clients) this.attach(c)
      await sleep(CLIENT_SETTLE_MS)
      this.reset()
      const idleStart = process.hrtime.bigint()
      if (args.idleMs > 0) await sleep(args.idleMs)
      const idle = this.reset(msSince(idleStart))
      const cold = await this.pass(clients, args.concurrency)
      const warm = args.warm ? await this.pass(clients, args.concurrency) : null
      return { idle, cold, warm }
    } finally {
      for (const c of clients) this.udxCounter.detach(c)
      await Promise.all(clients.map((c) => c.destroy()))
    }
  }

  /** One connect per client, `concurrency` in flight; never rejects. */
  private async pass(clients: readonly BenchNode[], concurrency: number): Promise<ConnectPass> {
    const openMs: number[] = []
    const firstByteMs: number[] = []
    const errors: string[] = []
    let failures = 0
    let nextClient = 0
    const lane = async (): Promise<void> => {
      while (nextClient < clients.length) {
        const client = clients[nextClient++] as BenchNode
        try {
          const t = await timedConnect(client, this.echoKey.publicKey, CONNECT_TIMEOUT_MS)
          openMs.push(t.openMs)
          firstByteMs.push(t.firstByteMs)
        } catch (err) {
          failures++
          if (errors.length < MAX_ERRORS_KEPT) errors.push(String(err))
        }
      }
    }
    this.reset()
    const cpu = process.cpuUsage()
    const start = process.hrtime.bigint()
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane))
    await sleep(TRAIL_MS)
    const used = process.cpuUsage(cpu)
    const cpuMs = (used.user + used.system) / 1000
    return { ...this.reset(msSince(start)), openMs, firstByteMs, cpuMs, failures, errors }
  }

  /** One transfer over a fresh connection (or over raw UDX streams, for the ceiling). */
  async transfer({ kind, bytes }: Commands['transfer']): Promise<TransferResult> {
    if (kind === 'udx_one_way' || kind === 'udx_echo')
      return udxTransfer(bytes, kind === 'udx_echo')
    const echo = kind === 'echo'
    const serverSide = echo
      ? null
      : new Promise<BenchStream>((resolve) => {
          this.onsink = resolve
        })
    const stream = this.transferClient.connect((echo ? this.echoKey : this.sinkKey).publicKey)
    stream.on('error', noop)
    try {
      await next(stream, 'open')
      const receiver = serverSide === null ? stream : await serverSide
      return await timedTransfer(stream, receiver, bytes)
    } finally {
      this.onsink = null
      const closed = next(stream, 'close')
      stream.end()
      await closed.catch(() => stream.destroy())
    }
  }

  /** Close the servers and destroy the testnet and the transfer client. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()))
    await this.transferClient.destroy()
    await this.testnet.destroy()
  }

  private attach(node: BenchNode): void {
    this.dhtCounter.attach(node)
    this.udxCounter.attach(node)
  }

  private reset(ms = 0): WindowCount {
    return { ms, udx: this.udxCounter.reset(), dht: this.dhtCounter.reset() }
  }
}
