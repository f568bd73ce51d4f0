// Public surface of @keymesh/crypto: key pairs, signatures, hashes, namespaces, ids, tokens, signables.

export { CryptoError, CRYPTO_ERROR_CODES } from './errors.js'
export type { CryptoErrorCode } from './errors.js'
export {
  PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES,
  SEED_BYTES,
  SIGNATURE_BYTES,
  HASH_BYTES,
  HASH512_BYTES,
  KEYED_HASH_KEY_MIN_BYTES,
  KEYED_HASH_KEY_MAX_BYTES
} from './sizes.js'
export { keyPair } from './key-pair.js'
export type { KeyPair } from './key-pair.js'
export { sign, verify } from './signature.js'
export { hash, hash512, keyedHash } from './hash.js'
export { randomBytes } from './random.js'
export {
  namespace,
  NS,
  NS_SECRET_STREAM,
  DHT_NAMESPACE_NAME,
  SECRET_STREAM_NAMESPACE_NAME
} from './namespaces.js'
export type { DhtNamespaces, SecretStreamNamespaces } from './namespaces.js'
export { nodeId, ipv4AddressBytes, IPV4_ADDRESS_BYTES } from './node-id.js'
export { TokenSecrets, TOKEN_SECRET_BYTES } from './token-secrets.js'
export type { TokenSecretIndex } from './token-secrets.js'
export {
  announceSignable,
  unannounceSignable,
  mutableSignable,
  SIGNABLE_BYTES
} from './signable.js'
export {
  signAnnounce,
  signUnannounce,
  signMutable,
  verifyAnnounce,
  verifyUnannounce,
  verifyMutable
} from './record-signature.js'
export { holepunchSecret, streamId, unorderedKeys } from './handshake-keys.js'
export type { UnorderedKeys } from './handshake-keys.js'
export { holepunchToken, HOLEPUNCH_SECRET_BYTES } from './holepunch-token.js'
