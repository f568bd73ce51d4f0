// ConnectionPool: one connection per remote key across connect() and servers (hyperdht's dht.pool()).

import { EventEmitter } from 'node:events'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import b4a from 'b4a'
import { HyperDHTError } from './errors.js'

/** A pool's handle on one stream; `release()` destroys it. */
export class ConnectionRef {
  private refs = 0

  constructor(readonly stream: NoiseSecretStream) {}

  /** Users of the connection, for the application's own bookkeeping. */
  get refCount(): number {
    return this.refs
  }

  /** Mark one more user. */
  active(): void {
    this.refs++
  }

  /** Mark one user gone. */
  inactive(): void {
    this.refs--
  }

  /** Destroy the connection. */
  release(): void {
    this.stream.destroy()
  }
}

/** What a pool needs from a server to take its connections in. */
export interface PoolableServer extends EventEmitter {
  readonly publicKey: Uint8Array | null
}

/**
 * Deduplicates connections by remote public key. When a second connection to the same key
 * appears, the newer one is kept if it has the same role as the old one or if our key sorts
 * after theirs, so both ends agree on the survivor; the loser is destroyed with
 * `DUPLICATE_CONNECTION`. Emits `'connection'(stream, ref)` once a connection is open.
 */
export class ConnectionPool extends EventEmitter {
  private readonly servers = new Map<string, PoolableServer>()
  private readonly pending = new Map<string, ConnectionRef>()
  private readonly open = new Map<string, ConnectionRef>()

  /** Connections still opening. */
  get connecting(): number {
    return this.pending.size
  }

  /** Open connections. */
  get connections(): IterableIterator<ConnectionRef> {
    return this.open.values()
  }

  /** True if a connection to `publicKey` is open or opening. */
  has(publicKey: Uint8Array): boolean {
    const key = hex(publicKey)
    return this.open.has(key) || this.pending.has(key)
  }

  /** The open or opening stream to `publicKey`, or null. */
  get(publicKey: Uint8Array): NoiseSecretStream | null {
    const key = hex(publicKey)
    const ref = this.open.get(key) ?? this.pending.get(key)
    return ref === undefined ? null : ref.stream
  }

  /** @internal take in every connection a server accepts */
  _attachServer(server: PoolableServer): void {
    if (server.publicKey === null) return
    const key = hex(server.publicKey)
    this.servers.set(key, server)
    server.once('close', () => this.servers.delete(key))
    server.on('connection', (stream: NoiseSecretStream) => this._attachStream(stream, true))
  }

  /** @internal track `stream`, resolving duplicates */
  _attachStream(stream: NoiseSecretStream, opened: boolean): ConnectionRef | null {
    const remote = stream.remotePublicKey
    if (remote === null) return null
    const existing = this.get(remote)
    if (existing !== null) {
      const local = stream.publicKey
      const keepNew =
        stream.isInitiator === existing.isInitiator ||
        (local !== null && b4a.compare(local, remote) > 0)
      if (!keepNew) {
        stream.on('error', noop).destroy(new HyperDHTError('DUPLICATE_CONNECTION'))
        return null
      }
      // replace the old one once it is gone, unless the new one died first
      let newClosed = false
      const onNewClose = (): void => {
        newClosed = true
      }
      stream.on('error', noop).on('close', onNewClose)
      existing
        .on('error', noop)
        .once('close', () => {
          if (newClosed) return
          stream.off('error', noop).off('close', onNewClose)
          this._attachStream(stream, opened)
        })
        .destroy(new HyperDHTError('DUPLICATE_CONNECTION'))
      return null
    }

    const ref = new ConnectionRef(stream)
    const key = hex(remote)
    let isOpen = opened
    if (isOpen) this.open.set(key, ref)
    else this.pending.set(key, ref)
    stream.once('close', () => {
      const map = isOpen ? this.open : this.pending
      if (map.get(key) === ref) map.delete(key)
    })
    if (isOpen) {
      this.emit('connection', stream, ref)
    } else {
      stream.on('error', noop).once('open', () => {
        isOpen = true
        if (this.pending.get(key) === ref) this.pending.delete(key)
        this.open.set(key, ref)
        stream.off('error', noop)
        this.emit('connection', stream, ref)
      })
    }
    return ref
  }
}

function hex(key: Uint8Array): string {
  return b4a.toString(key, 'hex')
}

function noop(): void {}
