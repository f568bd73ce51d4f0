// A persistent node's handlers for the record commands: announces, lookups, mutables, immutables.

import type { Request } from '@keymesh/dht-rpc'
import { hash, verifyAnnounce, verifyUnannounce } from '@keymesh/crypto'
import {
  K,
  WIRE_ERRORS,
  announce,
  encode,
  lookupRawReply,
  mutableGetRequest,
  mutableGetResponse,
  mutablePutRequest,
  peer,
  tryDecode,
  type Announce,
  type Peer
} from '@keymesh/wire'
import { DEFAULT_MAX_AGE, DEFAULT_MAX_SIZE } from './constants.js'
import { mutableRecordFits, replyValueFits } from './limits.js'
import { isValidMutable } from './mutable-signature.js'
import type { RecordJournal } from './record-journal.js'
import { RECORD_STORE_DEFAULTS, RecordStore, type StoredValue } from './record-store.js'
import type { Router } from './router.js'
import { ExpiringMap } from './store-expiring-map.js'
import {
  emptyDroppedStats,
  persistentStats,
  type PersistentDroppedStats,
  type PersistentStats
} from './store-stats.js'

export type { PersistentDroppedStats, PersistentStats } from './store-stats.js'

/** Most records one LOOKUP reply carries, the router record included (§4.5). */
export const MAX_LOOKUP_RECORDS = K
/** Relay addresses kept per announced record (§4.5, §4.7). */
export const MAX_RELAY_ADDRESSES = 3
/** How far in the future (ms) an announce bump may lie and still be stored (§4.5). */
export const MAX_BUMP_DRIFT_MS = 60_000

/** What {@link Persistent} needs from its DHT node. */
export interface PersistentHost {
  /** Our node id while persistent; announces are signed for it. */
  readonly id: Buffer | null
}

/** Options of {@link Persistent}; the hyperdht options of the same names. */
export interface PersistentOptions {
  /**
   * Announce records, refreshes and bumps held; mutable and immutable values hold half each.
   * @default 65536
   */
  maxSize?: number
  /**
   * Lifetime of announces, refreshes and bumps in ms; when given, also of mutable and immutable
   * values (else 48 h).
   * @default 1200000
   */
  maxAge?: number
  /** keymesh extra: byte budget of stored records and values. @default 33554432 (32 MiB) */
  maxStorageBytes?: number
  /** keymesh extra: bytes one source /24 may hold. @default maxStorageBytes / 4 */
  maxStorageBytesPerSource?: number
  /** keymesh extra: records kept per topic. @default 1024 */
  maxRecordsPerTopic?: number
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number
  /**
   * keymesh extra (`storage`): mirror the store on disk, restore it now, and answer each store
   * request only once its row is committed.
   */
  journal?: RecordJournal | null
}

interface Refresh {
  readonly target: string
  readonly record: Buffer
  /** The record is a server's self-announce (a router entry). */
  readonly self: boolean
}

const NO_EXTRAS = { token: false, closerNodes: false } as const

/** Named records share the mutable shelf under this key prefix (hex keys never contain it). */
const NAMED_KEY_PREFIX = 'n'

/**
 * keymesh extra: told after a stored mutable record got a new value (`record`: the stored
 * `mutableGetResponse`) or a topic's records changed (`record` null). Used by the watch registry.
 */
export type PersistentChangeHook = (
  kind: 'mutable' | 'topic',
  targetHex: string,
  record: Buffer | null
) => void

/**
 * Serves FIND_PEER, LOOKUP, ANNOUNCE, UNANNOUNCE, MUTABLE_GET/PUT and IMMUTABLE_GET/PUT the way
 * hyperdht 6.33.0 does (§4.5): same replies, same silence on bad input. Every silent drop is
 * counted in `stats.dropped`. Handlers never throw on network input.
 */
