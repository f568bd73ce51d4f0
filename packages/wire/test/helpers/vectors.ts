// Locates and loads the shared golden vectors, and turns decoded values into plain JSON.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The monorepo root: the nearest ancestor holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('pnpm-workspace.yaml not found above ' + import.meta.url)
    dir = up
  }
  return dir
}

/** Directory of the golden vector files. */
export const VECTORS_DIR = join(repoRoot(), 'vectors')

/** Names of every vector file. */
export function vectorFiles(): string[] {
  return readdirSync(VECTORS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
}

/** Parse one vector file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVector(name: string): any {
  return JSON.parse(readFileSync(join(VECTORS_DIR, name), 'utf8'))
}

/** Hex string to Buffer. */
export function hex(s: string): Buffer {
  return Buffer.from(s, 'hex')
}

/** Decoded value with every byte array replaced by its hex string, for deep comparison. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = plain(v)
    return out
  }
  return value
}

/** The assertion object brittle passes to a test callback. */
export type TestContext = ReturnType<typeof import('brittle')>
