// Dispatch of the keymesh extension commands (WATCH, UNWATCH, NOTIFY, NAMED_PUT, NAMED_GET).

import type {
  HostPort,
  Reply,
  Request,
  RequestInput,
  RequestOptions,
  SessionHost
} from '@keymesh/dht-rpc'
import {
  KEYMESH_COMMANDS,
  KEYMESH_WIRE_ERRORS,
  WATCH_KINDS,
  notifyMessage,
  tryDecode
} from '@keymesh/wire'
import { NamedStore, type NamedStoreStats } from './named-store.js'
import type { Persistent } from './persistent.js'
import { Watch, type WatchOptions, type WatchTarget } from './watch.js'
import {
  WatchRegistry,
  type WatchRegistryOptions,
  type WatchRegistryStats
} from './watch-registry.js'

/** What the extensions need from their node. */
export interface ExtensionHost {
  readonly _persistent: Persistent | null
  readonly id: Buffer | null
  readonly io: { readonly serverSocket: NonNullable<RequestOptions['socket']> | null }
  request(req: RequestInput, to: HostPort, opts?: RequestOptions): Promise<Reply>
  query: SessionHost['query']
}

/** Counters of the extension commands (`node.extensionStats`). */
export interface ExtensionStats {
  /** Watches this node holds for others (storer side). */
  registry: WatchRegistryStats
  /** Named records this node stores for others. */
  named: NamedStoreStats
  /** Watches this node runs itself (`node.watch()`). */
  watching: number
  /** NOTIFYs received, and refused because no watch of ours matched. */
  notifications: { received: number; refused: number }
}

/**
 * The keymesh extension commands of one node: the watch registry and named-record store it runs
 * as a storer (once persistent), and the routing of NOTIFYs to its own watches (always).
 */
export class Extensions {
  readonly registry: WatchRegistry
  readonly named: NamedStore
  readonly stats: ExtensionStats
  private readonly host: ExtensionHost
  private readonly watches = new Map<string, Watch>()
  private hooked: Persistent | null = null

  constructor(host: ExtensionHost, opts: WatchRegistryOptions = {}) {
    this.host = host
    this.registry = new WatchRegistry(
      {
        request: (req, to, o) => host.request(req, to, o),
        notifySocket: () => host.io.serverSocket ?? null,
        topicRecords: (t) => host._persistent?.topicRecords(t) ?? []
      },
      opts
    )
    this.named = new NamedStore()
    this.named.onchange = (t, record) => this.registry.recordChanged(WATCH_KINDS.NAMED, t, record)
    const watches = this.watches
    this.stats = {
      registry: this.registry.stats,
      named: this.named.stats,
      get watching() {
        return watches.size
      },
      notifications: { received: 0, refused: 0 }
    }
  }

  /** Handle a request with a keymesh command id; false for anything it does not serve. */
  onrequest(req: Request): boolean {
    if (req.command === KEYMESH_COMMANDS.NOTIFY) {
      this.onnotify(req)
      return true
    }
    const store = this.host._persistent
    if (store === null || this.host.id === null) return false
    this.hook(store)
    switch (req.command) {
      case KEYMESH_COMMANDS.WATCH:
        this.registry.onwatch(req)
        return true
      case KEYMESH_COMMANDS.UNWATCH:
        this.registry.onunwatch(req)
        return true
      case KEYMESH_COMMANDS.NAMED_PUT:
        this.named.onput(req, store)
        return true
      case KEYMESH_COMMANDS.NAMED_GET:
        this.named.onget(req, store)
        return true
    }
    return false
  }

  /** A new {@link Watch} on this node. */
  watch(target: WatchTarget, opts: WatchOptions = {}): Watch {
    const host = this.host
    return new Watch(
      {
        query: (q, o) => host.query(q, o),
        request: (req, to, o) => host.request(req, to, o),
        _addWatch: (w) => this._addWatch(w),
        _removeWatch: (w) => this._removeWatch(w)
      },
      target,
      opts
    )
  }

  /** @internal route NOTIFYs for `w` to it */
  _addWatch(w: Watch): void {
    this.watches.set(w.id.toString('hex'), w)
  }

  /** @internal */
  _removeWatch(w: Watch): void {
    const k = w.id.toString('hex')
    if (this.watches.get(k) === w) this.watches.delete(k)
  }

  /** Stop every watch and drop every registration. */
  destroy(): void {
    for (const w of [...this.watches.values()]) w.destroy()
    this.watches.clear()
    this.registry.destroy()
    if (this.hooked !== null) this.hooked.onchange = null
  }

  // the store tells the registry about changes once a watch may care
  private hook(store: Persistent): void {
    if (this.hooked === store) return
    this.hooked = store
    store.onchange = (kind, targetHex, record) => {
      if (kind === 'topic') this.registry.topicChanged(targetHex)
      else if (record !== null) this.registry.recordChanged(WATCH_KINDS.MUTABLE, targetHex, record)
    }
  }

  private onnotify(req: Request): void {
    const n = this.stats.notifications
    n.received++
    const msg = req.value === null ? null : tryDecode(notifyMessage, req.value)
    const w = msg === null ? undefined : this.watches.get(msg.id.toString('hex'))
    if (msg === null || w === undefined || req.from === null || !w._onnotify(msg, req.from)) {
      n.refused++
      return req.error(KEYMESH_WIRE_ERRORS.WATCH_UNKNOWN, { closerNodes: false })
    }
    req.reply(null, { token: false, closerNodes: false })
  }
}
