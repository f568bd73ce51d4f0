// Builds small dht-rpc networks on 127.0.0.1 out of any mix of implementations, through the public
// API only: a `DHT.bootstrapper(port, '127.0.0.1', { host })` plus persistent nodes that join it.

import { createSocket } from 'node:dgram'
import { LOCALHOST } from './api.js'
import type {
  DHTClass,
  DHTNode,
  HostPort,
  ImplName,
  Impls,
  IncomingRequest,
  NodeOptions
} from './api.js'
import { withTimeout } from './util.js'

/** The user command every served node answers (any id above dht-rpc's internal ones works). */
export const USER_COMMAND = 42
/** A user command nobody serves: must be answered with ERROR_UNKNOWN_COMMAND (1). */
export const UNKNOWN_USER_COMMAND = 4242
/** dht-rpc's error codes, as numbers on the wire. */
export const ERROR_UNKNOWN_COMMAND = 1
export const ERROR_INVALID_TOKEN = 2

/** Events counted for every member. */
export const TRACKED_EVENTS = [
  'listening',
  'ready',
  'persistent',
  'close',
  'add-node',
  'remove-node'
] as const
export type TrackedEvent = (typeof TRACKED_EVENTS)[number]

/**
 * How a member serves USER_COMMAND: through the `'request'` event, by overriding the `onrequest`
 * hook in a subclass (the way hyperdht extends dht-rpc), or not at all.
 */
export type HandlerStyle = 'event' | 'hook' | 'none'

/** A user-command request as a member's handler saw it (buffers copied). */
export interface SeenRequest {
  from: HostPort
  token: Buffer | null
  target: Buffer | null
  value: Buffer | null
}

export type Role = 'bootstrapper' | 'node' | 'client'

export interface Member {
  readonly impl: ImplName
  readonly role: Role
  readonly handler: HandlerStyle
  readonly node: DHTNode
  /** How often this node emitted each tracked event so far. */
  readonly events: Map<TrackedEvent, number>
  /** USER_COMMAND requests served, in arrival order (token !== null means a commit). */
  readonly seen: SeenRequest[]
  /** The bound port (`address().port`), known once bootstrapped. */
  port: number
}

export interface NetworkSpec {
  bootstrapper: ImplName
  /** The persistent nodes to add, in order. */
  nodes: readonly ImplName[]
  /**
   * Handler style of the `nth` node of `impl` (0-based, counted per implementation); by default
   * the nodes of each implementation alternate between 'event' and 'hook'.
   */
  handlers?: (impl: ImplName, nth: number) => HandlerStyle
  /** Handler style of the bootstrapper; default 'none' (it answers UNKNOWN_COMMAND). */
  bootstrapperHandler?: HandlerStyle
  /** Extra options for every persistent node. */
  nodeOptions?: NodeOptions
  /** Bootstrap nodes concurrently instead of one after another. */
  parallel?: boolean
  /** Per-node limit for `fullyBootstrapped()`; default 15 s. */
  bootstrapTimeoutMs?: number
}

/** The value a member replies to USER_COMMAND with: `<impl>:<port>|` followed by the request value. */
export function userReply(impl: ImplName, port: number, value: Uint8Array | null): Buffer {
  return Buffer.concat([Buffer.from(`${impl}:${port}|`), value ?? Buffer.alloc(0)])
}

/** Parses a userReply back into its responder; null if it is not one. */
export function parseUserReply(
  value: Uint8Array | null
): { impl: string; port: number; echo: Buffer } | null {
  if (value === null) return null
  const buf = Buffer.from(value)
  const bar = buf.indexOf(0x7c) // '|'
  if (bar === -1) return null
  const match = /^([a-z]+):(\d+)$/.exec(buf.subarray(0, bar).toString())
  if (match === null) return null
  return { impl: match[1] as string, port: Number(match[2]), echo: buf.subarray(bar + 1) }
}

/** A UDP port that was free on 127.0.0.1 a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, LOCALHOST, () => resolve())
  })
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

function copy(buf: Uint8Array | null): Buffer | null {
  return buf === null ? null : Buffer.from(buf)
}

// Which member a node belongs to, so the hook subclasses can find their handler.
const memberOf = new WeakMap<object, Member>()

function serve(member: Member, req: IncomingRequest): boolean {
  if (req.command !== USER_COMMAND) return false
  member.seen.push({
    from: { host: req.from.host, port: req.from.port },
    token: copy(req.token),
    target: copy(req.target),
    value: copy(req.value)
  })
  const port = member.port || (member.node.address()?.port ?? 0)
  req.reply(userReply(member.impl, port, req.value))
  return true
}

// One subclass per implementation that overrides the onrequest hook; returning false makes the
// implementation answer UNKNOWN_COMMAND itself.
const hookedClasses = new WeakMap<DHTClass, DHTClass>()

export function hooked(Base: DHTClass): DHTClass {
  let Hooked = hookedClasses.get(Base)
  if (Hooked === undefined) {
    Hooked = class HookedDHT extends Base {
      override onrequest(req: IncomingRequest): boolean {
        const member = memberOf.get(this)
        if (member === undefined || member.handler !== 'hook') return super.onrequest(req)
        return serve(member, req)
      }
    }
    hookedClasses.set(Base, Hooked)
  }
  return Hooked
}

function track(
  impls: Impls,
  impl: ImplName,
  role: Role,
  handler: HandlerStyle,
  make: (Class: DHTClass) => DHTNode
): Member {
  const Class = handler === 'hook' ? hooked(impls[impl]) : impls[impl]
  const node = make(Class)
  const member: Member = { impl, role, handler, node, events: new Map(), seen: [], port: 0 }
  memberOf.set(node, member)
  for (const event of TRACKED_EVENTS) {
    node.on(event, () => member.events.set(event, (member.events.get(event) ?? 0) + 1))
  }
  if (handler === 'event') {
    node.on('request', (req: IncomingRequest) => {
      if (!serve(member, req)) req.error(ERROR_UNKNOWN_COMMAND)
    })
  }
  return member
}

async function settle(member: Member, timeoutMs: number): Promise<Member> {
  const what = `${member.impl} ${member.role} fullyBootstrapped()`
  await withTimeout(member.node.fullyBootstrapped(), timeoutMs, what)
  const address = member.node.address()
  if (address === null) throw new Error(`${member.impl} ${member.role}: address() is null`)
  member.port = address.port
  return member
}

/** A set of nodes on 127.0.0.1 sharing one bootstrapper. */
export class Network {
  readonly members: Member[] = []
  private destroyed = false

