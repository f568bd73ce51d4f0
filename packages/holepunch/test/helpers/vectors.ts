// Test helper: locate the repo-root vectors/ directory and load its JSON files.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The monorepo root: the nearest ancestor of this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('pnpm-workspace.yaml not found above ' + import.meta.url)
    dir = parent
  }
}

/** Parses `vectors/<file>` from the repo root; the caller states the shape it relies on. */
export function loadVector<T>(file: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), 'vectors', file), 'utf8')) as T
}

/** Hex string to Buffer. */
export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex')
}

/** The parts of holepunch-payloads.json the tests use. */
export interface HolepunchPayloadsFile {
  holepunch_secret_hex: string
  local_secret_hex: string
  token_examples: { host: string; token_hex: string }[]
  payloads: {
    name: string
    plain_hex: string
    nonce_hex: string
    encrypted_hex: string
    decoded: {
      error: number
      firewall: number
      round: number
      connected: boolean
      punching: boolean
      addresses: { host: string; port: number }[] | null
      remoteAddress: { host: string; port: number } | null
      token: string | null
      remoteToken: string | null
    }
  }[]
}