export class Persistent {
  /** Live counters. */
  readonly stats: PersistentStats
  /** keymesh extra: see {@link PersistentChangeHook}. */
  onchange: PersistentChangeHook | null = null
  private readonly host: PersistentHost
  private readonly router: Router
  private readonly store: RecordStore
  private readonly refreshes: ExpiringMap<Refresh>
  private readonly bumps: ExpiringMap<number>
  private readonly now: () => number
  private readonly dropped: PersistentDroppedStats = emptyDroppedStats()
  private destroyed = false
  private readonly journal: RecordJournal | null

  constructor(host: PersistentHost, router: Router, opts: PersistentOptions = {}) {
    this.host = host
    this.router = router
    this.now = opts.now ?? Date.now
    // hyperdht compat: 0 means the default, as with hyperdht's `||`
    const maxSize = opts.maxSize || DEFAULT_MAX_SIZE
    const maxAge = opts.maxAge || DEFAULT_MAX_AGE
    this.store = new RecordStore({
      maxSize,
      maxAge,
      maxValueAge: opts.maxAge || RECORD_STORE_DEFAULTS.maxValueAge,
      maxStorageBytes: opts.maxStorageBytes || RECORD_STORE_DEFAULTS.maxStorageBytes,
      ...(opts.maxStorageBytesPerSource
        ? { maxStorageBytesPerSource: opts.maxStorageBytesPerSource }
        : {}),
      maxRecordsPerTopic: opts.maxRecordsPerTopic || RECORD_STORE_DEFAULTS.maxRecordsPerTopic,
      now: this.now,
      journal: opts.journal ?? null
    })
    this.journal = opts.journal ?? null
    if (this.journal !== null) this.store.restore(this.journal.entries())
    this.refreshes = new ExpiringMap({ maxSize, maxAge, now: this.now })
    this.bumps = new ExpiringMap({ maxSize, maxAge, now: this.now })
    this.stats = persistentStats(this.store, router, this.refreshes, this.bumps, this.dropped)
  }

  /** FIND_PEER: the router record for exactly this target, or no value. */
  onfindpeer(req: Request): void {
    if (this.destroyed) return
    if (req.target === null) return this.drop('badRequest')
    req.reply(this.router.get(req.target)?.record ?? null)
  }

  /** LOOKUP: up to 20 random records of the topic plus the router record, and the bump. */
  onlookup(req: Request): void {
    if (this.destroyed) return
    if (req.target === null) return this.drop('badRequest')
    const k = req.target.toString('hex')
    const records = this.store.records(k, MAX_LOOKUP_RECORDS)
    const bump = this.bumps.get(k) ?? 0
    const fwd = this.router.get(k)
    if (fwd !== null && records.length < MAX_LOOKUP_RECORDS) records.push(fwd.record)
    req.reply(records.length > 0 ? encode(lookupRawReply, { peers: records, bump }) : null)
  }

  /** ANNOUNCE: a signed record (topic record or router entry), or a refresh. */
  onannounce(req: Request): void {
    if (this.destroyed) return
    const id = this.host.id
    if (req.target === null || req.from === null) return this.drop('badRequest')
    if (req.token === null) return this.drop('invalidToken')
    if (id === null) return this.drop('notPersistent')
    const ann = req.value === null ? null : tryDecode(announce, req.value)
    if (ann === null) return this.drop('badRequest')

    if (ann.peer === null) {
      if (ann.refresh === null) return this.drop('badRequest')
      return this.onrefresh(ann.refresh, req)
    }
    if (!this.verified(verifyAnnounce, req.target, id, req.token, ann, ann.peer)) {
      return this.drop('invalidSignature')
    }

    const target = req.target.toString('hex')
    const self = hash(ann.peer.publicKey).equals(req.target)
    const record = own(
      encode(peer, {
        publicKey: ann.peer.publicKey,
        relayAddresses: ann.peer.relayAddresses.slice(0, MAX_RELAY_ADDRESSES)
      })
    )
    if (!this.install(target, record, self, req)) return this.drop('overBudget')
    if (!self && this.onchange !== null) this.onchange('topic', target, null)
    if (!self && ann.bump > (this.bumps.get(target) ?? 0)) {
      if (ann.bump <= this.now() + MAX_BUMP_DRIFT_MS) this.bumps.set(target, ann.bump)
    }
    if (ann.refresh !== null) {
      this.refreshes.set(ann.refresh.toString('hex'), { target, record, self })
    }
    this.ack(req, NO_EXTRAS)
  }

