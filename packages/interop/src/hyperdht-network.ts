// The HyperDHT networks the hyperdht interop tests run on (all on 127.0.0.1, explicit bootstrap,
// free ports): real nodes, a keymesh testnet and mixed networks, each with one ephemeral client of
// each kind, and the per-node probes that show what every storing node holds or answers.

import { createRequire } from 'node:module'
import KeymeshHyperDHT from '@keymesh/hyperdht'
import createKeymeshTestnet from '@keymesh/hyperdht/testnet'
import type RealHyperDHTType from 'hyperdht'
import type createRealTestnetType from 'hyperdht/testnet'
import { LOCALHOST } from './api.js'
import type { HostPort, ImplName, Reply } from './api.js'
import { hex, nodeId } from './ids.js'
import { SANITY, label } from './impls.js'
import { freeUdpPort } from './network.js'
import { withTimeout } from './util.js'

const requireHere = createRequire(import.meta.url)

/** A hyperdht class, seen through the real package's API. */
export type HyperDHTClass = typeof RealHyperDHTType
/** One node of either implementation, seen through the real package's API. */
export type HyperDHTNode = RealHyperDHTType
export type KeyPair = RealHyperDHTType.KeyPair
export type RelayAddress = RealHyperDHTType.RelayAddress
export type PeerRecord = RealHyperDHTType.PeerRecord
export type HyperStream<T> = RealHyperDHTType.Stream<T>

/** The npm hyperdht 6.33.0 class. */
export const RealHyperDHT = requireHere('hyperdht') as HyperDHTClass
/** The npm hyperdht 6.33.0 `testnet.js`. */
export const createRealTestnet = requireHere('hyperdht/testnet') as typeof createRealTestnetType

/** The hyperdht implementations under test; with INTEROP_SANITY=1 the real one plays both. */
export const hyperImpls: Readonly<Record<ImplName, HyperDHTClass>> = Object.freeze({
  keymesh: SANITY ? RealHyperDHT : (KeymeshHyperDHT as unknown as HyperDHTClass),
  real: RealHyperDHT
})

/** The keymesh-typed view of `node`, or null for a real node (keymesh extras are checked on it). */
export function asKeymesh(node: HyperDHTNode): KeymeshHyperDHT | null {
  const n = node as unknown
  return n instanceof KeymeshHyperDHT ? n : null
}

/** hyperdht's command numbers (docs/wire-protocol.md §4.1), taken from the spec, not a package. */
export const HYPERDHT_COMMANDS = Object.freeze({
  FIND_PEER: 2,
  LOOKUP: 3,
  ANNOUNCE: 4,
  UNANNOUNCE: 5,
  MUTABLE_PUT: 6,
  MUTABLE_GET: 7,
  IMMUTABLE_PUT: 8,
  IMMUTABLE_GET: 9
})

/** Reply error numbers of the mutable commands (§4.1). */
export const SEQ_REUSED = 16
export const SEQ_TOO_LOW = 17

/**
 * The networks: `real` (real nodes in hyperdht's testnet.js shape), `keymesh`
 * (@keymesh/hyperdht/testnet), and two mixed ones, alternating kinds, started from a real or a
 * keymesh `HyperDHT.bootstrapper`.
 */
export type HyperNetworkKind =
  'real' | 'keymesh' | 'mixed, real bootstrap' | 'mixed, keymesh bootstrap'
export const HYPER_NETWORK_KINDS: readonly HyperNetworkKind[] = [
  'real',
  'keymesh',
  'mixed, real bootstrap',
  'mixed, keymesh bootstrap'
]

/** Nodes per network, bootstrap included (real testnets: the first one serves only as bootstrap). */
export const HYPER_NETWORK_SIZE = 10
const BOOTSTRAP_MS = 15_000

export interface HyperMember {
  readonly impl: ImplName
  readonly role: 'node' | 'client'
  readonly node: HyperDHTNode
  /** The bound port, known once bootstrapped. */
  readonly port: number
}

