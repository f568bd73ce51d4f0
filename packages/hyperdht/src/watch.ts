// Watch: the watcher side of a listen, an async iterator of changes, pushed or polled with backoff.

import { randomBytes } from '@keymesh/crypto'
import type { HostPort, Reply, SessionHost } from '@keymesh/dht-rpc'
import {
  COMMANDS,
  KEYMESH_COMMANDS,
  WATCH_ID_BYTES,
  WATCH_KINDS,
  encode,
  lookupRawReply,
  mutableGetRequest,
  mutableGetResponse,
  namedRecord,
  tryDecode,
  unwatchRequest,
  watchReply,
  watchRequest,
  type NotifyMessage,
  type Peer,
  type PeerAddress
} from '@keymesh/wire'
import { hash } from '@keymesh/crypto'
import { HyperDHTError } from './errors.js'
import { isValidMutable } from './mutable-signature.js'
import {
  isExpiredNamed,
  isValidNamed,
  namedFromReply,
  namedTarget,
  pickNamed,
  type NamedRecord
} from './named-record.js'

/** What to watch: a mutable record (by public key), a topic, or a named record (by key). */
export type WatchTarget = { publicKey: Uint8Array } | { topic: Uint8Array } | { key: string }

/** Options of `node.watch()`. */
export interface WatchOptions {
  /** Emit the current value (or peers) first. @default true */
  initial?: boolean
  /** Ask storers to push changes (WATCH); `false`: poll only. @default true */
  push?: boolean
  /** Registration lifetime asked of storers, in ms; refreshed at half of what they grant. @default 60000 */
  ttl?: number
  /** First poll interval in ms, after a change. @default 1000 */
  pollMin?: number
  /** Longest poll interval in ms; the interval doubles while nothing changes. @default 30000 */
  pollMax?: number
  /** Events buffered for a slow reader; the oldest are dropped beyond it. @default 1024 */
  maxQueue?: number
  /** Stops the watch. */
  signal?: AbortSignal
}

/** Defaults of {@link WatchOptions}. */
export const WATCH_DEFAULTS = Object.freeze({
  initial: true,
  push: true,
  ttl: 60_000,
  pollMin: 1000,
  pollMax: 30_000,
  maxQueue: 1024
})

/** A mutable record with a higher seq than any seen before. */
export interface MutableWatchEvent {
  type: 'mutable'
  seq: number
  value: Buffer
  signature: Buffer
  /** True when a storing node pushed it (NOTIFY), false when a query found it. */
  pushed: boolean
}

/** A peer that appeared on the topic, or went (`expired`). */
export interface PeerWatchEvent {
  type: 'peer'
  publicKey: Buffer
  relayAddresses: PeerAddress[]
  expired: boolean
  pushed: boolean
}

/** A named record with a higher seq (or a new owner after the old one expired). */
export interface NamedWatchEvent {
  type: 'named'
  record: NamedRecord
  pushed: boolean
}

/** One change seen by a {@link Watch}. */
export type WatchEvent = MutableWatchEvent | PeerWatchEvent | NamedWatchEvent

/** How a watch learns of changes: storers push, it polls, or both (some storers cannot push). */
export type WatchMode = 'starting' | 'push' | 'poll' | 'mixed'

/** What a watch needs from its node. */
export interface WatchHost extends Pick<SessionHost, 'query' | 'request'> {
  /** Route NOTIFYs with this watch's id to it. */
  _addWatch(w: Watch): void
  _removeWatch(w: Watch): void
}

interface Known {
  peer: Peer
  sources: Set<string>
}

const noop = (): void => {}

/**
 * Follows a mutable record, a topic or a named record. Iterate it (`for await`) to get
 * {@link WatchEvent}s; `break`, `destroy()` or the signal ends it. It looks the target up, asks
 * the closest storing nodes to push changes (WATCH, refreshed before it expires), and polls with
 * backoff when some of them cannot (nodes without the keymesh extension, such as hyperdht's).
 * Every value is checked (signature, hash) before it is emitted, pushed or not.
 */
