// Topics on the command line: 64 hex characters as they are, anything else hashed (BLAKE2b-256).

import { loadHyperDHT } from './deps.js'
import { CliError } from './errors.js'

/** A topic and how it was made, for printing. */
export interface Topic {
  /** The 32 bytes announced and looked up. */
  bytes: Buffer
  /** Hex of `bytes`. */
  hex: string
  /** The string that was hashed, or null when the topic was given as hex. */
  from: string | null
}

/**
 * `text` as a topic: exactly 64 hex characters are the topic itself (unless `hash`), anything
 * else is `HyperDHT.hash(utf8 text)`, so `keymesh announce my-app` and `keymesh lookup my-app`
 * meet.
 */
export async function parseTopic(text: string, hash = false): Promise<Topic> {
  if (text === '') throw CliError.usage('the topic must not be empty')
  const { default: HyperDHT } = await loadHyperDHT()
  const bytes =
    !hash && /^[0-9a-fA-F]{64}$/.test(text)
      ? Buffer.from(text, 'hex')
      : HyperDHT.hash(Buffer.from(text, 'utf8'))
  return { bytes, hex: bytes.toString('hex'), from: bytes.toString('hex') === text ? null : text }
}
