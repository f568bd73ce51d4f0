// Public surface of @keymesh/secret-stream: NoiseSecretStream, the Noise handshake, errors and limits.

import { NoiseSecretStream } from './noise-secret-stream.js'

export { NoiseSecretStream }
export type { NoiseSecretStreamEvents } from './events.js'
export { DEFAULTS } from './options.js'
export type {
  NoiseSecretStreamOptions,
  NoiseSecretStreamStartOptions,
  SecretStreamHandshake
} from './options.js'
export type { RawStream, RawStreamListener } from './raw-stream.js'
export { Bridge, BridgeEnd } from './bridge.js'
export type { BridgeEvents, BridgeOwner } from './bridge.js'
export { NoiseHandshake, NOISE_PATTERNS } from './noise-handshake.js'
export type {
  NoisePattern,
  KeyPairLike,
  NoiseHandshakeOptions,
  NoiseHandshakeResult
} from './noise-handshake.js'
export { createHandshake } from './create-handshake.js'
export type { CreateHandshakeOptions } from './create-handshake.js'
export type { HandshakeTraceStep, HandshakeTraceObserver } from './symmetric-state.js'
export { SecretStreamError, SECRET_STREAM_ERROR_CODES } from './errors.js'
export type { SecretStreamErrorCode } from './errors.js'
export {
  MAX_ATOMIC_WRITE_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_HANDSHAKE_MESSAGE_BYTES
} from './constants.js'

export default NoiseSecretStream
