// A keymesh node's handlers for NAMED_PUT / NAMED_GET, stored in the record store's budgets.

import type { Request } from '@keymesh/dht-rpc'
import { KEYMESH_WIRE_ERRORS, WIRE_ERRORS, namedRecord, tryDecode } from '@keymesh/wire'
import { isExpiredNamed, isValidNamed, namedRecordFits, namedTarget } from './named-record.js'
import type { Persistent } from './persistent.js'

/** Counters of the named-record handlers. */
export interface NamedStoreStats {
  puts: number
  gets: number
  /** Requests not stored, by reason. */
  dropped: {
    badRequest: number
    invalidToken: number
    invalidSignature: number
    notOwner: number
    expired: number
    seq: number
    overBudget: number
  }
}

/**
 * Serves NAMED_PUT and NAMED_GET on a persistent node. The first valid record under a key fixes
 * its owner; later puts must be signed by that key (NAMED_NOT_OWNER otherwise) until the stored
 * record expires (`expTime`) or is evicted. Records live in the mutable shelf of the record
 * store, so they count against the same entry caps, lifetimes and byte budgets. Never throws.
 */
export class NamedStore {
  readonly stats: NamedStoreStats = {
    puts: 0,
    gets: 0,
    dropped: {
      badRequest: 0,
      invalidToken: 0,
      invalidSignature: 0,
      notOwner: 0,
      expired: 0,
      seq: 0,
      overBudget: 0
    }
  }
  private readonly now: () => number
  /** Told after a record was stored under a target (for NAMED watches). */
  onchange: ((targetHex: string, record: Buffer) => void) | null = null

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now
  }

  /** NAMED_PUT: store a signed record unless another owner holds the key or the seq is stale. */
  onput(req: Request, store: Persistent): void {
    const d = this.stats.dropped
    if (req.target === null || req.value === null || req.from === null) return void d.badRequest++
    if (req.token === null) return void d.invalidToken++
    const r = tryDecode(namedRecord, req.value)
    if (r === null || r.key.length === 0 || !namedRecordFits(r)) return void d.badRequest++
    if (!namedTarget(r.key).equals(req.target)) return void d.badRequest++
    if (!isValidNamed(r)) return void d.invalidSignature++
    const now = this.now()
    if (isExpiredNamed(r.expTime, now)) {
      d.expired++
      return req.error(KEYMESH_WIRE_ERRORS.NAMED_EXPIRED)
    }
    const k = req.target.toString('hex')
    const stored = store.getNamed(k)
    const old = stored === null ? null : tryDecode(namedRecord, stored.value)
    if (old !== null && !isExpiredNamed(old.expTime, now)) {
      if (!old.publicKey.equals(r.publicKey)) {
        d.notOwner++
        return req.error(KEYMESH_WIRE_ERRORS.NAMED_NOT_OWNER)
      }
      if (r.seq < old.seq) {
        d.seq++
        return req.error(WIRE_ERRORS.SEQ_TOO_LOW)
      }
      if (r.seq === old.seq && !r.value.equals(old.value)) {
        d.seq++
        return req.error(WIRE_ERRORS.SEQ_REUSED)
      }
    }
    if (!store.putNamed(k, req.value, r.seq, req.from.host)) return void d.overBudget++
    this.stats.puts++
    req.reply(null)
    const fresh = old === null || !old.publicKey.equals(r.publicKey) || r.seq > old.seq
    if (fresh && this.onchange !== null) this.onchange(k, req.value)
  }

  /** NAMED_GET: the live record under the target, or no value. */
  onget(req: Request, store: Persistent): void {
    if (req.target === null) return void this.stats.dropped.badRequest++
    this.stats.gets++
    const stored = store.getNamed(req.target.toString('hex'))
    const r = stored === null ? null : tryDecode(namedRecord, stored.value)
    req.reply(r === null || isExpiredNamed(r.expTime, this.now()) ? null : (stored?.value ?? null))
  }
}
