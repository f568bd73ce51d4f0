// Narrow ambient types for the parts of sodium-universal (libsodium) that @keymesh/secret-stream calls.

declare module 'sodium-universal' {
  /** The subset of libsodium used by this package; names and argument order follow libsodium. */
  interface SodiumSubset {
    /** BLAKE2b over the concatenation of `inputs` into `output` (16..64 bytes), optionally keyed. */
    crypto_generichash_batch(
      output: Uint8Array,
      inputs: readonly Uint8Array[],
      key?: Uint8Array
    ): void
    /** SHA-512 of `input` into the 64-byte `output`. */
    crypto_hash_sha512(output: Uint8Array, input: Uint8Array): void
    /** `q = n * p` on Ed25519 without clamping `n`; throws for small-order or invalid points. */
    crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
    /** ChaCha20-Poly1305 (IETF) encryption; `c` is `m.byteLength + 16` bytes. */
    crypto_aead_chacha20poly1305_ietf_encrypt(
      c: Uint8Array,
      m: Uint8Array,
      ad: Uint8Array | null,
      nsec: null,
      npub: Uint8Array,
      k: Uint8Array
    ): number
    /** ChaCha20-Poly1305 (IETF) decryption; throws when authentication fails. */
    crypto_aead_chacha20poly1305_ietf_decrypt(
      m: Uint8Array,
      nsec: null,
      c: Uint8Array,
      ad: Uint8Array | null,
      npub: Uint8Array,
      k: Uint8Array
    ): number
    /** Initialises a secretstream push state and writes a random 24-byte header. */
    crypto_secretstream_xchacha20poly1305_init_push(
      state: Uint8Array,
      header: Uint8Array,
      key: Uint8Array
    ): void
    /** Initialises a secretstream state from a 24-byte header. */
    crypto_secretstream_xchacha20poly1305_init_pull(
      state: Uint8Array,
      header: Uint8Array,
      key: Uint8Array
    ): void
    /** Encrypts `m` into `c` (`m.byteLength + 17` bytes) with `tag`; `c` may overlap `m` at +1. */
    crypto_secretstream_xchacha20poly1305_push(
      state: Uint8Array,
      c: Uint8Array,
      m: Uint8Array,
      ad: Uint8Array | null,
      tag: number
    ): number
    /** Decrypts `c` into `m`, writing the tag byte into `tag`; throws when authentication fails. */
    crypto_secretstream_xchacha20poly1305_pull(
      state: Uint8Array,
      m: Uint8Array,
      tag: Uint8Array,
      c: Uint8Array,
      ad: Uint8Array | null
    ): number
    /** Bytes of a secretstream state. */
    readonly crypto_secretstream_xchacha20poly1305_STATEBYTES: number
    /** Tag of an ordinary message. */
    readonly crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: number
    /** XSalsa20-Poly1305 box of `m` into `c` (`m.byteLength + 16` bytes, MAC first). */
    crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void
    /** Opens a secretbox; returns false when authentication fails. */
    crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean
    /** Fills `buf` with cryptographically secure random bytes. */
    randombytes_buf(buf: Uint8Array): void
    /** Little-endian increment of `n` by one, in place. */
    sodium_increment(n: Uint8Array): void
    /** Constant-time equality of two arrays of the same length. */
    sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean
    /** Overwrites `buf` with zeros in a way the compiler cannot remove. */
    sodium_memzero(buf: Uint8Array): void
  }

  const sodium: SodiumSubset
  export = sodium
}
