// Named records (a keymesh extension): a string key secured by its first owner's Ed25519 key.

import type { KeyPair } from '@keymesh/crypto'
import { hash, namespace, sign, verify } from '@keymesh/crypto'
import type { HostPort, Reply, SessionHost } from '@keymesh/dht-rpc'
import {
  KEYMESH_COMMANDS,
  KEYMESH_WIRE_ERRORS,
  MAX_NAMED_KEY_BYTES,
  WIRE_ERRORS,
  encode,
  encodingLength,
  namedRecord,
  namedSignable,
  tryDecode,
  type NamedRecord
} from '@keymesh/wire'
import { HyperDHTError, PutRefusedError } from './errors.js'
import type { PutRefusal } from './errors.js'
import type { RecordQueryOptions } from './immutable.js'
import { replyValueFits } from './limits.js'
import { PutReport } from './put-report.js'

export type { NamedRecord } from '@keymesh/wire'

// namespace('keymesh/named', [0, 1]): the target prefix and the signature prefix
const [NS_NAMED_TARGET, NS_NAMED_PUT] = namespace('keymesh/named', [0, 1]) as [Buffer, Buffer]

/** A named record as found: the record plus who answered. */
export interface NamedResult extends NamedRecord {
  /** The storing node that answered. */
  from: HostPort
  /** How many storing nodes answered with this owner's record. */
  holders: number
}

/** Options of `set()`: the owner's key pair, the seq and the expiry. */
export interface NamedSetOptions extends RecordQueryOptions {
  keyPair: KeyPair
  /** Must grow with each new value under the key. @default Date.now() */
  seq?: number
  /** Unix time in seconds after which the record is void; 0 = never. @default 0 */
  expTime?: number
}

/** What `set()` / `namedPut()` resolve to. */
export interface NamedPutResult {
  target: Buffer
  closestNodes: HostPort[]
  /** Nodes that stored the record. */
  stored: number
  /** Nodes that refused it, and why (`ERROR_66` is NAMED_NOT_OWNER, ...). */
  refused: PutRefusal[]
  record: NamedRecord
}

/** `H(NS_NAMED_TARGET || utf8(key))`: where a named record lives. */
export function namedTarget(key: string): Buffer {
  return hash(Buffer.concat([NS_NAMED_TARGET, Buffer.from(key, 'utf8')]))
}

/** The 64 bytes a named record's signature covers: `NS_NAMED_PUT || H(namedSignable)`. */
export function namedSignedBytes(r: Omit<NamedRecord<Uint8Array>, 'publicKey' | 'signature'>) {
  return Buffer.concat([NS_NAMED_PUT, hash(encode(namedSignable, r))])
}

/** Signs a named record with `keyPair`; returns the complete record. */
export function signNamed(
  key: string,
  value: Uint8Array,
  seq: number,
  expTime: number,
  keyPair: KeyPair
): NamedRecord {
  const r = { key, seq, expTime, value: Buffer.from(value) }
  const signature = sign(namedSignedBytes(r), keyPair.secretKey)
  return { ...r, publicKey: Buffer.from(keyPair.publicKey), signature }
}

/** Checks a named record's signature; never throws. */
export function isValidNamed(r: NamedRecord<Uint8Array>): boolean {
  try {
    return verify(namedSignedBytes(r), r.signature, r.publicKey)
  } catch {
    return false
  }
}

/** True when `expTime` (unix seconds, 0 = never) has passed at `nowMs`. */
export function isExpiredNamed(expTime: number, nowMs: number): boolean {
  return expTime !== 0 && expTime * 1000 <= nowMs
}

/** Throws INVALID_ARGUMENT / VALUE_TOO_LARGE for a record no node could store or answer. */
export function checkNamed(r: NamedRecord<Uint8Array>): void {
  if (typeof r.key !== 'string' || r.key.length === 0) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'key must be a non-empty string')
  }
  if (Buffer.byteLength(r.key) > MAX_NAMED_KEY_BYTES) {
    throw new HyperDHTError('INVALID_ARGUMENT', `key is longer than ${MAX_NAMED_KEY_BYTES} bytes`)
  }
  for (const n of [r.seq, r.expTime]) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new HyperDHTError('INVALID_ARGUMENT', 'seq and expTime must be non-negative integers')
    }
  }
  if (!(r.value instanceof Uint8Array)) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'value must be a Buffer or Uint8Array')
  }
  if (!namedRecordFits(r)) {
    throw new HyperDHTError('VALUE_TOO_LARGE', 'the named record would not fit a NAMED_GET reply')
  }
}

/** True when a node can answer NAMED_GET with this record in one datagram. */
export function namedRecordFits(r: NamedRecord<Uint8Array>): boolean {
  try {
    return replyValueFits(encodingLength(namedRecord, r))
  } catch {
    return false
  }
}

/**
 * Store a signed named record on the keymesh nodes closest to `namedTarget(key)` (nodes that do
 * not know NAMED_GET are skipped by the query). Rejects with NAMED_NOT_OWNER, NAMED_EXPIRED,
 * SEQ_TOO_LOW or SEQ_REUSED when every answering node refused it.
 */
