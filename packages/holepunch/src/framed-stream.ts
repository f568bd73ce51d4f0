// FramedStream: the message-framed duplex a Protomux runs over (a NoiseSecretStream fits).

/**
 * A message-framed duplex: each `write()` is one message and each `'data'` is one message, as
 * on a secret-stream connection. Structural, so this package needs no stream implementation;
 * `on` takes any event name so that typed emitters (streamx's, node's) fit it.
 */
export interface FramedStream {
  write(data: Uint8Array): boolean
  end(): unknown
  destroy(err?: Error): unknown
  readonly destroyed: boolean
  /** `'data'` (one message, a Buffer), `'end'`, `'close'` and `'error'` are listened to. */
  on(event: string, fn: (...args: any[]) => void): unknown
  off(event: string, fn: (...args: any[]) => void): unknown
  /** Where `Protomux.from` records the stream's mux when the slot is free (`null`). */
  userData?: unknown
}
