// An in-memory UDP network with udx-native's socket API, for I/O unit tests without real sockets.

import { EventEmitter } from 'node:events'
import type UDX from 'udx-native'

/** One datagram that went through the fake network. */
export interface SentDatagram {
  from: { host: string; port: number }
  to: { host: string; port: number }
  buffer: Buffer
}

/** The shared medium: sockets by `host:port`, plus a log of everything sent. */
export class FakeNetwork {
  readonly sockets = new Map<string, FakeSocket>()
  readonly sent: SentDatagram[] = []
  /** Drop every datagram for which this returns true. */
  drop: (d: SentDatagram) => boolean = () => false
  private nextPort = 40000

  /** A UDX-shaped factory whose sockets live on this network at `host`. */
  udx(host = '127.0.0.1'): UDX {
    return new FakeUDX(this, host) as unknown as UDX
  }

  /** @internal */
  allocPort(): number {
    return this.nextPort++
  }

  /** @internal */
  deliver(d: SentDatagram): void {
    this.sent.push(d)
    if (this.drop(d)) return
    const dest = this.sockets.get(d.to.host + ':' + d.to.port)
    if (dest === undefined) return
    setImmediate(() => dest.receive(d.buffer, d.from))
  }
}

class FakeWatcher extends EventEmitter {
  interfaces: UDX.NetworkInterface[] = []
  destroyed = false
  async destroy(): Promise<void> {
    this.destroyed = true
    this.emit('close')
  }
}

/** A fake UDX instance. */
export class FakeUDX {
  readonly network: FakeNetwork
  readonly host: string
  readonly watchers: FakeWatcher[] = []

  constructor(network: FakeNetwork, host: string) {
    this.network = network
    this.host = host
  }

  createSocket(): FakeSocket {
    return new FakeSocket(this)
  }

  networkInterfaces(): UDX.NetworkInterface[] {
    return [{ name: 'lo', host: '127.0.0.1', family: 4, internal: true }]
  }

  watchNetworkInterfaces(): FakeWatcher {
    const w = new FakeWatcher()
    this.watchers.push(w)
    return w
  }

  async lookup(host: string): Promise<{ host: string; family: number }> {
    throw new Error('no DNS in the fake network: ' + host)
  }
}

/** A fake UDP socket: `trySend` delivers on the next turn of the event loop. */
export class FakeSocket extends EventEmitter {
  readonly udx: FakeUDX
  private port = 0
  closing = false

  constructor(udx: FakeUDX) {
    super()
    this.udx = udx
  }

  get bound(): boolean {
    return this.port !== 0
  }

  get idle(): boolean {
    return true
  }

  bind(port = 0, host = this.udx.host): void {
    if (this.bound) throw new Error('Already bound')
    const p = port === 0 ? this.udx.network.allocPort() : port
    const key = (host === '0.0.0.0' ? this.udx.host : host) + ':' + p
    if (this.udx.network.sockets.has(key)) throw new Error('EADDRINUSE')
    this.port = p
    this.udx.network.sockets.set(key, this)
  }

  address(): UDX.SocketAddress | null {
    return this.bound ? { host: this.udx.host, family: 4, port: this.port } : null
  }

  trySend(buffer: Uint8Array, port: number, host = '127.0.0.1'): void {
    if (this.closing) return
    this.udx.network.deliver({
      from: { host: this.udx.host, port: this.port },
      to: { host, port },
      buffer: Buffer.from(buffer)
    })
  }

  async send(buffer: Uint8Array, port: number, host?: string): Promise<boolean> {
    this.trySend(buffer, port, host)
    return true
  }

  /** Deliver a datagram as if it came from `from`. */
  receive(buffer: Uint8Array, from: { host: string; port: number }): void {
    if (this.closing) return
    this.emit('message', Buffer.from(buffer), { host: from.host, family: 4, port: from.port })
  }

  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.udx.network.sockets.delete(this.udx.host + ':' + this.port)
    this.emit('close')
  }
}
