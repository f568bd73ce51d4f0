// NodeStorage: the LMDB environment behind the `storage` option, opened once per directory.

import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import type { Database, RootDatabase, open as OpenLmdb } from 'lmdb'
import type { HostPort } from '@keymesh/dht-rpc'
import { HyperDHTError } from './errors.js'

// lmdb is loaded on first use: its native binding and buffers cost every node that never sets
// `storage` (about 16 MB of ArrayBuffers and 0.16 s of startup). Its CommonJS build loads synchronously.
const requireHere = createRequire(import.meta.url)
let openLmdb: typeof OpenLmdb | null = null
function lmdbOpen(): typeof OpenLmdb {
  openLmdb ??= (requireHere('lmdb') as { open: typeof OpenLmdb }).open
  return openLmdb
}

/** Layout version of the store; a directory written by another version is refused. */
export const STORAGE_VERSION = 1
/** Routing-table nodes kept on disk (most recently heard from first). */
export const MAX_SAVED_NODES = 256

// files hold the secret keys of kept-alive announces: owner-only
const FILE_MODE = 0o600
const DIR_MODE = 0o700
const LMDB_FILES = ['data.mdb', 'lock.mdb'] as const

/** Directories open in this process: a second node on the same directory is refused. */
const OPEN_DIRS = new Set<string>()

/**
 * The LMDB environment of one node: `meta` (layout version, routing table, whether the node was
 * persistent), `records` (what it stores for others, see `RecordJournal`) and `published` (what it
 * keeps alive, see `Republisher`). LMDB commits are atomic and crash-safe, so a kill -9 at any
 * moment leaves the last committed state, and the store always opens.
 */
export class NodeStorage {
  /** The absolute directory. */
  readonly dir: string
  /** @internal rows of the record store (journal) */
  readonly records: Database<unknown, string>
  /** @internal rows of the republisher */
  readonly published: Database<unknown, string>
  private readonly env: RootDatabase<unknown, string>
  private readonly meta: Database<unknown, string>
  private closing: Promise<void> | null = null

  private constructor(dir: string, env: RootDatabase<unknown, string>) {
    this.dir = dir
    this.env = env
    this.meta = env.openDB({ name: 'meta', encoding: 'msgpack' })
    this.records = env.openDB({ name: 'records', encoding: 'msgpack' })
    this.published = env.openDB({ name: 'published', encoding: 'msgpack' })
  }

  /**
   * Open (or create) the store in `dir`. Synchronous, so a node can read its routing table
   * before it starts. Throws `STORAGE_LOCKED` if another node of this process has it open and
   * `STORAGE_FAILED` if it cannot be opened or was written by another layout version.
   */
  static open(dir: string): NodeStorage {
    if (typeof dir !== 'string' || dir === '') {
      throw new HyperDHTError('INVALID_ARGUMENT', 'storage must be a directory path')
    }
    const abs = resolve(dir)
    if (OPEN_DIRS.has(abs)) throw new HyperDHTError('STORAGE_LOCKED', `${abs} is in use`)
    let env: RootDatabase<unknown, string>
    try {
      if (!existsSync(abs)) mkdirSync(abs, { recursive: true, mode: DIR_MODE })
      env = lmdbOpen()<unknown, string>({ path: abs, maxDbs: 4 })
      for (const f of LMDB_FILES) {
        const file = join(abs, f)
        if (existsSync(file)) chmodSync(file, FILE_MODE)
      }
    } catch (err) {
      throw new HyperDHTError('STORAGE_FAILED', `cannot open ${abs}: ${message(err)}`, {
        cause: err
      })
    }
    const storage = new NodeStorage(abs, env)
    const version = storage.meta.get('version')
    if (version === undefined) {
      storage.meta.putSync('version', STORAGE_VERSION)
    } else if (version !== STORAGE_VERSION) {
      void env.close()
      throw new HyperDHTError(
        'STORAGE_FAILED',
        `${abs} has layout version ${String(version)}, expected ${STORAGE_VERSION}`
      )
    }
    OPEN_DIRS.add(abs)
    return storage
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing !== null
  }

  /** The saved routing table, most recently heard from first; malformed rows are skipped. */
  loadNodes(): HostPort[] {
    const rows = this.meta.get('nodes')
    if (!Array.isArray(rows)) return []
    const out: HostPort[] = []
    for (const row of rows as unknown[]) {
      if (out.length >= MAX_SAVED_NODES) break
      if (isHostPort(row)) out.push({ host: row.host, port: row.port })
    }
    return out
  }

  /** Replace the saved routing table (at most {@link MAX_SAVED_NODES}). */
  async saveNodes(nodes: readonly HostPort[]): Promise<void> {
    if (this.closed) return
    const rows = nodes.slice(0, MAX_SAVED_NODES).map(({ host, port }) => ({ host, port }))
    await this.meta.put('nodes', rows)
  }

  /** True if the node that last used this store had become persistent. */
  get wasPersistent(): boolean {
    return this.meta.get('persistent') === true
  }

  /** Remember that the node became persistent (see {@link wasPersistent}). */
  async markPersistent(): Promise<void> {
    if (this.closed || this.wasPersistent) return
    await this.meta.put('persistent', true)
  }

  /** Wait for every pending write, then close. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    this.closing = this.env.committed
      .then(
        () => this.env.close(),
        () => this.env.close()
      )
      .finally(() => OPEN_DIRS.delete(this.dir))
    return this.closing
  }
}

function isHostPort(row: unknown): row is HostPort {
  if (typeof row !== 'object' || row === null) return false
  const { host, port } = row as Record<string, unknown>
  return (
    typeof host === 'string' &&
    host.length > 0 &&
    host.length <= 255 &&
    typeof port === 'number' &&
    Number.isInteger(port) &&
    port > 0 &&
    port < 65536
  )
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