/** A network of persistent nodes plus one ephemeral client of each kind. */
export class HyperNetwork {
  readonly members: HyperMember[] = []
  private readonly cleanups: (() => Promise<void>)[] = []
  private destroying: Promise<void> | null = null

  constructor(
    readonly kind: HyperNetworkKind,
    readonly bootstrap: HostPort[] = []
  ) {}

  /** Persistent nodes with an id: the ones hyperdht clients store records on. */
  get storing(): HyperMember[] {
    return this.members.filter((m) => m.role === 'node' && m.node.id !== null)
  }

  /** The ephemeral client of `impl`. */
  client(impl: ImplName): HyperMember {
    const member = this.members.find((m) => m.role === 'client' && m.impl === impl)
    if (member === undefined) throw new Error(`no ${impl} client`)
    return member
  }

  /** The member listening on 127.0.0.1:port, if any. */
  at(addr: { host: string; port: number }): HyperMember | undefined {
    if (addr.host !== LOCALHOST) return undefined
    return this.members.find((m) => m.port === addr.port)
  }

  /** `[writer, reader]` pairs: keymesh client → real client, then the other way round. */
  directions(): [HyperMember, HyperMember][] {
    const keymesh = this.client('keymesh')
    const real = this.client('real')
    return [
      [keymesh, real],
      [real, keymesh]
    ]
  }

  /** Registers `cleanup` to run at destroy (in reverse order of registration). */
  onDestroy(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup)
  }

  /**
   * Records a started node once it is fully bootstrapped; unless `owned` is false (a testnet's
   * node, which the testnet destroys), the network destroys it.
   */
  async join(
    impl: ImplName,
    role: HyperMember['role'],
    node: HyperDHTNode,
    owned = true
  ): Promise<HyperMember> {
    if (owned) this.onDestroy(() => node.destroy())
    const what = `${label(impl)} ${role} fullyBootstrapped() on the ${this.kind} network`
    await withTimeout(node.fullyBootstrapped(), BOOTSTRAP_MS, what)
    const port = node.address()?.port
    if (port === undefined) throw new Error(`${what}: no address`)
    const member: HyperMember = { impl, role, node, port }
    this.members.push(member)
    return member
  }

  /** Adds an ephemeral client of `impl`. */
  async addClient(impl: ImplName): Promise<HyperMember> {
    const Class = hyperImpls[impl]
    const port = await freeUdpPort()
    const node = new Class({ bootstrap: this.bootstrap, ephemeral: true, host: LOCALHOST, port })
    return this.join(impl, 'client', node)
  }

  /** Destroys every node (clients first, then the network newest first); idempotent. */
  destroy(): Promise<void> {
    if (this.destroying === null) this.destroying = this.runCleanups()
    return this.destroying
  }

  private async runCleanups(): Promise<void> {
    let failure: unknown = null
    for (const cleanup of [...this.cleanups].reverse()) {
      try {
        await cleanup()
      } catch (err) {
        failure ??= err
      }
    }
    if (failure !== null) throw failure
  }
}

/** A cleanup registrar such as brittle's `t.teardown`. */
export type Teardown = (fn: () => unknown, opts?: { order?: number }) => void

/**
 * Builds a network of `kind` with {@link HYPER_NETWORK_SIZE} nodes and a client of each kind.
 * The network is destroyed by `teardown` (registered before anything starts) and on failure.
 *
 * Every node binds a free port from the ephemeral range, never hyperdht's default 49737–49741:
 * other hyperdht processes on the machine (parallel test runs, benchmarks) bind those too, and a
 * node of theirs that knew one of those ports would pull our nodes into its network.
 */