export class Watch implements AsyncIterable<WatchEvent> {
  /** `WATCH_KINDS` of the target. */
  readonly kind: number
  /** The DHT target (`H(publicKey)`, the topic, or `namedTarget(key)`). */
  readonly target: Buffer
  /** Random id the storers know this watch by. */
  readonly id: Buffer
  /** Current mode; `'starting'` until the first lookup finished. */
  mode: WatchMode = 'starting'
  /** Storing nodes that accepted the registration. */
  readonly storers = new Map<string, HostPort>()
  /** True once destroyed. */
  destroyed = false
  /** Events dropped because the reader fell behind `maxQueue`. */
  dropped = 0
  /** The last lookup failure, if the last lookup failed. */
  lastError: Error | null = null
  private readonly host: WatchHost
  private readonly publicKey: Buffer | null
  private readonly key: string | null
  private readonly opts: {
    -readonly [K in keyof typeof WATCH_DEFAULTS]: (typeof WATCH_DEFAULTS)[K] extends boolean
      ? boolean
      : number
  }
  private readonly abort = new AbortController()
  private readonly queue: WatchEvent[] = []
  private readonly waiters: ((r: IteratorResult<WatchEvent>) => void)[] = []
  private readonly known = new Map<string, Known>()
  private lastSeq = -1
  private owner: string | null = null
  private first = true
  private timer: NodeJS.Timeout | null = null
  private pollDelay: number
  private registerAt = 0
  private syncing = false
  private again = false
  private readonly started: Promise<void>
  private readonly signal: AbortSignal | null
  private onabort: (() => void) | null = null

  constructor(host: WatchHost, what: WatchTarget, opts: WatchOptions = {}) {
    this.host = host
    this.opts = { ...WATCH_DEFAULTS, ...definedOnly(opts) }
    this.pollDelay = this.opts.pollMin
    this.id = randomBytes(WATCH_ID_BYTES)
    if ('publicKey' in what) {
      this.kind = WATCH_KINDS.MUTABLE
      this.publicKey = bytes32(what.publicKey, 'publicKey')
      this.key = null
      this.target = hash(this.publicKey)
    } else if ('topic' in what) {
      this.kind = WATCH_KINDS.TOPIC
      this.publicKey = null
      this.key = null
      this.target = bytes32(what.topic, 'topic')
    } else {
      if (typeof what.key !== 'string' || what.key.length === 0) {
        throw new HyperDHTError('INVALID_ARGUMENT', 'key must be a non-empty string')
      }
      this.kind = WATCH_KINDS.NAMED
      this.publicKey = null
      this.key = what.key
      this.target = namedTarget(what.key)
    }
    this.signal = opts.signal ?? null
    host._addWatch(this)
    if (this.signal !== null) {
      this.onabort = () => this.destroy()
      this.signal.addEventListener('abort', this.onabort, { once: true })
      if (this.signal.aborted) this.destroy()
    }
    this.started = this.destroyed ? Promise.resolve() : this.sync()
  }

  /** Resolves once the first lookup (and registration) finished, whatever its outcome. */
  ready(): Promise<void> {
    return this.started
  }

