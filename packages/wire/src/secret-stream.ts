// Secret-stream framing: uint24 frames, the 56-byte header, unordered datagrams (§8.2).

import type { Codec } from './codec.js'
import { MAX_SECRET_STREAM_FRAME_BYTES, SECRET_STREAM_HEADER_BYTES } from './constants.js'
import { WireError } from './errors.js'
import { bytesOf, fixed, fixed32, need, raw, uint24 } from './primitives.js'

/** Bytes libsodium's secretstream adds to each message: 1 tag byte + 16 MAC bytes. */
export const SECRETSTREAM_ABYTES = 17
/** Bytes of a libsodium secretstream header. */
export const SECRETSTREAM_HEADER_BYTES = 24
/** Bytes of a frame's length prefix. */
export const FRAME_PREFIX_BYTES = 3

/**
 * Length of the frame starting at `offset` (prefix included), or -1 when fewer than 3 bytes
 * are there yet: for incremental parsers of the ordered byte stream.
 */
export function peekFrameLength(bytes: Uint8Array, offset = 0): number {
  if (bytes.byteLength - offset < FRAME_PREFIX_BYTES) return -1
  const len =
    (bytes[offset] as number) |
    ((bytes[offset + 1] as number) << 8) |
    ((bytes[offset + 2] as number) << 16)
  return FRAME_PREFIX_BYTES + len
}

/** One frame on the ordered stream: uint24 LE length then that many bytes (§8.2). */
export const secretStreamFrame: Codec<Uint8Array, Buffer> = {
  name: 'secretStreamFrame',
  preencode(state, body) {
    if (!(body instanceof Uint8Array) || body.byteLength > MAX_SECRET_STREAM_FRAME_BYTES) {
      throw WireError.encode('secretStreamFrame', 'frame body must be at most 2^24-1 bytes')
    }
    state.end += FRAME_PREFIX_BYTES + body.byteLength
  },
  encode(state, body) {
    uint24.encode(state, body.byteLength)
    raw.encode(state, body)
  },
  decode(state) {
    const len = uint24.decode(state)
    need(state, len, 'secretStreamFrame')
    const out = bytesOf(state).subarray(state.start, state.start + len)
    state.start += len
    return out
  }
}

/** The first frame each side sends (§8.2). */
export interface SecretStreamHeader<B extends Uint8Array = Buffer> {
  /** H_{handshakeHash}(NS_INITIATOR or NS_RESPONDER), for the sender's own role. */
  streamId: B
  /** libsodium secretstream push header. */
  header: B
}

const header24 = fixed(SECRETSTREAM_HEADER_BYTES, 'header')

/** The framed header message: `38 00 00` + streamId (32) + secretstream header (24). */
export const secretStreamHeader: Codec<SecretStreamHeader<Uint8Array>, SecretStreamHeader> = {
  name: 'secretStreamHeader',
  preencode(state, m) {
    state.end += FRAME_PREFIX_BYTES
    fixed32.preencode(state, m.streamId)
    header24.preencode(state, m.header)
  },
  encode(state, m) {
    uint24.encode(state, SECRET_STREAM_HEADER_BYTES)
    fixed32.encode(state, m.streamId)
    header24.encode(state, m.header)
  },
  decode(state) {
    const at = state.start
    const len = uint24.decode(state)
    if (len !== SECRET_STREAM_HEADER_BYTES) {
      throw WireError.decode('INVALID_VALUE', 'secretStreamHeader', at, `header length ${len}`)
    }
    return { streamId: fixed32.decode(state), header: header24.decode(state) }
  }
}

/**
 * An encrypted data frame: uint24 length + secretstream ciphertext, which is never shorter
 * than 17 bytes (an empty message, i.e. a keep-alive, is exactly 17).
 */
export const secretStreamMessage: Codec<Uint8Array, Buffer> = {
  name: 'secretStreamMessage',
  preencode(state, ciphertext) {
    if (ciphertext.byteLength < SECRETSTREAM_ABYTES) {
      throw WireError.encode('secretStreamMessage', 'ciphertext shorter than 17 bytes')
    }
    secretStreamFrame.preencode(state, ciphertext)
  },
  encode(state, ciphertext) {
    secretStreamFrame.encode(state, ciphertext)
  },
  decode(state) {
    const at = state.start
    const body = secretStreamFrame.decode(state)
    if (body.byteLength < SECRETSTREAM_ABYTES) {
      throw WireError.decode('INVALID_VALUE', 'secretStreamMessage', at, 'frame under 17 bytes')
    }
    return body
  }
}

/** An unordered (`send`/`trySend`) datagram: 8-byte counter + secretbox (§8.2). */
export interface UnorderedMessage<B extends Uint8Array = Buffer> {
  /** Little-endian counter; the first 8 bytes of the 24-byte nonce. */
  counter: B
  /** `crypto_secretbox_easy` output: 16-byte MAC then ciphertext. */
  box: B
}

const counter8 = fixed(8, 'counter')

/** Unordered datagram codec; shorter than 24 bytes is malformed (§8.2). No length prefix. */
export const unorderedMessage: Codec<UnorderedMessage<Uint8Array>, UnorderedMessage> = {
  name: 'unorderedMessage',
  preencode(state, m) {
    counter8.preencode(state, m.counter)
    if (m.box.byteLength < 16) throw WireError.encode('unorderedMessage', 'box under 16 bytes')
    raw.preencode(state, m.box)
  },
  encode(state, m) {
    counter8.encode(state, m.counter)
    raw.encode(state, m.box)
  },
  decode(state) {
    need(state, 24, 'unorderedMessage')
    return { counter: counter8.decode(state), box: raw.decode(state) }
  }
}