export async function namedPut(
  dht: SessionHost,
  record: NamedRecord<Uint8Array>,
  opts: RecordQueryOptions = {}
): Promise<NamedPutResult> {
  checkNamed(record)
  if (!isValidNamed(record)) throw new HyperDHTError('INVALID_SIGNATURE')
  if (isExpiredNamed(record.expTime, Date.now())) throw new HyperDHTError('NAMED_EXPIRED')
  const target = namedTarget(record.key)
  const value = encode(namedRecord, record)
  const report = new PutReport()
  const errors: number[] = []
  const requestOpts = opts.signal === undefined ? undefined : { signal: opts.signal }
  const query = dht.query<Reply>(
    { target, command: KEYMESH_COMMANDS.NAMED_GET, value: null },
    {
      ...opts,
      commit: (reply, node) =>
        node
          .request(
            { token: reply.token, target, command: KEYMESH_COMMANDS.NAMED_PUT, value },
            reply.from,
            requestOpts
          )
          .then((r) => {
            if (r.error !== 0) errors.push(r.error)
            return report.add(r)
          })
    }
  )
  await query.finished()
  if (report.stored === 0 && errors.length > 0) throw refusal(errors, report.refused)
  const decoded = tryDecode(namedRecord, value) as NamedRecord
  return { target, closestNodes: query.closestNodes, ...report, record: decoded }
}

function refusal(errors: number[], refused: PutRefusal[]): HyperDHTError {
  const count = (n: number): number => errors.filter((e) => e === n).length
  const notOwner = count(KEYMESH_WIRE_ERRORS.NAMED_NOT_OWNER)
  const expired = count(KEYMESH_WIRE_ERRORS.NAMED_EXPIRED)
  const low = count(WIRE_ERRORS.SEQ_TOO_LOW)
  const reused = count(WIRE_ERRORS.SEQ_REUSED)
  const top = Math.max(notOwner, expired, low, reused)
  if (top === 0) return new HyperDHTError('NAMED_REFUSED')
  if (notOwner === top) return new HyperDHTError('NAMED_NOT_OWNER')
  if (expired === top) return new HyperDHTError('NAMED_EXPIRED')
  return new PutRefusedError(low === top ? 'SEQ_TOO_LOW' : 'SEQ_REUSED', refused)
}

/** Decodes and checks one NAMED_GET reply for `key`; null if it is not a valid live record. */
export function namedFromReply(reply: Reply, key: string, nowMs: number): NamedRecord | null {
  if (reply.error !== 0 || reply.value === null) return null
  const r = tryDecode(namedRecord, reply.value)
  if (r === null || r.key !== key || isExpiredNamed(r.expTime, nowMs)) return null
  return isValidNamed(r) ? r : null
}

/**
 * Picks among valid records from several nodes: the owner most nodes hold wins (a squatter on a
 * few nodes loses), then the highest seq of that owner.
 */
export function pickNamed(
  found: readonly { record: NamedRecord; from: HostPort }[]
): NamedResult | null {
  const byOwner = new Map<string, { record: NamedRecord; from: HostPort; holders: number }>()
  for (const f of found) {
    const k = f.record.publicKey.toString('hex')
    const cur = byOwner.get(k)
    if (cur === undefined) byOwner.set(k, { ...f, holders: 1 })
    else {
      cur.holders++
      if (f.record.seq > cur.record.seq) {
        cur.record = f.record
        cur.from = f.from
      }
    }
  }
  let best: { record: NamedRecord; from: HostPort; holders: number } | null = null
  for (const c of byOwner.values()) {
    if (best === null || c.holders > best.holders) best = c
  }
  if (best === null) return null
  const { host, port } = best.from
  return { ...best.record, from: { host, port }, holders: best.holders }
}

/** The live named record under `key` (see {@link pickNamed}), or null. */
export async function namedGet(
  dht: SessionHost,
  key: string,
  opts: RecordQueryOptions = {}
): Promise<NamedResult | null> {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_NAMED_KEY_BYTES) {
    throw new HyperDHTError(
      'INVALID_ARGUMENT',
      'key must be a non-empty string of at most 256 bytes'
    )
  }
  const target = namedTarget(key)
  const found: { record: NamedRecord; from: HostPort }[] = []
  const query = dht.query<Reply>({ target, command: KEYMESH_COMMANDS.NAMED_GET, value: null }, opts)
  for await (const reply of query) {
    const record = namedFromReply(reply, key, Date.now())
    if (record !== null) found.push({ record: copy(record), from: reply.from })
  }
  return pickNamed(found)
}

// query replies are owned already; copy the byte fields off the reply buffer anyway (house rule 9)
function copy(r: NamedRecord): NamedRecord {
  return {
    ...r,
    publicKey: Buffer.from(r.publicKey),
    value: Buffer.from(r.value),
    signature: Buffer.from(r.signature)
  }
}