  /** The next event; `done` once destroyed and drained. */
  next(): Promise<IteratorResult<WatchEvent>> {
    const e = this.queue.shift()
    if (e !== undefined) return Promise.resolve({ value: e, done: false })
    if (this.destroyed) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.destroy()
        return Promise.resolve({ value: undefined, done: true })
      }
    }
  }

  /** Stop: cancel lookups and timers, tell the storers (best effort), end the iteration. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.abort.abort()
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.onabort !== null && this.signal !== null) {
      this.signal.removeEventListener('abort', this.onabort)
    }
    this.onabort = null
    this.host._removeWatch(this)
    const value = encode(unwatchRequest, this.id)
    for (const to of this.storers.values()) {
      this.host
        .request({ command: KEYMESH_COMMANDS.UNWATCH, target: this.target, value }, to, {
          retry: false
        })
        .catch(noop)
    }
    this.storers.clear()
    this.flushWaiters()
  }

  /**
   * @internal a NOTIFY for this watch from `from`; false when `from` is not a storer it
   * registered with (the NOTIFY is then refused).
   */
  _onnotify(msg: NotifyMessage, from: HostPort): boolean {
    const source = from.host + ':' + from.port
    if (this.destroyed || !this.storers.has(source) || msg.kind !== this.kind) return false
    if (this.kind === WATCH_KINDS.TOPIC) {
      for (const p of msg.added) this.addPeer(p, source, true)
      for (const k of msg.removed) this.removeSource(k.toString('hex'), source, true)
      if (msg.overflow) this.kick()
    } else if (msg.record !== null) {
      if (this.kind === WATCH_KINDS.MUTABLE) this.acceptMutable(msg.record, true)
      else this.acceptNamed(msg.record, true)
    }
    return true
  }

  private flushWaiters(): void {
    while (this.waiters.length > 0 && this.queue.length === 0) {
      ;(this.waiters.shift() as (r: IteratorResult<WatchEvent>) => void)({
        value: undefined,
        done: true
      })
    }
  }

  private emit(e: WatchEvent): void {
    if (this.first && !this.opts.initial) return
    const waiter = this.waiters.shift()
    if (waiter !== undefined) return waiter({ value: e, done: false })
    if (this.queue.length >= this.opts.maxQueue) {
      this.queue.shift()
      this.dropped++
    }
    this.queue.push(e)
  }

  // run a lookup now (a NOTIFY said more changed than it could carry)
  private kick(): void {
    if (this.syncing) {
      this.again = true
      return
    }
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.sync().catch(noop)
  }

  private async sync(): Promise<void> {
    if (this.destroyed) return
    this.syncing = true
    let changed = false
    try {
      const { closest, changed: c } = await this.lookup()
      changed = c
      this.lastError = null
      if (this.opts.push && Date.now() >= this.registerAt) await this.register(closest)
      else if (!this.opts.push) this.mode = 'poll'
    } catch (err) {
      if (this.destroyed) return
      this.lastError = err as Error
    } finally {
      this.syncing = false
      this.first = false
    }
    if (this.destroyed) return
    if (this.again) {
      this.again = false
      changed = true
    }
    this.schedule(changed)
  }

  private schedule(changed: boolean): void {
    const now = Date.now()
    let delay: number
    if (this.mode === 'push' && this.lastError === null) {
      delay = Math.max(0, this.registerAt - now)
    } else {
      this.pollDelay = changed ? this.opts.pollMin : Math.min(this.pollDelay * 2, this.opts.pollMax)
      delay = this.pollDelay
      if (this.mode === 'mixed') delay = Math.min(delay, Math.max(0, this.registerAt - now))
    }
    this.timer = setTimeout(() => {
      this.timer = null
      this.sync().catch(noop)
    }, delay)
    this.timer.unref()
  }

  // query the target; emit what is new; return the closest replies to register with
  private async lookup(): Promise<{ closest: Reply[]; changed: boolean }> {
    const signal = this.abort.signal
    let emitted = 0
    const count = (): void => void emitted++
    if (this.kind === WATCH_KINDS.MUTABLE) {
      const q = this.host.query(
        { target: this.target, command: COMMANDS.MUTABLE_GET, value: encode(mutableGetRequest, 0) },
        { signal }
      )
      let best: Buffer | null = null
      let bestSeq = -1
      for await (const reply of q) {
        const m = reply.value === null ? null : tryDecode(mutableGetResponse, reply.value)
        if (m === null || m.seq <= bestSeq) continue
        if (!isValidMutable(this.publicKey as Buffer, m.seq, m.value, m.signature)) continue
        best = reply.value
        bestSeq = m.seq
      }
      if (best !== null && this.acceptMutable(best, false)) count()
      return { closest: q.closestReplies, changed: emitted > 0 }
    }
    if (this.kind === WATCH_KINDS.NAMED) {
      const q = this.host.query(
        { target: this.target, command: KEYMESH_COMMANDS.NAMED_GET, value: null },
        { signal }
      )
      const found: { record: NamedRecord; from: HostPort }[] = []
      for await (const reply of q) {
        const r = namedFromReply(reply, this.key as string, Date.now())
        if (r !== null) found.push({ record: r, from: reply.from })
      }
      const best = pickNamed(found)
      if (best !== null && this.acceptNamed(encode(namedRecord, best), false, true)) count()
      return { closest: q.closestReplies, changed: emitted > 0 }
    }
    const q = this.host.query(
      { target: this.target, command: COMMANDS.LOOKUP, value: null },
      { signal }
    )
    const seen = new Map<string, Known>()
    let sampled = false
    for await (const reply of q) {
      const l = reply.value === null ? null : tryDecode(lookupRawReply, reply.value)
      if (l === null) continue
      if (l.peers.length >= 20) sampled = true
      const source = reply.from.host + ':' + reply.from.port
      for (const p of l.peers) {
        const k = p.publicKey.toString('hex')
        const s = seen.get(k)
        if (s === undefined) seen.set(k, { peer: copyPeer(p), sources: new Set([source]) })
        else s.sources.add(source)
      }
    }
    for (const [k, s] of seen) {
      if (!this.known.has(k)) {
        this.emit(peerEvent(s.peer, false, false))
        count()
      }
      this.known.set(k, s)
    }
    // a node answers with at most 20 random records: absence then proves nothing
    if (!sampled) {
      for (const [k, s] of [...this.known]) {
        if (seen.has(k)) continue
        this.known.delete(k)
        this.emit(peerEvent(s.peer, true, false))
        count()
      }
    }
    return { closest: q.closestReplies, changed: emitted > 0 }
  }

  private async register(closest: Reply[]): Promise<void> {
    const value = encode(watchRequest, { kind: this.kind, id: this.id, ttl: this.opts.ttl })
    const signal = this.abort.signal
    let refused = 0
    let granted = this.opts.ttl
    const accepted = new Map<string, HostPort>()
    await Promise.all(
      closest.map(async (reply) => {
        if (reply.token === null) return void refused++
        try {
          const r = await this.host.request(
            { token: reply.token, command: KEYMESH_COMMANDS.WATCH, target: this.target, value },
            reply.from,
            { signal }
          )
          const ttl = r.error === 0 && r.value !== null ? tryDecode(watchReply, r.value) : null
          if (ttl === null) return void refused++
          granted = Math.min(granted, ttl)
          accepted.set(r.from.host + ':' + r.from.port, { host: r.from.host, port: r.from.port })
        } catch {
          refused++
        }
      })
    )
    if (this.destroyed) return
    // keep storers from earlier rounds until their registration lapses on their side
    for (const [k, v] of accepted) this.storers.set(k, v)
    this.registerAt = Date.now() + Math.floor(granted / 2)
    if (accepted.size === 0) this.mode = 'poll'
    else this.mode = refused === 0 ? 'push' : 'mixed'
  }

  private acceptMutable(record: Buffer, pushed: boolean): boolean {
    const m = tryDecode(mutableGetResponse, record)
    if (m === null || m.seq <= this.lastSeq) return false
    if (!isValidMutable(this.publicKey as Buffer, m.seq, m.value, m.signature)) return false
    this.lastSeq = m.seq
    this.emit({
      type: 'mutable',
      seq: m.seq,
      value: Buffer.from(m.value),
      signature: Buffer.from(m.signature),
      pushed
    })
    return true
  }

  private acceptNamed(bytes: Buffer, pushed: boolean, fromLookup = false): boolean {
    const r = tryDecode(namedRecord, bytes)
    if (r === null || r.key !== this.key || isExpiredNamed(r.expTime, Date.now())) return false
    if (!isValidNamed(r)) return false
    const owner = r.publicKey.toString('hex')
    // a pushed record from another owner than the one the lookup settled on is a squatter's
    if (this.owner !== null && owner !== this.owner && !fromLookup) return false
    if (owner === this.owner && r.seq <= this.lastSeq) return false
    this.owner = owner
    this.lastSeq = r.seq
    const record = tryDecode(namedRecord, Buffer.from(bytes)) as NamedRecord
    this.emit({ type: 'named', record, pushed })
    return true
  }

  private addPeer(p: Peer, source: string, pushed: boolean): void {
    const k = p.publicKey.toString('hex')
    const cur = this.known.get(k)
    if (cur !== undefined) {
      cur.sources.add(source)
      return
    }
    const peer = copyPeer(p)
    this.known.set(k, { peer, sources: new Set([source]) })
    this.emit(peerEvent(peer, false, pushed))
  }

  private removeSource(k: string, source: string, pushed: boolean): void {
    const cur = this.known.get(k)
    if (cur === undefined) return
    cur.sources.delete(source)
    if (cur.sources.size > 0) return
    this.known.delete(k)
    this.emit(peerEvent(cur.peer, true, pushed))
  }
}

function peerEvent(p: Peer, expired: boolean, pushed: boolean): PeerWatchEvent {
  return {
    type: 'peer',
    publicKey: p.publicKey,
    relayAddresses: p.relayAddresses,
    expired,
    pushed
  }
}

function copyPeer(p: Peer): Peer {
  return {
    publicKey: Buffer.from(p.publicKey),
    relayAddresses: p.relayAddresses.map((a) => ({ host: a.host, port: a.port }))
  }
}

function bytes32(b: unknown, name: string): Buffer {
  if (!(b instanceof Uint8Array) || b.byteLength !== 32) {
    throw new HyperDHTError('INVALID_ARGUMENT', `${name} must be 32 bytes`)
  }
  return Buffer.from(b)
}

function definedOnly(opts: WatchOptions): Partial<typeof WATCH_DEFAULTS> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v
  return out as Partial<typeof WATCH_DEFAULTS>
}
