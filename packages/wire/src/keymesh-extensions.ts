// keymesh extension commands (watches, notifications, named records): ids, error numbers, codecs.
//
// These are dht-rpc application commands outside hyperdht's 0-10. Nodes that do not know them
// (the real hyperdht) answer UNKNOWN_COMMAND, which callers treat as "not supported". Layouts, in
// wire order (compact-encoding primitives, docs/wire-protocol.md §1):
//
//   WATCH     target = watched target   value = watchRequest  reply = watchReply
//   UNWATCH   target = watched target   value = fixed16 id     reply = empty
//   NOTIFY    target = watched target   value = notifyMessage  reply = empty (sent by the storer)
//   NAMED_PUT target = namedTarget(key) value = namedRecord    reply = empty
//   NAMED_GET target = namedTarget(key) value = empty          reply = namedRecord or empty
//
// WATCH, UNWATCH and NAMED_PUT carry a round-trip token, like hyperdht's puts.

import type { Codec } from './codec.js'
import { K, MAX_DATAGRAM_BYTES } from './constants.js'
import { peer, type Peer } from './hyperdht.js'
import { array, buffer, fixed, fixed32, fixed64, readFlags, string, uint } from './primitives.js'

/** First id of the keymesh command block; hyperdht uses 0-10, the block 64-79 is keymesh's. */
export const KEYMESH_COMMAND_BASE = 64

/** keymesh extension command ids. */
export const KEYMESH_COMMANDS = Object.freeze({
  WATCH: 64,
  UNWATCH: 65,
  NOTIFY: 66,
  NAMED_PUT: 67,
  NAMED_GET: 68
})

/**
 * Reply error numbers of the extension commands. Named puts reuse hyperdht's SEQ_REUSED (16) and
 * SEQ_TOO_LOW (17); these are new and start at 64 so they never meet a hyperdht number.
 */
export const KEYMESH_WIRE_ERRORS = Object.freeze({
  /** The storer is at one of its watch caps (global, per source, per target). */
  WATCH_LIMIT: 64,
  /** NOTIFY for a watch the receiver does not hold (the storer drops the registration). */
  WATCH_UNKNOWN: 65,
  /** NAMED_PUT signed by another key than the record's first owner. */
  NAMED_NOT_OWNER: 66,
  /** NAMED_PUT whose `expTime` has passed. */
  NAMED_EXPIRED: 67
})

/** What a watch follows. */
export const WATCH_KINDS = Object.freeze({
  /** A mutable record: target `H(publicKey)`; notifications carry the record. */
  MUTABLE: 1,
  /** A topic: target the topic; notifications carry added and removed peers. */
  TOPIC: 2,
  /** A named record: target `namedTarget(key)`; notifications carry the record. */
  NAMED: 3
})

/** Bytes of a watch id (random, chosen by the watcher). */
export const WATCH_ID_BYTES = 16
/** Longest named-record key, in UTF-8 bytes. */
export const MAX_NAMED_KEY_BYTES = 256
/** Most peers one NOTIFY lists as added, and as removed. */
export const MAX_NOTIFY_PEERS = K

const watchId = fixed(WATCH_ID_BYTES, 'watchId')
const valueBytes = buffer(MAX_DATAGRAM_BYTES, 'value')
const recordBytes = buffer(MAX_DATAGRAM_BYTES, 'record')
const namedKey = string(MAX_NAMED_KEY_BYTES, 'key')

/** WATCH value. */
export interface WatchRequest<B extends Uint8Array = Buffer> {
  /** `WATCH_KINDS`. */
  kind: number
  /** The watcher's id for this watch; a repeat WATCH with the same id refreshes it. */
  id: B
  /** Lifetime asked for, in ms (the storer may grant less). */
  ttl: number
}

/** WATCH value codec: `uint kind, fixed16 id, uint ttl`. */
export const watchRequest: Codec<WatchRequest<Uint8Array>, WatchRequest> = {
  name: 'watchRequest',
  preencode(state, m) {
    uint.preencode(state, m.kind)
    watchId.preencode(state, m.id)
    uint.preencode(state, m.ttl)
  },
  encode(state, m) {
    uint.encode(state, m.kind)
    watchId.encode(state, m.id)
    uint.encode(state, m.ttl)
  },
  decode(state) {
    return { kind: uint.decode(state), id: watchId.decode(state), ttl: uint.decode(state) }
  }
}

/** WATCH reply value: the granted lifetime in ms (`uint`). */
export const watchReply: Codec<number> = { ...uint, name: 'watchReply' }

/** UNWATCH value: the watch id (`fixed16`). */
export const unwatchRequest: Codec<Uint8Array, Buffer> = { ...watchId, name: 'unwatchRequest' }

