// RawStream: the structural type of the transport a NoiseSecretStream runs over (TCP, udx, Bridge).

/**
 * An event listener of a raw stream. `any[]` because transports type their events differently
 * (Node's overloads, streamx's event maps) and each must be assignable to this one shape.
 */
export type RawStreamListener = (...args: any[]) => void

/**
 * Any duplex carrying bytes: a `net.Socket`, a udx-native stream, a streamx or Node duplex.
 * The stream listens to `'data'`, `'end'`, `'drain'`, `'error'`, `'close'` and, when the
 * transport has it, `'message'` (udx unordered datagrams).
 */
export interface RawStream {
  /** Queues bytes; false asks the writer to wait for `'drain'`. */
  write(data: Uint8Array): boolean
  /** Ends the writable side (called without arguments). */
  end(data?: unknown): unknown
  /** Tears the transport down, optionally with an error. */
  destroy(err?: Error | null): unknown
  /** Stops `'data'` events (read backpressure). */
  pause(): unknown
  /** Resumes `'data'` events. */
  resume(): unknown
  /** Subscribes to an event. */
  on(event: string, listener: RawStreamListener): unknown
  /** udx only: sends an unordered datagram, resolving when flushed. */
  send?(buffer: Uint8Array): Promise<boolean> | unknown
  /** udx only: sends an unordered datagram without waiting. */
  trySend?(buffer: Uint8Array): unknown
  /** Resolves once written data has been flushed (udx, Bridge). */
  flush?(): Promise<boolean> | unknown
  /** Debug view (udx). */
  toJSON?(): unknown
}
