// A fake node for Query unit tests: an in-memory network of ids whose requests settle on setImmediate.

import { nodeId } from '@keymesh/crypto'
import { DHTError } from '../../src/errors.js'
import type { HostPort, IdentifiedPeer, Peer } from '../../src/peer.js'
import type { QueryHost, QuerySession } from '../../src/query.js'
import type { Reply, Request } from '../../src/request.js'
import { Session } from '../../src/session.js'
import type { SessionHost } from '../../src/session.js'

/** A member of the fake network. */
export interface FakeNode extends IdentifiedPeer {
  /** Nodes it returns as closer nodes (the k nearest of these to the target). */
  knows: FakeNode[]
  /**
   * 'ok' answers, 'timeout' fails every attempt, 'hang' misses one attempt and then neither
   * answers nor fails, 'ephemeral' answers without an id, 'error' answers error 1.
   */
  behaviour: 'ok' | 'timeout' | 'hang' | 'ephemeral' | 'error'
}

/** What happened to one request the query sent. */
export interface SentRequest {
  to: Peer
  command: number
  req: FakeRequest
}

/** The request object handed back to the query. */
export interface FakeRequest {
  to: Peer
  retries: number
  oncycle: (req: Request) => void
  index: number
  destroyed: boolean
  destroy(err?: Error | null): void
}

/** The i-th fake address and id. */
export function fakePeer(i: number): IdentifiedPeer {
  const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
  const port = 1000 + (i % 50000)
  return { id: nodeId(host, port), host, port }
}

/** XOR distance comparison of `a` and `b` to `target`. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.byteLength; i++) {
    const da = (target[i] as number) ^ (a[i] as number)
    const db = (target[i] as number) ^ (b[i] as number)
    if (da !== db) return da - db
  }
  return 0
}

/** A network of `size` fake nodes, each knowing `known` random others. */
export function fakeNetwork(size: number, known = 30): FakeNode[] {
  const nodes: FakeNode[] = []
  for (let i = 1; i <= size; i++) nodes.push({ ...fakePeer(i), knows: [], behaviour: 'ok' })
  for (const n of nodes) {
    const others = nodes.filter((o) => o !== n)
    for (let j = 0; j < Math.min(known, others.length); j++) {
      const k = j + Math.floor(Math.random() * (others.length - j))
      ;[others[j], others[k]] = [others[k] as FakeNode, others[j] as FakeNode]
      n.knows.push(others[j] as FakeNode)
    }
  }
  return nodes
}

/** A QueryHost over a fake network. */
export class FakeQueryHost implements QueryHost, SessionHost {
  readonly table: QueryHost['table']
  concurrency = 10
  readonly stats = { queries: { active: 0, total: 0 } }
  _filterNode: ((node: Peer) => boolean) | null = null
  _queryRetries = 5
  readonly byAddress = new Map<string, FakeNode>()
  readonly sent: SentRequest[] = []
  readonly downHints: Array<{ to: Peer; down: HostPort; session: QuerySession | null }> = []
  readonly suspected: Peer[] = []
  readonly dead = new Set<string>()
  readonly commits: Array<{ to: HostPort; token: Uint8Array | null | undefined }> = []
  bootstrapNodes: IdentifiedPeer[] = []
  tableNodes: IdentifiedPeer[] = []
  inflight = 0
  maxInflight = 0
  destroyed = false

  constructor(nodes: FakeNode[], id: Buffer = fakePeer(0).id) {
    for (const n of nodes) this.byAddress.set(n.host + ':' + n.port, n)
    this.table = {
      id,
      k: 20,
      closest: (target: Uint8Array, k = 20) =>
        [...this.tableNodes].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, k)
    }
  }

  session(): QuerySession {
    return new Session(this)
  }

  query(): never {
    throw new Error('not used')
  }

  ping(): never {
    throw new Error('not used')
  }

  async request(req: { token?: Uint8Array | null; command: number }, to: HostPort): Promise<Reply> {
    this.commits.push({ to, token: req.token })
    const node = this.byAddress.get(to.host + ':' + to.port)
    if (node === undefined || node.behaviour === 'timeout') throw DHTError.REQUEST_TIMEOUT()
    return this.reply(node, null)
  }

  async *_resolveBootstrapNodes(): AsyncGenerator<IdentifiedPeer> {
    for (const b of this.bootstrapNodes) yield b
  }

  _sendDownHint(to: Peer, down: HostPort, session: QuerySession | null): void {
    this.downHints.push({ to, down, session })
  }

  _suspectNode(node: Peer, referrers: readonly Peer[]): void {
    this.suspected.push(node)
    for (const to of referrers) this.downHints.push({ to, down: node, session: null })
  }

  _isDead(node: HostPort): boolean {
    return this.dead.has(node.host + ':' + node.port)
  }

  _request(
    to: Peer,
    _force: boolean,
    _internal: boolean,
    command: number,
    target: Buffer | null,
    _value: Buffer | null,
    session: QuerySession | null,
    onresponse: (reply: Reply, req: Request) => void,
    onerror: (err: Error, req: Request) => void
  ): Request | null {
    if (this.destroyed) return null
    const host = this
    const req: FakeRequest = {
      to,
      retries: 0,
      oncycle: () => {},
      index: -1,
      destroyed: false,
      destroy(err?: Error | null) {
        if (req.destroyed) return
        settle()
        onerror(err ?? DHTError.REQUEST_DESTROYED(), req as unknown as Request)
      }
    }
    const settle = (): void => {
      req.destroyed = true
      host.inflight--
      session?._detach(req as unknown as Request)
    }
    session?._attach(req as unknown as Request)
    this.inflight++
    this.maxInflight = Math.max(this.maxInflight, this.inflight)
    this.sent.push({ to, command, req })

    const node = this.byAddress.get(to.host + ':' + to.port)
    setImmediate(() => {
      if (req.destroyed) return
      if (node !== undefined && node.behaviour === 'hang') {
        req.oncycle(req as unknown as Request)
        return
      }
      if (node === undefined || node.behaviour === 'timeout') {
        req.oncycle(req as unknown as Request)
        setImmediate(() => {
          if (req.destroyed) return
          settle()
          onerror(DHTError.REQUEST_TIMEOUT(), req as unknown as Request)
        })
        return
      }
      settle()
      onresponse(this.reply(node, target), req as unknown as Request)
    })
    return req as unknown as Request
  }

  private reply(node: FakeNode, target: Buffer | null): Reply {
    const closer =
      target === null
        ? null
        : [...node.knows]
            .sort((a, b) => compareDistance(target, a.id, b.id))
            .slice(0, 20)
            .map((n): Peer => ({ id: null, host: n.host, port: n.port }))
    return {
      tid: 0,
      rtt: 1,
      from: {
        id: node.behaviour === 'ephemeral' ? null : node.id,
        host: node.host,
        port: node.port
      },
      to: { id: null, host: '10.255.255.255', port: 1 },
      token: Buffer.alloc(32, 7),
      closerNodes: closer && closer.length > 0 ? closer : null,
      error: node.behaviour === 'error' ? 1 : 0,
      value: Buffer.from(node.host)
    }
  }
}
