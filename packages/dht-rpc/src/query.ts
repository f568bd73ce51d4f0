// Iterative Kademlia lookup as a readable stream of replies, with an optional commit (§3.10).

import { Readable, getStreamError } from 'streamx'
import { INTERNAL_COMMANDS } from '@keymesh/wire'
import { SLOWDOWN_CONCURRENCY } from './constants.js'
import { DHTError } from './errors.js'
import { addressNumber, peerId } from './peer.js'
import type { HostPort, IdentifiedPeer, Peer } from './peer.js'
import type { Reply, Request, RequestGroup } from './request.js'

/** A session a query groups its requests in; destroyed with the query unless the caller owns it. */
export interface QuerySession extends RequestGroup {
  destroy(err?: Error | null): void
}

/** A query's input: what to send to every visited node. */
export interface QueryInput {
  /** 32-byte key the query converges on. */
  target: Uint8Array
  command: number
  value?: Uint8Array | null
}

/** Send one request to `to`; returns `null` once the node is destroyed. Implemented by `DHT`. */
export type SendRequest = (
  to: Peer,
  force: boolean,
  internal: boolean,
  command: number,
  target: Buffer | null,
  value: Buffer | null,
  session: QuerySession | null,
  onresponse: (reply: Reply, req: Request) => void,
  onerror: (err: Error, req: Request) => void
) => Request | null

/** What a query needs from its node. Implemented by `DHT`; fakes implement it in tests. */
export interface QueryHost {
  readonly table: {
    readonly id: Buffer
    readonly k: number
    closest(target: Uint8Array, k?: number): IdentifiedPeer[]
  }
  readonly concurrency: number
  readonly stats: { queries: { active: number; total: number } }
  /** Send one request; `null` once the node is destroyed. @internal */
  readonly _request: SendRequest
  /** Tell `to` that `down` did not answer (rate limited by the node). @internal */
  _sendDownHint(to: Peer, down: HostPort, session: QuerySession | null): void
  /** Bootstrap nodes, resolved. @internal */
  _resolveBootstrapNodes(): AsyncIterable<IdentifiedPeer>
  /** Node filter (`filterNode` option), or null. @internal */
  readonly _filterNode: ((node: Peer) => boolean) | null
  /** Default attempts-after-the-first of query requests. @internal */
  readonly _queryRetries: number
  /**
   * A node timed out at least once and the query ended before it answered; `referrers` listed
   * it. @internal
   */
  _suspectNode?(node: Peer, referrers: readonly Peer[]): void
  /** True if `node` was recently confirmed dead (skip it when another node lists it). @internal */
  _isDead?(node: HostPort): boolean
  session(): QuerySession
  request(
    req: {
      token?: Uint8Array | null
      command: number
      target?: Uint8Array | null
      value?: Uint8Array | null
    },
    to: HostPort,
    opts?: object
  ): Promise<Reply>
}

/**
 * A commit function: run against each of the closest replies when the lookup converged.
 * (Declared as a method so implementations may narrow `dht` to their node class.)
 */
export type CommitFunction = {
  commit(reply: Reply, dht: QueryHost, query: Query<unknown>): Promise<unknown> | unknown
}['commit']

/** Options of `dht.query()` and `dht.findNode()`. */
export interface QueryOptions<T = Reply> {
  /** Start from these nodes (e.g. a previous query's `closestNodes`). */
  nodes?: readonly HostPort[]
  /** Alias of `nodes`. */
  closestNodes?: readonly HostPort[]
  /** Start from the responders of these replies (e.g. a previous `closestReplies`). */
  replies?: readonly Reply[]
  /** Alias of `replies`. */
  closestReplies?: readonly Reply[]
  /** Transform each reply before it is emitted; a falsy result is not emitted. */
  map?: (reply: Reply) => T | null | undefined | false
  /** `true`: re-send the query with each closest node's token; a function: run it per closest reply. */
  commit?: boolean | CommitFunction
  /** Requests in flight at once. @default dht.concurrency (10) */
  concurrency?: number
  /** Retransmissions per visited node. @default 5, capped by `evictAfterTimeouts` */
  retries?: number
  /** Bypass the congestion window and send each request once. */
  force?: boolean
  /** Group the query's requests into this session (not destroyed with the query). */
  session?: QuerySession
  /** Only visit the given `nodes`/`replies`, never nodes they return. */
  onlyClosestNodes?: boolean
  /** Abort: destroys the query with `signal.reason`. */
  signal?: AbortSignal
}