export async function createHyperNetwork(
  kind: HyperNetworkKind,
  teardown: Teardown
): Promise<HyperNetwork> {
  const net = new HyperNetwork(kind)
  teardown(() => net.destroy(), { order: Infinity })
  const realShape = kind === 'real' || (kind === 'keymesh' && SANITY)
  try {
    if (realShape) await startRealShaped(net, kind === 'real' ? 'real' : 'keymesh')
    else if (kind === 'keymesh') await startKeymeshTestnet(net)
    else await startMixed(net, kind === 'mixed, real bootstrap' ? 'real' : 'keymesh')
    await net.addClient('keymesh')
    await net.addClient('real')
    // the first node of hyperdht's testnet shape has no id (§10.3); every other node stores
    const expected = realShape ? HYPER_NETWORK_SIZE - 1 : HYPER_NETWORK_SIZE
    if (net.storing.length !== expected) {
      throw new Error(`${kind} network: ${net.storing.length} storing nodes, not ${expected}`)
    }
  } catch (err) {
    await net.destroy().catch(() => {})
    throw err
  }
  return net
}

const PERSISTENT = { ephemeral: false, firewalled: false, host: LOCALHOST } as const

// hyperdht's testnet.js, on free ports (testnet.js puts nodes 1… on 49737–49741): a first node
// without bootstrap, which never learns its own address and so stays without an id, then the
// others joining through it, each fully bootstrapped before the next starts
async function startRealShaped(net: HyperNetwork, impl: ImplName): Promise<void> {
  const Class = hyperImpls[impl]
  const first = new Class({ ...PERSISTENT, bootstrap: [], port: await freeUdpPort() })
  const { port } = await net.join(impl, 'node', first)
  net.bootstrap.push({ host: LOCALHOST, port })
  for (let i = 1; i < HYPER_NETWORK_SIZE; i++) {
    const node = new Class({ ...PERSISTENT, bootstrap: net.bootstrap, port: await freeUdpPort() })
    await net.join(impl, 'node', node)
  }
}

// @keymesh/hyperdht/testnet itself; nodes 1… share one start port and bind the next free ones
async function startKeymeshTestnet(net: HyperNetwork): Promise<void> {
  const opts = {
    host: LOCALHOST,
    port: await freeUdpPort(),
    nodeOptions: { port: await freeUdpPort() }
  }
  const what = `@keymesh/hyperdht testnet(${HYPER_NETWORK_SIZE})`
  const testnet = await withTimeout(
    createKeymeshTestnet(HYPER_NETWORK_SIZE, opts),
    BOOTSTRAP_MS,
    what
  )
  net.onDestroy(() => testnet.destroy())
  net.bootstrap.push(...testnet.bootstrap)
  for (const node of testnet.nodes) {
    await net.join('keymesh', 'node', node as unknown as HyperDHTNode, false)
  }
}

// a bootstrapper of `first` (persistent: it knows its own address), then the other nodes
// alternating kinds, each joining through it and fully bootstrapped before the next starts
async function startMixed(net: HyperNetwork, first: ImplName): Promise<void> {
  const second: ImplName = first === 'keymesh' ? 'real' : 'keymesh'
  let lastError: unknown = null
  for (let attempt = 0; attempt < 5 && net.bootstrap.length === 0; attempt++) {
    const port = await freeUdpPort()
    const bootstrapper = hyperImpls[first].bootstrapper(port, LOCALHOST, { host: LOCALHOST })
    try {
      await net.join(first, 'node', bootstrapper, false)
      net.onDestroy(() => bootstrapper.destroy())
      net.bootstrap.push({ host: LOCALHOST, port })
    } catch (err) {
      lastError = err // most likely the port was taken in between; try another one
      await bootstrapper.destroy().catch(() => {})
    }
  }
  if (net.bootstrap.length === 0) throw lastError
  for (let i = 1; i < HYPER_NETWORK_SIZE; i++) {
    const impl = i % 2 === 1 ? second : first
    const Class = hyperImpls[impl]
    const node = new Class({ ...PERSISTENT, bootstrap: net.bootstrap, port: await freeUdpPort() })
    await net.join(impl, 'node', node)
  }
}

/** Collects everything a query stream emits (bounded by `ms`). */
export async function collect<T>(stream: HyperStream<T>, ms: number, what: string): Promise<T[]> {
  const out: T[] = []
  const run = async (): Promise<void> => {
    for await (const item of stream) out.push(item)
  }
  await withTimeout(run(), ms, what)
  return out
}