  /** UNANNOUNCE: remove a signed record (and the router entry of a self-announce). */
  onunannounce(req: Request): void {
    if (this.destroyed) return
    const id = this.host.id
    if (req.target === null) return this.drop('badRequest')
    if (req.token === null) return this.drop('invalidToken')
    if (id === null) return this.drop('notPersistent')
    const unann = req.value === null ? null : tryDecode(announce, req.value)
    if (unann === null || unann.peer === null) return this.drop('badRequest')
    if (!this.verified(verifyUnannounce, req.target, id, req.token, unann, unann.peer)) {
      return this.drop('invalidSignature')
    }
    this.unannounce(req.target, unann.peer.publicKey)
    req.reply(null, NO_EXTRAS)
  }

  /** Remove what `publicKey` announced under `target` here (no signature: a local call). */
  unannounce(target: Uint8Array, publicKey: Uint8Array): void {
    const t = Buffer.from(target.buffer, target.byteOffset, target.byteLength)
    const k = t.toString('hex')
    if (hash(publicKey).equals(t)) this.router.delete(k)
    if (this.store.removeRecord(k, hex(publicKey)) && this.onchange !== null) {
      this.onchange('topic', k, null)
    }
  }

  /** keymesh extra: every live record under topic `targetHex`, for watch diffs. */
  topicRecords(targetHex: string): Buffer[] {
    return this.store.records(targetHex, this.store.recordCount(targetHex))
  }

  /** keymesh extra: the named record stored under `targetHex` (it shares the mutable shelf). */
  getNamed(targetHex: string): StoredValue | null {
    return this.destroyed ? null : this.store.getMutable(NAMED_KEY_PREFIX + targetHex)
  }

  /** keymesh extra: store a named record, charged to `source` like any mutable record. */
  putNamed(targetHex: string, record: Buffer, seq: number, source: string): boolean {
    if (this.destroyed) return false
    return this.store.putMutable(NAMED_KEY_PREFIX + targetHex, own(record), seq, source)
  }

  /** MUTABLE_GET: the stored record if its seq is at least the requested one. */
  onmutableget(req: Request): void {
    if (this.destroyed) return
    if (req.target === null || req.value === null) return this.drop('badRequest')
    const seq = tryDecode(mutableGetRequest, req.value)
    if (seq === null) return this.drop('badRequest')
    const stored = this.store.getMutable(req.target.toString('hex'))
    req.reply(stored !== null && stored.seq >= seq ? stored.value : null)
  }

  /** MUTABLE_PUT: store a signed record unless it reuses or lowers the stored seq. */
  onmutableput(req: Request): void {
    if (this.destroyed) return
    if (req.target === null || req.value === null || req.from === null) {
      return this.drop('badRequest')
    }
    if (req.token === null) return this.drop('invalidToken')
    const put = tryDecode(mutablePutRequest, req.value)
    if (put === null) return this.drop('badRequest')
    const { publicKey, seq, value, signature } = put
    if (!hash(publicKey).equals(req.target)) return this.drop('hashMismatch')
    // what we could never send back in a MUTABLE_GET reply is not worth keeping
    if (!mutableRecordFits(seq, value.byteLength)) return this.drop('tooLarge')
    if (!isValidMutable(publicKey, seq, value, signature)) {
      return this.drop('invalidSignature')
    }

    const k = req.target.toString('hex')
    const local = this.store.getMutable(k)
    const existing = local === null ? null : tryDecode(mutableGetResponse, local.value)
    if (existing !== null) {
      if (existing.seq === seq && !existing.value.equals(value)) {
        this.drop('seqReused')
        return req.error(WIRE_ERRORS.SEQ_REUSED)
      }
      if (seq < existing.seq) {
        this.drop('seqTooLow')
        return req.error(WIRE_ERRORS.SEQ_TOO_LOW)
      }
    }
    const record = own(encode(mutableGetResponse, { seq, value, signature }))
    if (!this.store.putMutable(k, record, seq, req.from.host)) return this.drop('overBudget')
    this.ack(req)
    if (this.onchange !== null && (existing === null || seq > existing.seq)) {
      this.onchange('mutable', k, record)
    }
  }

