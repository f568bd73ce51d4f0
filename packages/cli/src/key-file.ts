// Key files: a key pair as JSON, written with mode 0600, read back and checked.

import { open, readFile } from 'node:fs/promises'
import type { KeyPair } from '@keymesh/hyperdht'
import { loadHyperDHT } from './deps.js'
import { CliError } from './errors.js'

/** What a key file holds (hex strings). */
export interface KeyFileContents {
  /** Ed25519 public key, 64 hex characters. */
  publicKey: string
  /** Ed25519 secret key (seed then public key), 128 hex characters. */
  secretKey: string
}

/** The JSON text of a key file for `keyPair`. */
export function formatKeyFile(keyPair: KeyPair): string {
  const contents: KeyFileContents = {
    publicKey: Buffer.from(keyPair.publicKey).toString('hex'),
    secretKey: Buffer.from(keyPair.secretKey).toString('hex')
  }
  return JSON.stringify(contents, null, 2) + '\n'
}

/**
 * Write a key file readable by its owner only (mode 0600). Refuses to replace an existing file
 * unless `force` (`KEY_FILE_EXISTS`); other failures are `FILE_WRITE_FAILED`.
 */
export async function writeKeyFile(file: string, keyPair: KeyPair, force = false): Promise<void> {
  let handle
  try {
    handle = await open(file, force ? 'w' : 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError('KEY_FILE_EXISTS', `${file} already exists (use --force to replace it)`)
    }
    throw new CliError('FILE_WRITE_FAILED', `${file}: ${(err as Error).message}`, { cause: err })
  }
  try {
    // an existing file opened with 'w' keeps its old mode
    await handle.chmod(0o600)
    await handle.writeFile(formatKeyFile(keyPair))
    await handle.sync()
  } catch (err) {
    throw new CliError('FILE_WRITE_FAILED', `${file}: ${(err as Error).message}`, { cause: err })
  } finally {
    await handle.close()
  }
}

/**
 * Read a key file written by `keymesh keygen`: JSON with hex `publicKey` and `secretKey` that
 * belong together. `FILE_READ_FAILED` when it cannot be read, `INVALID_KEY_FILE` otherwise.
 */
export async function readKeyFile(file: string): Promise<KeyPair> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new CliError('FILE_READ_FAILED', `${file}: ${(err as Error).message}`, { cause: err })
  }
  return parseKeyFile(text, file)
}

/** Parse key file text (see {@link readKeyFile}); `file` names it in errors. */
export async function parseKeyFile(text: string, file: string): Promise<KeyPair> {
  const invalid = (why: string): CliError => new CliError('INVALID_KEY_FILE', `${file}: ${why}`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw invalid('not JSON')
  }
  const { publicKey, secretKey } = (json ?? {}) as Partial<Record<string, unknown>>
  if (typeof secretKey !== 'string' || !/^[0-9a-fA-F]{128}$/.test(secretKey)) {
    throw invalid('secretKey must be 128 hex characters')
  }
  if (typeof publicKey !== 'string' || !/^[0-9a-fA-F]{64}$/.test(publicKey)) {
    throw invalid('publicKey must be 64 hex characters')
  }
  // an Ed25519 secret key is seed || public key: rebuild the pair from the seed and compare
  const { default: HyperDHT } = await loadHyperDHT()
  const keyPair = HyperDHT.keyPair(Buffer.from(secretKey.slice(0, 64), 'hex'))
  if (!Buffer.from(keyPair.publicKey).equals(Buffer.from(publicKey, 'hex'))) {
    throw invalid('publicKey does not belong to secretKey')
  }
  if (!Buffer.from(keyPair.secretKey).equals(Buffer.from(secretKey, 'hex'))) {
    throw invalid('secretKey is not seed followed by publicKey')
  }
  return keyPair
}
