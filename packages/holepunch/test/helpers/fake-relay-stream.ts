// A RelayStream stand-in that records what the relay does with it (no UDP).

import { EventEmitter } from 'node:events'
import type { RelayStream, RelayStreamOptions } from '../../src/index.js'

/** Records connect/relayTo/destroy; `firewall` is the hook the relay passed in. */
export class FakeRelayStream extends EventEmitter implements RelayStream {
  readonly id: number
  readonly firewall: RelayStreamOptions['firewall']
  connected: { socket: unknown; remoteId: number; port: number; host: string } | null = null
  relayedTo: RelayStream | null = null
  destroyed = false
  destroyError: Error | null = null

  constructor(id: number, opts: RelayStreamOptions) {
    super()
    this.id = id
    this.firewall = opts.firewall
  }

  connect(socket: unknown, remoteId: number, port: number, host: string): void {
    this.connected = { socket, remoteId, port, host }
  }

  relayTo(other: RelayStream): void {
    this.relayedTo = other
  }

  destroy(err?: Error): void {
    if (this.destroyed) return
    this.destroyed = true
    if (err !== undefined) this.destroyError = err
    process.nextTick(() => {
      if (err !== undefined) this.emit('error', err)
      this.emit('close')
    })
  }
}

/** A `createStream` handing out fake streams with ids from `firstId` on, kept in `streams`. */
export function fakeStreams(firstId: number): {
  streams: FakeRelayStream[]
  createStream(opts: RelayStreamOptions): FakeRelayStream
} {
  const streams: FakeRelayStream[] = []
  let next = firstId
  return {
    streams,
    createStream(opts) {
      const stream = new FakeRelayStream(next++, opts)
      streams.push(stream)
      return stream
    }
  }
}