  /** IMMUTABLE_GET: the stored value, or no value. */
  onimmutableget(req: Request): void {
    if (this.destroyed) return
    if (req.target === null) return this.drop('badRequest')
    req.reply(this.store.getImmutable(req.target.toString('hex')))
  }

  /** IMMUTABLE_PUT: store a value whose hash is the target. */
  onimmutableput(req: Request): void {
    if (this.destroyed) return
    if (req.target === null || req.value === null || req.from === null) {
      return this.drop('badRequest')
    }
    if (req.token === null) return this.drop('invalidToken')
    if (!replyValueFits(req.value.byteLength)) return this.drop('tooLarge')
    if (!hash(req.value).equals(req.target)) return this.drop('hashMismatch')
    const k = req.target.toString('hex')
    if (!this.store.putImmutable(k, own(req.value), req.from.host)) {
      return this.drop('overBudget')
    }
    this.ack(req)
  }

  /** Drop every record, value, refresh and bump; later requests are ignored. */
  destroy(): void {
    this.destroyed = true
    this.store.clear()
    this.refreshes.clear()
    this.bumps.clear()
  }

  // with a journal, OK means committed: an acknowledged store must survive a kill -9
  private ack(req: Request, extras?: typeof NO_EXTRAS): void {
    if (this.journal === null) {
      if (extras === undefined) req.reply(null)
      else req.reply(null, extras)
      return
    }
    this.journal.committed().then(
      () => {
        if (this.destroyed) return
        if (extras === undefined) req.reply(null)
        else req.reply(null, extras)
      },
      noop // counted by the journal; no reply, so the writer does not count it as stored
    )
  }

  private drop(reason: keyof PersistentDroppedStats): void {
    this.dropped[reason]++
  }

  // refresh path: the request reveals the preimage of a remembered refresh token (§4.5)
  private onrefresh(refresh: Buffer, req: Request): void {
    const previous = hash(refresh).toString('hex')
    const r = this.refreshes.get(previous)
    if (r === undefined) return this.drop('unknownRefresh')
    if (!this.install(r.target, r.record, r.self, req)) return this.drop('overBudget')
    this.refreshes.delete(previous)
    this.refreshes.set(refresh.toString('hex'), r)
    this.ack(req, NO_EXTRAS)
  }

  // a self-announce becomes a router entry reached through the announcer; anything else a record
  private install(target: string, record: Buffer, self: boolean, req: Request): boolean {
    const from = req.from as NonNullable<Request['from']>
    const publicKey = hex(record.subarray(0, 32))
    if (self) {
      this.router.set(target, { relay: { host: from.host, port: from.port }, record, local: false })
      this.store.removeRecord(target, publicKey)
      return true
    }
    return this.store.addRecord(target, publicKey, record, from.host)
  }

  // signatures cover the peer as received, before relay addresses are trimmed (§4.6)
  private verified(
    verify: typeof verifyAnnounce,
    target: Buffer,
    id: Buffer,
    token: Buffer,
    ann: Announce,
    p: Peer
  ): boolean {
    if (ann.signature === null) return false
    const encoded = encode(peer, p)
    return verify(target, id, token, encoded, ann.refresh, ann.signature, p.publicKey)
  }
}

// stored bytes get their own allocation: a pooled or received buffer would pin a whole slab
function own(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.byteLength)
  out.set(bytes)
  return out
}

function noop(): void {}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
