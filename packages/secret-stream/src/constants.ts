// Sizes and limits of the secret stream and its Noise handshake (wire-protocol.md §5.1, §8.2).

import {
  MAX_NOISE_MESSAGE_BYTES,
  MAX_SECRET_STREAM_FRAME_BYTES,
  SECRETSTREAM_ABYTES
} from '@keymesh/wire'

/** Largest frame body a uint24 length can announce: 2^24 − 1 bytes (the real `MAX_ATOMIC_WRITE`). */
export const MAX_ATOMIC_WRITE_BYTES = MAX_SECRET_STREAM_FRAME_BYTES

/** Largest plaintext one `write()` can carry: the frame limit minus the 17 secretstream bytes. */
export const MAX_MESSAGE_BYTES = MAX_ATOMIC_WRITE_BYTES - SECRETSTREAM_ABYTES

/** Largest Noise handshake message (Noise spec; noise-handshake enforces the same). */
export const MAX_HANDSHAKE_MESSAGE_BYTES = MAX_NOISE_MESSAGE_BYTES

/** Bytes of an Ed25519 public key, a DH output and a cipher key. */
export const KEY_BYTES = 32

/** Bytes of the Noise handshake hash and chaining key (BLAKE2b-512). */
export const HASH_BYTES = 64

/** Bytes of a ChaCha20-Poly1305 tag in handshake messages. */
export const AEAD_TAG_BYTES = 16

/** Bytes of an Ed25519 libsodium secret key (seed || public key). */
export const SECRET_KEY_BYTES = 64
