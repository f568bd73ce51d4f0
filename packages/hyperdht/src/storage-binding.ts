// StorageBinding: ties a node's lifecycle to its NodeStorage (routing table saves, record journal).

import type { HostPort } from '@keymesh/dht-rpc'
import type { NodeStorage } from './node-storage.js'
import { RecordJournal } from './record-journal.js'

/** How often the routing table is saved, in ms (a kill -9 loses at most this much of it). */
export const SAVE_NODES_INTERVAL_MS = 60_000

/**
 * Saved nodes put into the routing table at start. One fewer than k (20): a query with fewer
 * than k table nodes also asks the configured bootstrap nodes, so a stale saved table falls back
 * to them instead of leaving the node alone.
 */
export const WARM_BOOTSTRAP_NODES = 19

/** What the binding needs from the node. */
export interface StorageBindingHost {
  toArray(opts?: { limit?: number }): HostPort[]
  once(event: 'ready' | 'persistent', listener: () => void): unknown
}

/**
 * The node's side of `storage`: the journal of its record store, the routing table saved after
 * bootstrap, every {@link SAVE_NODES_INTERVAL_MS} and at close, and the persistent flag.
 */
export class StorageBinding {
  /** The open store. */
  readonly storage: NodeStorage
  /** The journal its record store writes to. */
  readonly journal: RecordJournal
  private readonly host: StorageBindingHost
  private timer: NodeJS.Timeout | null
  private closing: Promise<void> | null = null

  constructor(host: StorageBindingHost, storage: NodeStorage) {
    this.host = host
    this.storage = storage
    this.journal = new RecordJournal(storage.records)
    host.once('ready', () => this.saveNodes())
    host.once('persistent', () => {
      storage.markPersistent().catch(noop)
    })
    this.timer = setInterval(() => this.saveNodes(), SAVE_NODES_INTERVAL_MS)
    this.timer.unref()
  }

  /** The saved nodes to seed the routing table with (see {@link WARM_BOOTSTRAP_NODES}). */
  static warmNodes(storage: NodeStorage): HostPort[] {
    return storage.loadNodes().slice(0, WARM_BOOTSTRAP_NODES)
  }

  /** Save the routing table one last time, wait for pending writes, close the store. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.closing = this.save().then(() => this.storage.close())
    return this.closing
  }

  private saveNodes(): void {
    this.save().catch(noop)
  }

  private async save(): Promise<void> {
    const nodes = this.host.toArray()
    // an empty table (offline, destroyed) says nothing: keep the last good one
    if (nodes.length > 0) await this.storage.saveNodes(nodes).catch(noop)
  }
}

function noop(): void {}
