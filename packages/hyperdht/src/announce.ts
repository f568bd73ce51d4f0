// Signing and sending ANNOUNCE / UNANNOUNCE to one storing node (§4.6, §4.8).

import type { Peer as RpcPeer, Reply, SessionHost } from '@keymesh/dht-rpc'
import type { KeyPair } from '@keymesh/crypto'
import { signAnnounce, signUnannounce } from '@keymesh/crypto'
import type { Announce, PeerAddress } from '@keymesh/wire'
import { COMMANDS, announce, encode, peer } from '@keymesh/wire'
import { HyperDHTError } from './errors.js'

/** The announce being signed, as hyperdht passes it to a custom signer. */
export interface AnnounceToSign {
  peer: { publicKey: Uint8Array; relayAddresses: PeerAddress[] }
  refresh: Uint8Array | null
  signature: Uint8Array | null
  bump?: number
}

/**
 * Signs an announce or unannounce for one storing node: `(target, token, nodeId, ann, keyPair)`,
 * hyperdht's `signAnnounce`/`signUnannounce` option shape. May be async (a remote signer).
 */
export type AnnounceSigner = (
  target: Uint8Array,
  token: Uint8Array,
  nodeId: Uint8Array,
  ann: AnnounceToSign,
  keyPair: KeyPair
) => Uint8Array | Promise<Uint8Array>

/** The default announce signer: NS_ANNOUNCE over the storing node's id and token. */
export const defaultSignAnnounce: AnnounceSigner = (target, token, nodeId, ann, keyPair) =>
  signAnnounce(target, nodeId, token, encode(peer, ann.peer), ann.refresh, keyPair.secretKey)

/** The default unannounce signer: NS_UNANNOUNCE, same construction. */
export const defaultSignUnannounce: AnnounceSigner = (target, token, nodeId, ann, keyPair) =>
  signUnannounce(target, nodeId, token, encode(peer, ann.peer), ann.refresh, keyPair.secretKey)

/** What sending needs from the node. */
type AnnounceHost = Pick<SessionHost, 'request'>

/** What to announce to one node. */
export interface AnnounceRequest {
  keyPair: KeyPair
  target: Uint8Array
  /** The node's token and identity, from its LOOKUP/FIND_PEER reply. */
  token: Uint8Array | null
  from: RpcPeer
  relayAddresses: readonly PeerAddress[]
  sign: AnnounceSigner
  bump: number
  signal?: AbortSignal | undefined
}

/** Sign and send one ANNOUNCE; resolves with the node's reply. */
export async function requestAnnounce(dht: AnnounceHost, a: AnnounceRequest): Promise<Reply> {
  return send(dht, a, COMMANDS.ANNOUNCE)
}

/** Sign and send one UNANNOUNCE (no relay addresses, no bump, as hyperdht sends it). */
export async function requestUnannounce(
  dht: AnnounceHost,
  a: Omit<AnnounceRequest, 'relayAddresses' | 'bump'>
): Promise<Reply> {
  return send(dht, { ...a, relayAddresses: [], bump: 0 }, COMMANDS.UNANNOUNCE)
}

async function send(dht: AnnounceHost, a: AnnounceRequest, command: number): Promise<Reply> {
  const { token, from, bump } = a
  if (token === null || from.id === null) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'the storing node sent no token or id')
  }
  const ann: AnnounceToSign = {
    peer: { publicKey: a.keyPair.publicKey, relayAddresses: [...a.relayAddresses] },
    refresh: null,
    signature: null,
    bump
  }
  ann.signature = await a.sign(a.target, token, from.id, ann, a.keyPair)
  const value: Announce<Uint8Array> = {
    peer: ann.peer,
    refresh: null,
    signature: ann.signature,
    bump
  }
  const opts = a.signal === undefined ? undefined : { signal: a.signal }
  return dht.request(
    { token, target: a.target, command, value: encode(announce, value) },
    from,
    opts
  )
}
