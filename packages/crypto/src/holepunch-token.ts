// Holepunch address tokens: H_{localSecret}(utf8(host)) proving a peer's observed host (§7.3).

import { assertKeyLength, assertString, utf8 } from './bytes.js'
import { generichash } from './hash.js'
import { HASH_BYTES } from './sizes.js'

/** Length of the per-connection-attempt local secret. */
export const HOLEPUNCH_SECRET_BYTES = 32

/**
 * The holepunch token for an address: `H_{localSecret}(utf8(host))` (port excluded). One side
 * sends it for the peer's observed address and the peer echoes it back as `remoteToken`.
 *
 * @param localSecret - this side's random 32-byte secret for the connection attempt
 * @param host - the peer's observed dotted-quad host
 * @returns a new 32-byte Buffer
 * @throws CryptoError `INVALID_ARGUMENT` for a wrong type, `INVALID_KEY_LENGTH` if
 *   `localSecret` is not 32 bytes
 */
export function holepunchToken(localSecret: Uint8Array, host: string): Buffer {
  assertKeyLength(localSecret, HOLEPUNCH_SECRET_BYTES, 'localSecret')
  assertString(host, 'host')
  return generichash(HASH_BYTES, utf8(host), localSecret)
}
