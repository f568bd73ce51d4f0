// Frame limits per phase, checked on a frame's length prefix before its body is buffered (§5.1, §8.2).

import { SECRETSTREAM_ABYTES, SECRET_STREAM_HEADER_BYTES } from '@keymesh/wire'
import { MAX_HANDSHAKE_MESSAGE_BYTES } from './constants.js'
import { SecretStreamError } from './errors.js'

/**
 * What a stream's next incoming frame is: a handshake message, the peer's header, or data.
 * @internal
 */
export type StreamPhase = 'handshake' | 'header' | 'data'

/**
 * The error for a frame body of `bodyLength` bytes in `phase`, or null if it may be read.
 * Handshake messages are capped at 65 535 bytes, the header is exactly 56 bytes, and a data
 * frame holds at least the 17 secretstream bytes and at most `maxDataBody`.
 * @internal
 */
export function frameLengthError(
  phase: StreamPhase,
  bodyLength: number,
  maxDataBody: number
): SecretStreamError | null {
  if (phase === 'data') {
    if (bodyLength < SECRETSTREAM_ABYTES) {
      return SecretStreamError.INVALID_MESSAGE('Invalid message received')
    }
    if (bodyLength <= maxDataBody) return null
    return SecretStreamError.FRAME_TOO_LARGE(
      `Frame of ${bodyLength} bytes exceeds the limit of ${maxDataBody}`
    )
  }
  if (phase === 'header') {
    if (bodyLength === SECRET_STREAM_HEADER_BYTES) return null
    return SecretStreamError.INVALID_HEADER('Invalid header message received')
  }
  if (bodyLength <= MAX_HANDSHAKE_MESSAGE_BYTES) return null
  return SecretStreamError.FRAME_TOO_LARGE(
    `Handshake frame of ${bodyLength} bytes exceeds ${MAX_HANDSHAKE_MESSAGE_BYTES}`
  )
}
