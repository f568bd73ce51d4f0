// RelayStream: the raw UDX stream a blind relay forwards through, as a structural type.

/** Options the relay passes to `createStream`. */
export interface RelayStreamOptions {
  /**
   * The stream's firewall hook: called with the first packet's socket and source address. The
   * relay connects the stream there and returns false (accept).
   */
  firewall(socket: unknown, port: number, host: string): boolean
}

/** A raw UDX stream made for one side of a relayed pair (hyperdht: `dht.createRawStream`). */
export interface RelayStream {
  readonly id: number
  connect(socket: unknown, remoteId: number, port: number, host: string): void
  /**
   * Relay every packet to `other`, the pair's other stream (made by the same `createStream`).
   * Typed `unknown` so that a udx stream, whose `relayTo` takes a udx stream, fits.
   */
  relayTo(other: unknown): void
  destroy(err?: Error): void
  /** `'close'` and `'error'` are listened to; any event name, so typed emitters fit. */
  on(event: string, fn: (...args: any[]) => void): unknown
  off(event: string, fn: (...args: any[]) => void): unknown
}

/** Where a peer's packets reach the relay: the socket and source address of its connection. */
export interface RelayPath {
  socket: unknown
  port: number
  host: string
}
