// Narrow ambient types for the parts of sodium-universal (libsodium bindings) that @keymesh/crypto calls.

declare module 'sodium-universal' {
  /** The subset of libsodium's API used by this package; names and argument order follow libsodium. */
  interface SodiumSubset {
    /** BLAKE2b of `input` into `output` (16..64 bytes), optionally keyed with a 16..64 byte `key`. */
    crypto_generichash(output: Uint8Array, input: Uint8Array, key?: Uint8Array): void
    /** BLAKE2b over the concatenation of `inputs`, without materialising the concatenation. */
    crypto_generichash_batch(
      output: Uint8Array,
      inputs: readonly Uint8Array[],
      key?: Uint8Array
    ): void
    /** Fresh random Ed25519 key pair: `pk` 32 bytes, `sk` 64 bytes. */
    crypto_sign_keypair(pk: Uint8Array, sk: Uint8Array): void
    /** Ed25519 key pair derived from a 32-byte `seed`; `sk` becomes `seed || pk`. */
    crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
    /** Writes the 64-byte detached Ed25519 signature of `m` under `sk` into `sig`. */
    crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
    /** True when `sig` is a valid Ed25519 signature of `m` under `pk`. */
    crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
    /** Fills `buf` with cryptographically secure random bytes. */
    randombytes_buf(buf: Uint8Array): void
    /** Constant-time equality of two arrays of the same length. */
    sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean
  }

  const sodium: SodiumSubset
  export = sodium
}
