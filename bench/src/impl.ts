// The two implementations behind one narrow interface: keymesh's facade and the npm hyperdht.

import { createRequire } from 'node:module'
import type RealHyperDHT from 'hyperdht'
import type realCreateTestnet from 'hyperdht/testnet'

/** Which implementation: `keymesh` (@keymesh/hyperdht) or `real` (hyperdht 6.33.0). */
export type ImplName = 'keymesh' | 'real'

/** Both, in the order a round starts with on even rounds. */
export const IMPL_NAMES: readonly ImplName[] = ['keymesh', 'real']

/** An Ed25519 key pair as both packages make it. */
export interface KeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

/** A udx-native socket, as far as sending goes (both packages send through these). */
export interface SendingSocket {
  trySend(buffer: Uint8Array, port: number, host?: string, ttl?: number): void
  send(buffer: Uint8Array, port: number, host?: string, ttl?: number): Promise<boolean>
}

/** A UDX instance's native counters (see udx-counter.ts for what each one covers). */
export interface UdxCounters {
  readonly packetsTransmitted: number
  readonly packetsReceived: number
  readonly bytesReceived: number
}

/** The events of a {@link BenchStream} the benchmark listens to, with their arguments. */
export interface BenchStreamEvents {
  data: [data: Buffer]
  error: [err: Error]
  open: []
  close: []
  drain: []
  end: []
}

/** A listener of event `E`. */
export type BenchListener<E extends keyof BenchStreamEvents> = (
  ...args: BenchStreamEvents[E]
) => void

/** The encrypted duplex `connect()` returns and a server hands out (a NoiseSecretStream). */
export interface BenchStream {
  readonly destroyed: boolean
  write(data: Uint8Array): boolean
  end(): unknown
  destroy(err?: Error): unknown
  pipe(destination: BenchStream): unknown
  on<E extends keyof BenchStreamEvents>(event: E, listener: BenchListener<E>): unknown
  once<E extends keyof BenchStreamEvents>(event: E, listener: BenchListener<E>): unknown
  removeListener<E extends keyof BenchStreamEvents>(event: E, listener: BenchListener<E>): unknown
}

/** A server of `createServer()`, as far as the benchmark drives it. */
export interface BenchServer {
  listen(keyPair: KeyPair): Promise<unknown>
  close(): Promise<void>
}

/** The record, announce and connection calls the benchmark makes, which both packages share. */
export interface BenchNode {
  readonly io: { serverSocket: SendingSocket | null; clientSocket: SendingSocket | null }
  /** The node's own UDX instance (one per node in both packages' testnets). */
  readonly udx: UdxCounters
  connect(publicKey: Uint8Array): BenchStream
  createServer(onconnection: (socket: BenchStream) => void): BenchServer
  fullyBootstrapped(): Promise<void>
  destroy(): Promise<void>
  mutablePut(keyPair: KeyPair, value: Uint8Array, opts: { seq: number }): Promise<unknown>
  mutableGet(
    publicKey: Uint8Array,
    opts: { seq: number; latest: boolean }
  ): Promise<{ seq: number; value: Buffer } | null>
  immutablePut(value: Uint8Array): Promise<{ hash: Buffer }>
  immutableGet(hash: Uint8Array): Promise<{ value: Buffer } | null>
  announce(topic: Uint8Array, keyPair: KeyPair, relays: []): { finished(): Promise<void> }
  lookup(topic: Uint8Array): AsyncIterable<{ peers: Array<{ publicKey: Buffer }> } | null>
}

/** hyperdht's testnet shape, as far as the benchmark uses it. */
export interface BenchTestnet {
  readonly nodes: BenchNode[]
  createNode(): BenchNode
  destroy(): Promise<void>
}

/** One implementation: its testnet factory and statics. */
export interface Impl {
  readonly name: ImplName
  createTestnet(size: number): Promise<BenchTestnet>
  keyPair(): KeyPair
  hash(data: Uint8Array): Buffer
}

/** Loads only the named implementation, so a child process never holds the other's modules. */
export async function loadImpl(name: ImplName): Promise<Impl> {
  return name === 'keymesh' ? loadKeymesh() : loadReal()
}

async function loadKeymesh(): Promise<Impl> {
  const { HyperDHT } = await import('@keymesh/hyperdht')
  const { createTestnet } = await import('@keymesh/hyperdht/testnet')
  return {
    name: 'keymesh',
    // the assignment type-checks keymesh's real signatures against the benchmark's interface
    createTestnet: async (size): Promise<BenchTestnet> => {
      const testnet = await createTestnet(size)
      const nodes: BenchNode[] = testnet.nodes
      return { nodes, createNode: () => testnet.createNode(), destroy: () => testnet.destroy() }
    },
    keyPair: () => HyperDHT.keyPair(),
    hash: (data) => HyperDHT.hash(data)
  }
}

async function loadReal(): Promise<Impl> {
  const requireHere = createRequire(import.meta.url)
  const HyperDHT = requireHere('hyperdht') as typeof RealHyperDHT
  const createTestnet = requireHere('hyperdht/testnet') as typeof realCreateTestnet
  return {
    name: 'real',
    createTestnet: async (size): Promise<BenchTestnet> => {
      const testnet = await createTestnet(size)
      const nodes: BenchNode[] = testnet.nodes
      return { nodes, createNode: () => testnet.createNode(), destroy: () => testnet.destroy() }
    },
    keyPair: () => HyperDHT.keyPair(),
    hash: (data) => HyperDHT.hash(data)
  }
}
