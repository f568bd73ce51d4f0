// Narrow ambient types for the parts of sodium-universal (libsodium) that @keymesh/holepunch calls.

declare module 'sodium-universal' {
  /** The subset of libsodium used by this package; names and argument order follow libsodium. */
  interface SodiumSubset {
    /** XSalsa20-Poly1305: writes MAC, then ciphertext of `m`, into `c` (`m.byteLength + 16`). */
    crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void
    /** Opens `c` (MAC then ciphertext) into `m` (`c.byteLength - 16` bytes); false on a bad MAC. */
    crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean
  }

  const sodium: SodiumSubset
  export = sodium
}
