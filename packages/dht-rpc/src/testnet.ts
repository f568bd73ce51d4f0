// A local network of N dht-rpc nodes in one process, for tests (like hyperdht's testnet.js).

import { DHT } from './dht.js'
import type { DHTOptions } from './dht.js'
import type { HostPort } from './peer.js'

/** A cleanup registrar: brittle's `t.teardown`, or any function taking a callback. */
export type Teardown = (fn: () => unknown, opts?: { order?: number }) => void

/** Options of {@link createTestnet}. */
export interface TestnetOptions<O extends DHTOptions = DHTOptions> {
  /** Public host of the nodes; 127.0.0.1 binds there, anything else binds 0.0.0.0. @default '127.0.0.1' */
  host?: string
  /** Server port of the first node. @default 0 (random) */
  port?: number
  /** Join an existing network instead of making the first node its bootstrap. @default [] */
  bootstrap?: readonly HostPort[]
  /** Registers `testnet.destroy()` (with `order: Infinity`); a brittle test's `teardown`. */
  teardown?: Teardown
  /** Extra options for every node (keymesh extra). */
  nodeOptions?: O
}

/** An object with a `teardown` method, such as a brittle test. */
export interface HasTeardown {
  teardown: Teardown
}

/** A node class a testnet can be made of: `DHT` or a subclass (hyperdht's). */
export type NodeClass<T extends DHT, O extends DHTOptions = DHTOptions> = new (opts: O) => T

/** N running nodes on one host, the first one being the others' bootstrap. */
export class Testnet<T extends DHT = DHT, O extends DHTOptions = DHTOptions> {
  /** Every node, in creation order (nodes from {@link Testnet.createNode} included). */
  readonly nodes: T[]
  /** Bootstrap list that joins this network. */
  readonly bootstrap: HostPort[]
  private readonly host: string
  private readonly Node: NodeClass<T, O>

  /** @internal made by {@link createTestnet} */
  constructor(nodes: T[], bootstrap: HostPort[], host = '127.0.0.1', Node?: NodeClass<T, O>) {
    this.nodes = nodes
    this.bootstrap = bootstrap
    this.host = host
    this.Node = Node ?? (DHT as unknown as NodeClass<T, O>)
  }

  /** A new ephemeral node bootstrapped off this network (destroyed with it). */
  createNode(opts: O = {} as O): T {
    const node = new this.Node({
      ephemeral: true,
      bootstrap: this.bootstrap,
      host: this.host,
      ...opts
    })
    this.nodes.push(node)
    return node
  }

  /** Destroy every node, newest first. */
  async destroy(): Promise<void> {
    for (let i = this.nodes.length - 1; i >= 0; i--) await (this.nodes[i] as T).destroy()
  }

  [Symbol.iterator](): Iterator<T> {
    return this.nodes[Symbol.iterator]()
  }
}

/**
 * Start `size` persistent, unfirewalled nodes on 127.0.0.1 (by default). The first becomes a
 * persistent bootstrap node for its own address; the others join through it, one after the
 * other, each fully bootstrapped before the next starts. `opts` may be a teardown function or a
 * brittle test, which then destroys the testnet after the test.
 */
export async function createTestnet(
  size = 10,
  opts: TestnetOptions | Teardown | HasTeardown = {}
): Promise<Testnet> {
  return createTestnetOf(DHT, size, opts)
}

/**
 * {@link createTestnet} for a subclass of `DHT`: hyperdht's testnet is this with its node class.
 * `make` builds the Testnet object (a subclass may add to it).
 */
export async function createTestnetOf<T extends DHT, O extends DHTOptions, N extends Testnet<T, O>>(
  Node: NodeClass<T, O>,
  size: number,
  opts: TestnetOptions<O> | Teardown | HasTeardown,
  make: (nodes: T[], bootstrap: HostPort[], host: string) => N
): Promise<N>
export async function createTestnetOf<T extends DHT, O extends DHTOptions>(
  Node: NodeClass<T, O>,
  size: number,
  opts: TestnetOptions<O> | Teardown | HasTeardown
): Promise<Testnet<T, O>>
export async function createTestnetOf<T extends DHT, O extends DHTOptions>(
  Node: NodeClass<T, O>,
  size: number,
  opts: TestnetOptions<O> | Teardown | HasTeardown,
  make?: (nodes: T[], bootstrap: HostPort[], host: string) => Testnet<T, O>
): Promise<Testnet<T, O>> {
  const o: TestnetOptions<O> = typeof opts === 'function' ? {} : (opts as TestnetOptions<O>)
  const teardown: Teardown | null =
    typeof opts === 'function' ? opts : o.teardown ? o.teardown.bind(opts) : null
  const host = o.host ?? '127.0.0.1'
  const bindHost = host === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0'
  const bootstrap: HostPort[] = o.bootstrap ? [...o.bootstrap] : []
  const nodes: T[] = []
  const testnet =
    make === undefined
      ? new Testnet<T, O>(nodes, bootstrap, bindHost, Node)
      : make(nodes, bootstrap, bindHost)

  if (teardown !== null) teardown(() => testnet.destroy(), { order: Infinity })
  if (size === 0) return testnet

  const first = new Node({
    ...(o.nodeOptions as O),
    ephemeral: false,
    firewalled: false,
    bootstrap,
    port: o.port ?? 0,
    host: bindHost
  })
  nodes.push(first)
  if (bootstrap.length === 0) {
    // a bootstrap node knows its own address: no one else can tell it
    first.once('listening', () => {
      const port = first.address()?.port
      if (port) first._nat.add(host, port)
    })
  }
  await first.fullyBootstrapped()
  if (bootstrap.length === 0) bootstrap.push({ host, port: (first.address() as HostPort).port })

  while (nodes.length < size) {
    const node = new Node({
      ...(o.nodeOptions as O),
      ephemeral: false,
      firewalled: false,
      bootstrap,
      host: bindHost
    })
    nodes.push(node)
    await node.fullyBootstrapped()
  }

  return testnet
}

export default createTestnet