// what a query knows about an address
/** Listed while not closer than the k-th reply: only its id is remembered. */
const UNSEEN = 0
/** Queued or being visited. */
const PENDING = 1
/** Answered. */
const DONE = 2
/** Timed out, or known dead when listed. */
const DOWN = 3

/**
 * One address a query heard of. It is the `to` of the request visiting it, and keeps its id so
 * an address listed by reply after reply is hashed once per query, not once per listing.
 */
class Candidate implements IdentifiedPeer {
  /** The id it is visited with: the seed's, or H(host:port) when first met in a listing. */
  id: Buffer
  host: string
  port: number
  state = UNSEEN
  /** The responders that listed it while pending (DOWN_HINT recipients if it times out). */
  refs: Peer[] | null = null
  /** H(host:port), what listings of it carry; differs from `id` only for a caller's odd seed. */
  listedId: Buffer | null

  constructor(id: Buffer, host: string, port: number, listedId: Buffer | null) {
    this.id = id
    this.host = host
    this.port = port
    this.listedId = listedId
  }
}

/**
 * An iterative lookup toward `target` (§3.10). Reading it drives it: replies with `error == 0`
 * are emitted as they arrive (after `map`). When no closer node is left it commits, if asked,
 * and ends. `closestReplies` holds the up to k replies from persistent nodes nearest the target,
 * sorted by XOR distance. Destroying it cancels every request it has in flight.
 */
export class Query<T = Reply> extends Readable {
  /** True: requests bypass the congestion window and are sent once. */
  readonly force: boolean
  /** The node running the query. */
  readonly dht: QueryHost
  /** Replies kept and nodes committed to. */
  readonly k: number
  readonly target: Buffer
  readonly internal: boolean
  readonly command: number
  readonly value: Buffer | null
  /** Requests that failed or answered with an error. */
  errors = 0
  /** Requests answered with error 0. */
  successes = 0
  /** Requests in flight at once (may be raised while running). */
  concurrency: number
  /** Requests in flight now. */
  inflight = 0
  /** Retransmissions per request. */
  retries: number
  /** Up to k replies from persistent nodes, nearest to the target first. */
  closestReplies: Reply[] = []
  /** The reply transform. */
  readonly map: (reply: Reply) => T | null | undefined | false

  private readonly seen = new Map<number | string, Candidate>()
  private readonly pending: Candidate[] = []
  private readonly slowRequests = new Set<Request>()
  private readonly commitFn: CommitFunction | null
  private readonly querySession: QuerySession
  private readonly ownsSession: boolean
  private readonly signal: AbortSignal | null
  private fromTable = false
  private slowdown = false
  private committing = false
  private onlyClosestNodes = false
  private readonly onvisitBound: (reply: Reply, req: Request) => void
  private readonly onerrorBound: (err: Error, req: Request) => void
  private readonly oncycleBound: (req: Request) => void
  private onabortBound: (() => void) | null = null