  constructor(
    readonly impls: Impls,
    readonly bootstrap: HostPort[]
  ) {}

  get bootstrapper(): Member {
    const first = this.members[0]
    if (first === undefined || first.role !== 'bootstrapper') throw new Error('no bootstrapper')
    return first
  }

  /** The persistent nodes (bootstrapper excluded). */
  get nodes(): Member[] {
    return this.members.filter((m) => m.role === 'node')
  }

  /** Bootstrapper and persistent nodes. */
  get persistent(): Member[] {
    return this.members.filter((m) => m.role !== 'client')
  }

  of(impl: ImplName, role: Role = 'node'): Member[] {
    return this.members.filter((m) => m.impl === impl && m.role === role)
  }

  /** The member listening on 127.0.0.1:port, if any. */
  at(addr: HostPort): Member | undefined {
    if (addr.host !== LOCALHOST) return undefined
    return this.members.find((m) => m.port === addr.port)
  }

  /** Adds a persistent node of `impl` and waits until it is fully bootstrapped. */
  async addNode(
    impl: ImplName,
    handler: HandlerStyle = 'event',
    opts: NodeOptions = {},
    timeoutMs = 15_000
  ): Promise<Member> {
    const member = track(this.impls, impl, 'node', handler, (Class) => {
      return new Class({ ...opts, bootstrap: this.bootstrap, ephemeral: false, host: LOCALHOST })
    })
    this.members.push(member)
    return settle(member, timeoutMs)
  }

  /** Adds an ephemeral client of `impl` (no id, never stored in routing tables). */
  async addClient(impl: ImplName, opts: NodeOptions = {}, timeoutMs = 15_000): Promise<Member> {
    const member = track(this.impls, impl, 'client', 'none', (Class) => {
      return new Class({ bootstrap: this.bootstrap, ephemeral: true, host: LOCALHOST, ...opts })
    })
    this.members.push(member)
    return settle(member, timeoutMs)
  }

  /** Destroys every node, newest first; rethrows the first failure after all are done. */
  async destroy(): Promise<void> {
    if (this.destroyed) return
    this.destroyed = true
    const results = []
    for (const member of [...this.members].reverse()) {
      results.push(await Promise.allSettled([member.node.destroy()]))
    }
    const failure = results.flat().find((r) => r.status === 'rejected')
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason
  }
}

/**
 * Starts `spec.bootstrapper` with `DHT.bootstrapper(port, '127.0.0.1', { host: '127.0.0.1' })`
 * on a free port, then the persistent nodes. Call `destroy()` (e.g. from t.teardown) afterwards;
 * on failure everything started so far is destroyed before the error propagates.
 */
export async function createNetwork(impls: Impls, spec: NetworkSpec): Promise<Network> {
  const timeoutMs = spec.bootstrapTimeoutMs ?? 15_000
  let lastError: unknown = null
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort()
    const network = new Network(impls, [{ host: LOCALHOST, port }])
    try {
      const bootstrapper = track(
        impls,
        spec.bootstrapper,
        'bootstrapper',
        spec.bootstrapperHandler ?? 'none',
        (Class) => Class.bootstrapper(port, LOCALHOST, { host: LOCALHOST })
      )
      network.members.push(bootstrapper)
      await settle(bootstrapper, timeoutMs)
    } catch (err) {
      lastError = err // most likely the port was taken in between; try another one
      await network.destroy().catch(() => {})
      continue
    }
    try {
      const styleOf = spec.handlers ?? ((_impl, nth) => (nth % 2 === 0 ? 'event' : 'hook'))
      const opts = spec.nodeOptions ?? {}
      const counts = { keymesh: 0, real: 0 }
      const adds = spec.nodes.map((impl) => {
        const style = styleOf(impl, counts[impl]++)
        return () => network.addNode(impl, style, opts)
      })
      if (spec.parallel === true) await Promise.all(adds.map((add) => add()))
      else for (const add of adds) await add()
      return network
    } catch (err) {
      await network.destroy().catch(() => {})
      throw err
    }
  }
  throw lastError
}

/** `['keymesh', 'real', 'keymesh', ...]`: `perKind` of each, interleaved, `first` first. */
export function interleave(perKind: number, first: ImplName = 'keymesh'): ImplName[] {
  const second: ImplName = first === 'keymesh' ? 'real' : 'keymesh'
  const out: ImplName[] = []
  for (let i = 0; i < perKind; i++) out.push(first, second)
  return out
}
