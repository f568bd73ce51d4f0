// Namespace hashes: namespace(name, id) and the hyperdht and secret-stream constants (§4.2).

import b4a from 'b4a'
import { assertString, utf8 } from './bytes.js'
import { CryptoError } from './errors.js'
import { hash } from './hash.js'

/**
 * Derives one namespace per id: `namespace(name, id) = H(H(utf8(name)) || byte(id))`.
 *
 * @param name - namespace name, e.g. `'hyperswarm/dht'`
 * @param ids - ids, each an integer 0..255 (written as one byte)
 * @returns one new 32-byte Buffer per id, in the same order
 * @throws CryptoError `INVALID_ARGUMENT` if `name` is not a string, `ids` is not an array or an
 *   id is not an integer 0..255
 */
export function namespace(name: string, ids: readonly number[]): Buffer[] {
  assertString(name, 'name')
  if (!Array.isArray(ids)) throw CryptoError.INVALID_ARGUMENT('ids must be an array of numbers')
  const input = b4a.alloc(33)
  hash(utf8(name)).copy(input, 0)
  return ids.map((id) => {
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw CryptoError.INVALID_ARGUMENT(
        `namespace id must be an integer 0..255, got ${String(id)}`
      )
    }
    input[32] = id
    return hash(input)
  })
}

/** Name of hyperdht's namespace family. */
export const DHT_NAMESPACE_NAME = 'hyperswarm/dht'
/** Name of @hyperswarm/secret-stream's namespace family. */
export const SECRET_STREAM_NAMESPACE_NAME = 'hyperswarm/secret-stream'

/** The hyperdht namespaces by name. */
export interface DhtNamespaces {
  /** id 4: first half of the announce signable. */
  readonly ANNOUNCE: Buffer
  /** id 5: first half of the unannounce signable. */
  readonly UNANNOUNCE: Buffer
  /** id 6: first half of the mutable-put signable. */
  readonly MUTABLE_PUT: Buffer
  /** id 0: Noise prologue of the hyperdht IK handshake. */
  readonly PEER_HANDSHAKE: Buffer
  /** id 1: hashed under the handshake hash to derive the holepunch secret. */
  readonly PEER_HOLEPUNCH: Buffer
  /** id 10: reserved for plugins, unused by hyperdht core. */
  readonly PLUGIN: Buffer
}

/** The secret-stream namespaces by name. */
export interface SecretStreamNamespaces {
  /** id 0: initiator stream id and unordered-message key derivation. */
  readonly INITIATOR: Buffer
  /** id 1: responder stream id and unordered-message key derivation. */
  readonly RESPONDER: Buffer
  /** id 2: suffix of the unordered-message key inputs. */
  readonly SEND: Buffer
}

function dhtNamespaces(): DhtNamespaces {
  const [ANNOUNCE, UNANNOUNCE, MUTABLE_PUT, PEER_HANDSHAKE, PEER_HOLEPUNCH, PLUGIN] = namespace(
    DHT_NAMESPACE_NAME,
    [4, 5, 6, 0, 1, 10]
  ) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer]
  return { ANNOUNCE, UNANNOUNCE, MUTABLE_PUT, PEER_HANDSHAKE, PEER_HOLEPUNCH, PLUGIN }
}

function secretStreamNamespaces(): SecretStreamNamespaces {
  const [INITIATOR, RESPONDER, SEND] = namespace(SECRET_STREAM_NAMESPACE_NAME, [0, 1, 2]) as [
    Buffer,
    Buffer,
    Buffer
  ]
  return { INITIATOR, RESPONDER, SEND }
}

/**
 * hyperdht's namespaces (`'hyperswarm/dht'`, command id as the byte). Computed at module load;
 * the object is frozen. This package derives its own values from a private copy, so writing
 * into these Buffers cannot change what it signs.
 */
export const NS: DhtNamespaces = Object.freeze(dhtNamespaces())

/**
 * @hyperswarm/secret-stream's namespaces (`'hyperswarm/secret-stream'`, ids 0..2). Computed at
 * module load; the object is frozen; internal derivations use a private copy.
 */
export const NS_SECRET_STREAM: SecretStreamNamespaces = Object.freeze(secretStreamNamespaces())

/**
 * Private copies used by this package's own derivations.
 * @internal
 */
export const INTERNAL_NS: DhtNamespaces = Object.freeze(dhtNamespaces())

/**
 * Private copies used by this package's own derivations.
 * @internal
 */
export const INTERNAL_NS_SECRET_STREAM: SecretStreamNamespaces =
  Object.freeze(secretStreamNamespaces())
