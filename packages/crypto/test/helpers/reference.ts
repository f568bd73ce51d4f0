// Test helper: typed handles on the real hyperdht (and the modules it bundles) for differential tests.

import { createRequire } from 'node:module'

const requireHere = createRequire(import.meta.url)
// resolve hyperdht's own dependencies from hyperdht's location, exactly as it loads them
const requireFromHyperdht = createRequire(requireHere.resolve('hyperdht'))

/** An Ed25519 key pair as returned by hyperdht. */
export interface RefKeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

/** The static members of hyperdht's default export that the tests call. */
export interface RefHyperDHT {
  keyPair(seed?: Uint8Array): RefKeyPair
  hash(data: Uint8Array): Buffer
}

/** hyperdht's lib/constants.js. */
export interface RefConstants {
  NS: Record<
    'ANNOUNCE' | 'UNANNOUNCE' | 'MUTABLE_PUT' | 'PEER_HANDSHAKE' | 'PEER_HOLEPUNCH' | 'PLUGIN',
    Buffer
  >
}

/** An announce message as hyperdht's signers take it. */
export interface RefAnnounce {
  peer: { publicKey: Uint8Array; relayAddresses: { host: string; port: number }[] }
  refresh: Uint8Array | null
}

/** hyperdht's lib/persistent.js statics (the record signers). */
export interface RefPersistent {
  signMutable(seq: number, value: Uint8Array, keyPair: RefKeyPair): Buffer
  verifyMutable(
    signature: Uint8Array,
    seq: number,
    value: Uint8Array,
    publicKey: Uint8Array
  ): boolean
  signAnnounce(
    target: Uint8Array,
    token: Uint8Array,
    id: Uint8Array,
    ann: RefAnnounce,
    keyPair: RefKeyPair
  ): Buffer
  signUnannounce(
    target: Uint8Array,
    token: Uint8Array,
    id: Uint8Array,
    ann: RefAnnounce,
    keyPair: RefKeyPair
  ): Buffer
}

/** A compact-encoding codec, opaque to the tests. */
export type RefCodec = { readonly __codec: unique symbol }

/** The compact-encoding functions and hyperdht message codecs the tests use. */
export interface RefEncoding {
  encode(codec: RefCodec, value: unknown): Buffer
  messages: { peer: RefCodec; mutableSignable: RefCodec }
}

/** dht-rpc's lib/peer.js. */
export interface RefPeer {
  id(host: string, port: number): Buffer
}

/** dht-rpc's IO prototype, whose `token` reads `this._secrets`. */
export interface RefIO {
  prototype: {
    token(this: { _secrets: Uint8Array[] | null }, addr: { host: string }, i: number): Buffer
  }
}

/** hypercore-crypto's sign/verify/namespace (hyperdht's crypto dependency). */
export interface RefHypercoreCrypto {
  sign(message: Uint8Array, secretKey: Uint8Array): Buffer
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean
  namespace(name: string, ids: number[]): Buffer[]
}

/** Loads hyperdht's default export. */
export function hyperdht(): RefHyperDHT {
  return requireHere('hyperdht') as RefHyperDHT
}

/** Loads hyperdht's constants module. */
export function hyperdhtConstants(): RefConstants {
  return requireFromHyperdht('./lib/constants.js') as RefConstants
}

/** Loads hyperdht's Persistent class (static signers). */
export function hyperdhtPersistent(): RefPersistent {
  return requireFromHyperdht('./lib/persistent.js') as RefPersistent
}

/** compact-encoding as hyperdht uses it, plus hyperdht's message codecs. */
export function hyperdhtEncoding(): RefEncoding {
  const c = requireFromHyperdht('compact-encoding') as Pick<RefEncoding, 'encode'>
  const messages = requireFromHyperdht('./lib/messages.js') as RefEncoding['messages']
  return { encode: (codec, value) => c.encode(codec, value), messages }
}

/** dht-rpc's peer module as hyperdht loads it. */
export function dhtRpcPeer(): RefPeer {
  return requireFromHyperdht('dht-rpc/lib/peer.js') as RefPeer
}

/** dht-rpc's IO class as hyperdht loads it. */
export function dhtRpcIO(): RefIO {
  return requireFromHyperdht('dht-rpc/lib/io.js') as RefIO
}

/** hypercore-crypto as hyperdht loads it. */
export function hypercoreCrypto(): RefHypercoreCrypto {
  return requireFromHyperdht('hypercore-crypto') as RefHypercoreCrypto
}
