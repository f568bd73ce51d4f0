// Turning dht-rpc replies into hyperdht's result objects; undecodable values become "no result".

import type { Peer as RpcPeer, Reply } from '@keymesh/dht-rpc'
import type { Peer } from '@keymesh/wire'
import { lookupRawReply, mutableGetResponse, peer, tryDecode } from '@keymesh/wire'

/** Fields every mapped reply carries. */
export interface ReplyInfo {
  /** Token the responder issued (to commit to it). */
  token: Buffer | null
  /** The responder. */
  from: RpcPeer
  /** Our address as the responder saw it. */
  to: RpcPeer
}

/** One `lookup()`/`announce()` result: the records a node holds for the topic. */
export interface LookupResult extends ReplyInfo {
  peers: Peer[]
  /** Highest announce bump the node saw for the topic. */
  bump: number
}

/** One `findPeer()` result: the server record a node holds. */
export interface FindPeerResult extends ReplyInfo {
  peer: Peer
}

/** One immutable value from a node (not yet checked against its hash). */
export interface ImmutableResult extends ReplyInfo {
  value: Buffer
}

/** One mutable record from a node (not yet checked against its signature). */
export interface MutableResult extends ReplyInfo {
  seq: number
  value: Buffer
  signature: Buffer
}

/** LOOKUP reply → {@link LookupResult}, or null without a decodable value. */
export function mapLookup(reply: Reply): LookupResult | null {
  if (reply.value === null) return null
  const decoded = tryDecode(lookupRawReply, reply.value)
  if (decoded === null) return null
  return { token: reply.token, from: reply.from, to: reply.to, ...decoded }
}

/** FIND_PEER reply → {@link FindPeerResult}, or null. */
export function mapFindPeer(reply: Reply): FindPeerResult | null {
  if (reply.value === null) return null
  const decoded = tryDecode(peer, reply.value)
  if (decoded === null) return null
  return { token: reply.token, from: reply.from, to: reply.to, peer: decoded }
}

/** IMMUTABLE_GET reply → {@link ImmutableResult}, or null. */
export function mapImmutable(reply: Reply): ImmutableResult | null {
  if (reply.value === null) return null
  return { token: reply.token, from: reply.from, to: reply.to, value: reply.value }
}

/** MUTABLE_GET reply → {@link MutableResult}, or null. */
export function mapMutable(reply: Reply): MutableResult | null {
  if (reply.value === null) return null
  const decoded = tryDecode(mutableGetResponse, reply.value)
  if (decoded === null) return null
  return { token: reply.token, from: reply.from, to: reply.to, ...decoded }
}