/**
 * Sends one request of `command` (no token) from `client` straight to every storing node and
 * returns the replies in `net.storing` order: what each node holds, whatever the query would pick.
 */
export async function askEach(
  net: HyperNetwork,
  client: HyperMember,
  request: { command: number; target: Uint8Array; value?: Uint8Array | null },
  ms: number
): Promise<{ member: HyperMember; reply: Reply }[]> {
  const ask = async (member: HyperMember): Promise<{ member: HyperMember; reply: Reply }> => {
    const to = { host: LOCALHOST, port: member.port }
    const reply = await client.node.request({ value: null, ...request }, to)
    return { member, reply }
  }
  const what = `${label(client.impl)} client asking every storing node (command ${request.command})`
  return withTimeout(Promise.all(net.storing.map(ask)), ms, what)
}

/** `impl:port` of a member, for assertion messages. */
export function memberName(member: HyperMember): string {
  return `${label(member.impl)} ${member.role}:${member.port}`
}

/** What every mapped hyperdht reply carries. */
export interface ReplyInfo {
  token: Buffer | null
  from: { id: Buffer | null; host: string; port: number }
  to: { host: string; port: number } | null
}

/**
 * What is wrong with a mapped reply `reader` received (empty when nothing): it must come from a
 * storing node, with that node's id (H(host:port)), a 32-byte token, and `to` = the reader.
 */
export function replyInfoProblems(
  net: HyperNetwork,
  reader: HyperMember,
  info: ReplyInfo
): string[] {
  const problems: string[] = []
  const from = net.at(info.from)
  if (from === undefined || !net.storing.includes(from)) problems.push('not from a storing node')
  if (info.from.id === null || hex(info.from.id) !== hex(nodeId(info.from.host, info.from.port))) {
    problems.push('from.id is not H(from address)')
  }
  if (info.token === null || info.token.byteLength !== 32) problems.push('no 32-byte token')
  if (info.to === null || info.to.host !== LOCALHOST || info.to.port !== reader.port) {
    problems.push(`to is not the reader's address (${JSON.stringify(info.to)})`)
  }
  return problems
}

/** What one storing node made of a commit: its reply, or why there was none. */
export interface CommitOutcome {
  member: HyperMember
  /** `error <n>, token <bool>, value <bool>` for a reply, the error code without, `not sent`. */
  outcome: string
}

/** Options of {@link commitEach}. */
export interface CommitEachOptions {
  /** Which storing nodes get the commit. @default every one */
  to?: (member: HyperMember) => boolean
  /** Retry unanswered requests (false: one attempt, so silence costs one second). @default true */
  retry?: boolean
  ms: number
}

/**
 * A put made by hand through `client`'s dht-rpc API: a `query` (for the tokens) whose commit sends
 * `commit` to the chosen storing nodes. hyperdht's own puts discard the answers; this returns
 * each storing node's, in `net.storing` order.
 */
export async function commitEach(
  net: HyperNetwork,
  client: HyperMember,
  query: { command: number; target: Uint8Array; value: Uint8Array | null },
  commit: { command: number; value: Uint8Array },
  opts: CommitEachOptions
): Promise<CommitOutcome[]> {
  const outcomes = new Map<number, string>()
  const requestOpts = opts.retry === false ? { retry: false } : {}
  const q = client.node.query(query, {
    commit: async (reply, dht) => {
      const member = net.at(reply.from)
      if (member === undefined || (opts.to !== undefined && !opts.to(member))) return null
      const request = { token: reply.token, target: query.target, ...commit }
      try {
        const res = await dht.request(request, reply.from, requestOpts)
        const text = `error ${res.error}, token ${res.token !== null}, value ${res.value !== null}`
        outcomes.set(member.port, text)
      } catch (err) {
        outcomes.set(member.port, String((err as { code?: unknown }).code ?? err))
      }
      return null
    }
  })
  const what = `${label(client.impl)} client committing command ${commit.command}`
  await withTimeout(q.finished(), opts.ms, what)
  return net.storing.map((member) => ({ member, outcome: outcomes.get(member.port) ?? 'not sent' }))
}
