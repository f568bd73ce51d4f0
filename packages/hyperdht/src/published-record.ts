// The records a node keeps alive: their key, their row on disk and their JSON view.

import type { KeyPair } from '@keymesh/crypto'
import type { HostPort } from '@keymesh/dht-rpc'

/** A signed mutable record, republished as it was signed (no secret key needed). */
export interface PublishedMutable {
  readonly type: 'mutable'
  readonly publicKey: Buffer
  readonly seq: number
  readonly value: Buffer
  readonly signature: Buffer
}

/** An immutable value. */
export interface PublishedImmutable {
  readonly type: 'immutable'
  readonly hash: Buffer
  readonly value: Buffer
}

/** An announce; each storing node needs a fresh signature, so it needs the key pair. */
export interface PublishedAnnounce {
  readonly type: 'announce'
  readonly topic: Buffer
  readonly keyPair: KeyPair
  readonly relayAddresses: readonly HostPort[]
}

/** What the republisher refreshes. */
export type Published = PublishedMutable | PublishedImmutable | PublishedAnnounce

/**
 * The JSON-safe view of a kept-alive record (`toJSON().records`, `republisher.list()`); bytes
 * are hex. Never contains a secret key.
 */
export type RepublishedRecord = {
  /** The republisher key, for `republisher.cancel(key)`. */
  key: string
  /** Wall-clock ms of the next refresh. */
  nextRefresh: number
  /** Wall-clock ms of the last successful put or refresh; null before the first. */
  lastRefresh: number | null
  /** Successful refreshes since this process started. */
  refreshes: number
  /** Failed refreshes in a row. */
  failures: number
  /** Kept on disk, so refreshing survives a restart. */
  persisted: boolean
} & PublishedJSON

/** The record part of a {@link RepublishedRecord}. */
export type PublishedJSON =
  | { type: 'mutable'; publicKey: string; seq: number; value: string; signature: string }
  | { type: 'immutable'; hash: string; value: string }
  | { type: 'announce'; topic: string; publicKey: string; relayAddresses: HostPort[] }

/** The republisher key of a record: `type:hex[:hex]`. */
export function publishedKey(p: Published): string {
  switch (p.type) {
    case 'mutable':
      return `mutable:${p.publicKey.toString('hex')}`
    case 'immutable':
      return `immutable:${p.hash.toString('hex')}`
    case 'announce':
      return announceKey(p.topic, p.keyPair.publicKey)
  }
}

/** The republisher key of `publicKey`'s announce on `topic`. */
export function announceKey(topic: Uint8Array, publicKey: Uint8Array): string {
  return `announce:${hex(topic)}:${hex(publicKey)}`
}

/** The JSON fields describing `p` (without the schedule). */
export function publishedJSON(p: Published): PublishedJSON {
  switch (p.type) {
    case 'mutable':
      return {
        type: 'mutable',
        publicKey: p.publicKey.toString('hex'),
        seq: p.seq,
        value: p.value.toString('hex'),
        signature: p.signature.toString('hex')
      }
    case 'immutable':
      return { type: 'immutable', hash: p.hash.toString('hex'), value: p.value.toString('hex') }
    case 'announce':
      return {
        type: 'announce',
        topic: p.topic.toString('hex'),
        publicKey: hex(p.keyPair.publicKey),
        relayAddresses: p.relayAddresses.map(({ host, port }) => ({ host, port }))
      }
  }
}

/** A record's row on disk: the record plus when it was last put. */
export interface PublishedRow {
  readonly record: Published
  readonly lastRefresh: number | null
}

/** The msgpack row of `p` (an announce's secret key included: the files are mode 0600). */
export function toRow(p: Published, lastRefresh: number | null): Record<string, unknown> {
  const l = lastRefresh
  switch (p.type) {
    case 'mutable':
      return { t: 'm', pk: p.publicKey, s: p.seq, v: p.value, sig: p.signature, l }
    case 'immutable':
      return { t: 'i', h: p.hash, v: p.value, l }
    case 'announce':
      return {
        t: 'a',
        tp: p.topic,
        pk: p.keyPair.publicKey,
        sk: p.keyPair.secretKey,
        r: p.relayAddresses.map(({ host, port }) => ({ host, port })),
        l
      }
  }
}

/** Parse a row written by {@link toRow}; null if malformed. Bytes are copied. */
export function fromRow(row: unknown): PublishedRow | null {
  if (typeof row !== 'object' || row === null) return null
  const r = row as Record<string, unknown>
  const l = r['l']
  const lastRefresh = typeof l === 'number' ? l : null
  switch (r['t']) {
    case 'm': {
      const [pk, v, sig, s] = [bytes(r['pk'], 32), bytes(r['v']), bytes(r['sig'], 64), r['s']]
      if (pk === null || v === null || sig === null || !Number.isSafeInteger(s)) return null
      const record: PublishedMutable = {
        type: 'mutable',
        publicKey: pk,
        seq: s as number,
        value: v,
        signature: sig
      }
      return { record, lastRefresh }
    }
    case 'i': {
      const [h, v] = [bytes(r['h'], 32), bytes(r['v'])]
      if (h === null || v === null) return null
      return { record: { type: 'immutable', hash: h, value: v }, lastRefresh }
    }
    case 'a': {
      const [tp, pk, sk, relays] = [bytes(r['tp'], 32), bytes(r['pk'], 32), bytes(r['sk']), r['r']]
      if (tp === null || pk === null || sk === null || !Array.isArray(relays)) return null
      const relayAddresses = relays.filter(isHostPort).map(({ host, port }) => ({ host, port }))
      const record: PublishedAnnounce = {
        type: 'announce',
        topic: tp,
        keyPair: { publicKey: pk, secretKey: sk },
        relayAddresses
      }
      return { record, lastRefresh }
    }
  }
  return null
}

function bytes(v: unknown, length?: number): Buffer | null {
  if (!(v instanceof Uint8Array)) return null
  if (length !== undefined && v.byteLength !== length) return null
  return Buffer.from(v)
}

function isHostPort(v: unknown): v is HostPort {
  if (typeof v !== 'object' || v === null) return false
  const { host, port } = v as Record<string, unknown>
  return typeof host === 'string' && typeof port === 'number' && Number.isInteger(port)
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}