/** NOTIFY value: what changed on the storer since the last notification of this watch. */
export interface NotifyMessage<B extends Uint8Array = Buffer> {
  id: B
  kind: number
  /** MUTABLE: an encoded `mutableGetResponse`; NAMED: an encoded `namedRecord`; else null. */
  record: B | null
  /** TOPIC: peers announced since the last notification. */
  added: Peer<B>[]
  /** TOPIC: public keys of peers that went (unannounced or expired). */
  removed: B[]
  /** TOPIC: more changed than one message holds; the watcher should look the topic up. */
  overflow: boolean
}

const NOTIFY_RECORD = 1
const NOTIFY_OVERFLOW = 2
const PEER_MIN_BYTES = 33
const addedPeers = array(peer, MAX_NOTIFY_PEERS, PEER_MIN_BYTES, 'added')
const removedKeys = array(fixed32, MAX_NOTIFY_PEERS, 32, 'removed', true)

/**
 * NOTIFY value codec: `fixed16 id, uint kind, uint flags (1: record, 2: overflow),
 * [buffer record], peer[] added, fixed32[] removed`.
 */
export const notifyMessage: Codec<NotifyMessage<Uint8Array>, NotifyMessage> = {
  name: 'notifyMessage',
  preencode(state, m) {
    watchId.preencode(state, m.id)
    uint.preencode(state, m.kind)
    state.end++ // flags
    if (m.record) recordBytes.preencode(state, m.record)
    addedPeers.preencode(state, m.added)
    removedKeys.preencode(state, m.removed)
  },
  encode(state, m) {
    watchId.encode(state, m.id)
    uint.encode(state, m.kind)
    uint.encode(state, (m.record ? NOTIFY_RECORD : 0) | (m.overflow ? NOTIFY_OVERFLOW : 0))
    if (m.record) recordBytes.encode(state, m.record)
    addedPeers.encode(state, m.added)
    removedKeys.encode(state, m.removed)
  },
  decode(state) {
    const id = watchId.decode(state)
    const kind = uint.decode(state)
    const flags = readFlags(state, NOTIFY_RECORD | NOTIFY_OVERFLOW, 'notifyMessage')
    return {
      id,
      kind,
      record: flags & NOTIFY_RECORD ? recordBytes.decode(state) : null,
      added: addedPeers.decode(state),
      removed: removedKeys.decode(state),
      overflow: (flags & NOTIFY_OVERFLOW) !== 0
    }
  }
}

/** The bytes a named record's signature covers, before hashing. */
export interface NamedSignable<B extends Uint8Array = Buffer> {
  key: string
  seq: number
  /** Unix time in seconds after which the record is void; 0 = never. */
  expTime: number
  value: B
}

/** `string key, uint seq, uint expTime, buffer value`. */
export const namedSignable: Codec<NamedSignable<Uint8Array>, NamedSignable> = {
  name: 'namedSignable',
  preencode(state, m) {
    namedKey.preencode(state, m.key)
    uint.preencode(state, m.seq)
    uint.preencode(state, m.expTime)
    valueBytes.preencode(state, m.value)
  },
  encode(state, m) {
    namedKey.encode(state, m.key)
    uint.encode(state, m.seq)
    uint.encode(state, m.expTime)
    valueBytes.encode(state, m.value)
  },
  decode(state) {
    return {
      key: namedKey.decode(state),
      seq: uint.decode(state),
      expTime: uint.decode(state),
      value: valueBytes.decode(state)
    }
  }
}

/** A named record: a string key secured by its first owner's Ed25519 key. */
export interface NamedRecord<B extends Uint8Array = Buffer> extends NamedSignable<B> {
  /** The owner's Ed25519 public key. */
  publicKey: B
  /** Ed25519 over `NS_NAMED || H(namedSignable)`. */
  signature: B
}

/**
 * NAMED_PUT value and NAMED_GET reply codec: `string key, fixed32 publicKey, uint seq,
 * uint expTime, buffer value, fixed64 signature`.
 */
export const namedRecord: Codec<NamedRecord<Uint8Array>, NamedRecord> = {
  name: 'namedRecord',
  preencode(state, m) {
    namedKey.preencode(state, m.key)
    fixed32.preencode(state, m.publicKey)
    uint.preencode(state, m.seq)
    uint.preencode(state, m.expTime)
    valueBytes.preencode(state, m.value)
    fixed64.preencode(state, m.signature)
  },
  encode(state, m) {
    namedKey.encode(state, m.key)
    fixed32.encode(state, m.publicKey)
    uint.encode(state, m.seq)
    uint.encode(state, m.expTime)
    valueBytes.encode(state, m.value)
    fixed64.encode(state, m.signature)
  },
  decode(state) {
    const key = namedKey.decode(state)
    const publicKey = fixed32.decode(state)
    const seq = uint.decode(state)
    const expTime = uint.decode(state)
    const value = valueBytes.decode(state)
    const signature = fixed64.decode(state)
    return { key, publicKey, seq, expTime, value, signature }
  }
}
