// Byte sizes of the keys, signatures, hashes and secrets this package reads and writes.

/** Ed25519 public key length. */
export const PUBLIC_KEY_BYTES = 32
/** Ed25519 secret key length (`seed || publicKey`). */
export const SECRET_KEY_BYTES = 64
/** Ed25519 seed length. */
export const SEED_BYTES = 32
/** Ed25519 detached signature length. */
export const SIGNATURE_BYTES = 64
/** Output length of `hash` and `keyedHash` (BLAKE2b-256); also targets, node ids and tokens. */
export const HASH_BYTES = 32
/** Output length of `hash512` (BLAKE2b-512); also the Noise handshake hash. */
export const HASH512_BYTES = 64
/** Smallest key libsodium's `crypto_generichash` accepts. */
export const KEYED_HASH_KEY_MIN_BYTES = 16
/** Largest key libsodium's `crypto_generichash` accepts. */
export const KEYED_HASH_KEY_MAX_BYTES = 64
