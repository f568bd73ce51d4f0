// A HolepunchTransport for tests: real UDP pings to echo nodes, replies fed back via deliver().

import type UDX from 'udx-native'
import type { HolepunchTransport, HostPort, NatSample } from '../../src/index.js'
import { decodeReply } from './echo-node.js'

// Generous: loopback replies take microseconds; this only bounds a broken test.
const PING_TIMEOUT_MS = 2000

interface Pending {
  resolve(sample: NatSample): void
  reject(err: Error): void
  timer: NodeJS.Timeout
  node: HostPort
}

/** Test transport: `list` is most-recent-first; hosts in `unreachable` reject on the next tick. */
export class TestTransport implements HolepunchTransport {
  firewalled = true
  list: HostPort[]
  /** `host:port` of nodes whose pings fail at once. */
  readonly unreachable = new Set<string>()
  /** Every node pinged, in order, with the socket it was pinged from. */
  readonly pinged: { node: HostPort; socket: UDX.Socket }[] = []
  /** Overrides `nodeCount` (defaults to `list.length`). */
  count: number | null = null

  private readonly pending = new Map<number, Pending>()
  private nextTid = 1
  private idleWaiters: (() => void)[] = []

  constructor(list: HostPort[] = []) {
    this.list = list
  }

  get nodeCount(): number {
    return this.count ?? this.list.length
  }

  nodes(): Iterable<HostPort> {
    return this.list
  }

  ping(node: HostPort, socket: UDX.Socket): Promise<NatSample> {
    this.pinged.push({ node, socket })
    if (this.unreachable.has(node.host + ':' + node.port)) {
      return Promise.reject(new Error('unreachable'))
    }
    const tid = this.nextTid++ & 0xffff
    const request = Buffer.alloc(2)
    request.writeUInt16LE(tid, 0)
    return new Promise<NatSample>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(tid, null), PING_TIMEOUT_MS)
      timer.unref()
      this.pending.set(tid, { resolve, reject, timer, node })
      socket.send(request, node.port, node.host).catch(() => this.settle(tid, null))
    })
  }

  /** Feeds a received datagram; returns true if it answered a pending ping. */
  readonly deliver = (buf: Uint8Array, rinfo: HostPort): boolean => {
    const reply = decodeReply(buf)
    if (reply === null || !this.pending.has(reply.tid)) return false
    this.settle(reply.tid, { to: reply.seen, from: { host: rinfo.host, port: rinfo.port } })
    return true
  }

  /** Resolves once no ping is pending. */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Fails every pending ping. */
  destroy(): void {
    for (const tid of [...this.pending.keys()]) this.settle(tid, null)
  }

  private settle(tid: number, sample: NatSample | null): void {
    const p = this.pending.get(tid)
    if (!p) return
    this.pending.delete(tid)
    clearTimeout(p.timer)
    if (sample) p.resolve(sample)
    else p.reject(new Error('ping failed'))
    if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w()
  }
}