  /**
   * @param dht - the node (or a fake implementing {@link QueryHost})
   * @param target - 32-byte key
   * @param internal - true for internal commands (FIND_NODE)
   * @param command - command number
   * @param value - payload sent to every node
   * @param opts - see {@link QueryOptions}
   */
  constructor(
    dht: QueryHost,
    target: Uint8Array,
    internal: boolean,
    command: number,
    value: Uint8Array | null,
    opts: QueryOptions<T> = {}
  ) {
    super()
    dht.stats.queries.total++
    dht.stats.queries.active++

    this.dht = dht
    this.force = opts.force === true
    this.k = dht.table.k
    this.target = toBuffer(target)
    this.internal = internal
    this.command = command
    this.value = value === null ? null : toBuffer(value)
    this.concurrency = opts.concurrency || dht.concurrency
    this.map = opts.map ?? (identity as (reply: Reply) => T)
    this.retries =
      opts.retries ?? (internal && command === INTERNAL_COMMANDS.DOWN_HINT ? 3 : dht._queryRetries)
    this.commitFn = opts.commit === true ? autoCommit : opts.commit || null
    this.querySession = opts.session ?? dht.session()
    this.ownsSession = opts.session === undefined
    this.signal = opts.signal ?? null

    this.onvisitBound = this.onvisit.bind(this)
    this.onerrorBound = this.onerror.bind(this)
    this.oncycleBound = this.oncycle.bind(this)

    // seeds go on the stack in reverse so the first one is visited first
    const nodes = opts.nodes ?? opts.closestNodes
    const replies = opts.replies ?? opts.closestReplies
    if (nodes) {
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i] as HostPort & { id?: Buffer | null }
        const c = this.seed(n.host, n.port, n.id ?? null)
        if (c !== null) this.addPending(c, c.id, null)
      }
    } else if (replies) {
      for (let i = replies.length - 1; i >= 0; i--) {
        const from = (replies[i] as Reply).from
        const c = this.seed(from.host, from.port, from.id)
        if (c !== null) this.addPending(c, c.id, null)
      }
    }
    if (opts.onlyClosestNodes) this.onlyClosestNodes = true

    if (this.signal !== null) {
      if (this.signal.aborted) {
        this.destroy(abortReason(this.signal))
      } else {
        // made only with a signal: this closure, made for every query, was measured to keep
        // finished queries alive through scavenges (all their replies promoted to old space)
        this.onabortBound = () => this.destroy(abortReason(this.signal))
        this.signal.addEventListener('abort', this.onabortBound, { once: true })
      }
    }
  }

  /** The responders of `closestReplies`. */
  get closestNodes(): Peer[] {
    return this.closestReplies.map((r) => r.from)
  }

  /** Resolves when the query ended (after committing), rejects if it failed or was destroyed with an error. */
  finished(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.destroyed) {
        const err = getStreamError(this)
        if (err) reject(err)
        else resolve()
        return
      }
      let error: Error | null = null
      const onerror = (err: Error): void => {
        error = err
      }
      const onclose = (): void => {
        this.off('error', onerror)
        this.off('close', onclose)
        if (error) reject(error)
        else resolve()
      }
      this.on('error', onerror)
      this.on('close', onclose)
      this.resume()
    })
  }

  /** Typed iteration over the emitted (mapped) replies. */
  override [Symbol.asyncIterator](): AsyncIterator<T> {
    return super[Symbol.asyncIterator]() as AsyncIterator<T>
  }

  override _open(cb: (err: Error | null) => void): void {
    this.addFromTable()
    if (this.pending.length >= this.k) {
      cb(null)
      return
    }
    this.addBootstrapNodes().then(
      () => cb(null),
      () => cb(null)
    )
  }

  override _read(cb: (err: Error | null) => void): void {
    this.readMore()
    cb(null)
  }

  override _destroy(cb: (err: Error | null) => void): void {
    this.dht.stats.queries.active--
    if (this.signal !== null && this.onabortBound !== null) {
      this.signal.removeEventListener('abort', this.onabortBound)
    }
    this.reportSlowNodes()
    if (this.ownsSession) this.querySession.destroy()
    cb(null)
  }

  // requests still waiting after a timeout are about to be cancelled: rather than forget what
  // they showed, report them (and who listed them) so the node can confirm and spread it
  private reportSlowNodes(): void {
    for (const req of this.slowRequests) {
      if (req.destroyed) continue
      const refs = (req.to as Candidate).refs
      this.dht._suspectNode?.(req.to, refs ?? [])
    }
    this.slowRequests.clear()
  }

  private async addBootstrapNodes(): Promise<void> {
    for await (const node of this.dht._resolveBootstrapNodes()) {
      if (this.destroying) return
      const c = this.candidate(node.host, node.port, node.id)
      if (c !== null) this.addPending(c, c.id, null)
    }
  }

  private addFromTable(): void {
    if (this.pending.length >= this.k) return
    this.fromTable = true
    for (const node of this.dht.table.closest(this.target, this.k - this.pending.length)) {
      const c = this.candidate(node.host, node.port, node.id)
      if (c !== null) this.addPending(c, c.id, null)
    }
  }

  private isCloser(id: Uint8Array): boolean {
    const n = this.closestReplies.length
    return n < this.k || this.compare(id, (this.closestReplies[n - 1] as Reply).from.id!) < 0
  }

  // The record of `host:port`, made on first mention with `id` (which must be H(host:port):
  // table, bootstrap and listed nodes) or, if null, H(host:port); null for an address that
  // cannot be a node. The first id given for an address sticks.
  private candidate(host: string, port: number, id: Buffer | null): Candidate | null {
    const key = addressNumber(host, port)
    let c = this.seen.get(key)
    if (c === undefined) {
      const nid = id ?? peerId(host, port)
      if (nid === null) return null
      c = new Candidate(nid, host, port, nid)
      this.seen.set(key, c)
    }
    return c
  }

  // a caller's seed: its id is used as given, but listings of the address carry H(host:port)
  private seed(host: string, port: number, id: Buffer | null): Candidate | null {
    if (id === null || this.seen.has(addressNumber(host, port))) {
      return this.candidate(host, port, id)
    }
    const listed = peerId(host, port)
    const c = this.candidate(host, port, id) as Candidate
    c.listedId = listed !== null && sameId(listed, id) ? id : listed
    return c
  }

  // returns whether the node (`id` as seen by the caller) is closer than the current k-th
  // reply; walks stop at the first "no"
  private addPending(c: Candidate, id: Buffer, ref: Peer | null): boolean {
    if (this.onlyClosestNodes) return false

    const closer = this.isCloser(id)
    switch (c.state) {
      case DONE:
        return closer
      case DOWN:
        if (ref !== null) this.dht._sendDownHint(ref, c, this.querySession)
        return closer
      case PENDING:
        if (ref !== null) {
          if (c.refs === null) c.refs = [ref]
          else c.refs.push(ref)
        }
        return closer
    }
    if (ref !== null && this.dht._isDead?.(c)) {
      c.state = DOWN
      this.dht._sendDownHint(ref, c, this.querySession)
      return closer
    }
    if (!closer) return false

    c.state = PENDING
    if (ref !== null) c.refs = [ref]
    this.pending.push(c)
    return true
  }

  private readMore(): void {
    if (this.destroying || this.committing) return

    const concurrency =
      (this.slowdown ? SLOWDOWN_CONCURRENCY : this.concurrency) + this.slowRequests.size
    while (this.inflight < concurrency && this.pending.length > 0) {
      const next = this.pending.pop() as Candidate
      if (!this.isCloser(next.id)) continue
      this.visit(next)
    }

    // seeded by the caller: give the seeds a moment before going wide
    if (!this.fromTable && this.successes === 0 && this.errors === 0) this.slowdown = true

    if (this.pending.length > 0) return

    if (
      this.inflight === 0 ||
      (this.slowRequests.size === this.inflight && this.closestReplies.length >= this.k)
    ) {
      // the seeds mostly failed: retry once from the routing table
      if (!this.fromTable && this.successes < this.k / 4) {
        this.addFromTable()
        this.readMore()
        return
      }
      this.flush()
    }
  }

  private visit(to: Candidate): void {
    this.inflight++
    const req = this.dht._request(
      to,
      this.force,
      this.internal,
      this.command,
      this.target,
      this.value,
      this.querySession,
      this.onvisitBound,
      this.onerrorBound
    )
    if (req === null) {
      this.destroy(DHTError.NODE_DESTROYED('Node was destroyed'))
      return
    }
    req.retries = this.force ? 0 : this.retries
    req.oncycle = this.oncycleBound
  }

  private settle(req: Request): void {
    if (this.slowRequests.size > 0) this.slowRequests.delete(req)
    this.inflight--
  }

  private onvisit(m: Reply, req: Request): void {
    this.settle(req)
    const visited = req.to as Candidate
    visited.state = DONE
    visited.refs = null
    if (this.committing || this.destroying) return

    if (m.error === 0) this.successes++
    else this.errors++

    if (m.error === 0 && m.from.id !== null && this.isCloser(m.from.id)) this.pushClosest(m)

    if (m.closerNodes !== null) {
      const filter = this.dht._filterNode
      const own = this.dht.table.id
      for (const node of m.closerNodes) {
        const c = this.candidate(node.host, node.port, null)
        const id = c === null ? null : c.listedId
        if (c === null || id === null) continue
        node.id = id
        if (filter !== null && !filter(node)) continue
        if (sameId(id, own)) continue
        if (!this.addPending(c, id, m.from)) break
      }
    }

    if (!this.fromTable && this.successes + this.errors >= this.concurrency) this.slowdown = false

    if (m.error !== 0) {
      this.readMore()
      return
    }

    let data: T | null | undefined | false
    try {
      data = this.map(m)
    } catch (err) {
      this.destroy(err as Error)
      return
    }
    if (!data || this.push(data) !== false) this.readMore()
  }

  private onerror(err: Error, req: Request): void {
    if ((err as DHTError).code === 'REQUEST_TIMEOUT') {
      const down = req.to as Candidate
      const refs = down.refs
      down.state = DOWN
      down.refs = null
      if (refs !== null) {
        for (const ref of refs) this.dht._sendDownHint(ref, down, this.querySession)
      }
    }
    this.settle(req)
    this.errors++
    this.readMore()
  }

  // first attempt timed out: let one more request run alongside it
  private oncycle(req: Request): void {
    if (this.slowRequests.has(req)) return
    this.slowRequests.add(req)
    this.readMore()
  }

  private pushClosest(m: Reply): void {
    const list = this.closestReplies
    const id = m.from.id as Buffer
    let i = list.length
    while (i > 0) {
      const c = this.compare((list[i - 1] as Reply).from.id as Buffer, id)
      if (c === 0) return // same node answered twice: keep the first
      if (c < 0) break
      i--
    }
    list.splice(i, 0, m)
    if (list.length > this.k) list.pop()
  }

  // XOR-distance order relative to the target
  private compare(a: Uint8Array, b: Uint8Array): number {
    for (let i = 0; i < a.byteLength; i++) {
      const x = a[i] as number
      const y = b[i] as number
      if (x === y) continue
      const t = this.target[i] as number
      return (t ^ x) - (t ^ y)
    }
    return 0
  }

  private flush(): void {
    if (this.committing) return
    this.committing = true
    if (this.commitFn === null) {
      this.push(null)
      return
    }
    const commits: Promise<unknown>[] = []
    for (const m of this.closestReplies) {
      try {
        commits.push(Promise.resolve(this.commitFn(m, this.dht, this as Query<unknown>)))
      } catch (err) {
        commits.push(Promise.reject(err))
      }
    }
    this.endAfterCommit(commits)
  }

  private endAfterCommit(commits: Promise<unknown>[]): void {
    if (commits.length === 0) {
      this.destroy(DHTError.TOO_FEW_NODES())
      return
    }
    let pending = commits.length
    let successes = 0
    const settle = (): void => {
      if (--pending > 0) return
      if (successes > 0) this.push(null)
    }
    const onfail = (err: unknown): void => {
      if (pending === 1 && successes === 0) {
        pending--
        this.destroy(err as Error)
        return
      }
      settle()
    }
    for (const p of commits) {
      p.then(() => {
        successes++
        settle()
      }, onfail)
    }
  }
}

function autoCommit(reply: Reply, dht: QueryHost, query: Query<unknown>): Promise<Reply> {
  if (!reply.token) return Promise.reject(DHTError.NO_TOKEN())
  return dht.request(
    { token: reply.token, target: query.target, command: query.command, value: query.value },
    reply.from
  )
}

// byte equality; ids almost always differ in the first byte, so this beats a native call
function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function identity<T>(m: T): T {
  return m
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** `signal.reason`, or a generic AbortError when the signal has none. */
export function abortReason(signal: AbortSignal | null): Error {
  const reason: unknown = signal?.reason
  if (reason instanceof Error) return reason
  return reason === undefined
    ? new DOMException('This operation was aborted', 'AbortError')
    : (reason as Error)
}
