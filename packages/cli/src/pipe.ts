// Moving bytes between two streams in both directions, with backpressure and half-close.

/** What {@link forward} reads from: a Node or streamx readable emitting Buffers. */
export interface Source {
  pause(): unknown
  resume(): unknown
}

/** What {@link forward} writes to: a Node or streamx writable. */
export interface Sink {
  write(chunk: Buffer): boolean
}

/** A Node or streamx duplex: both, and it can be ended and torn down. */
export interface DuplexLike extends Source, Sink {
  end(): unknown
  destroy(err?: Error): unknown
}

// Node's and streamx's emitters differ in their typings, not in behaviour
type Listener = (...args: unknown[]) => void
interface Emitter {
  on(event: string, fn: Listener): unknown
  once(event: string, fn: Listener): unknown
  off(event: string, fn: Listener): unknown
}
function events(stream: Source | Sink): Emitter {
  return stream as unknown as Emitter
}

/**
 * Copy `from` into `to` as data arrives, pausing `from` while `to` is full. `onend` runs when
 * `from` ends (the caller decides whether that ends `to`). Returns a function that stops
 * copying and pauses `from`.
 */
export function forward(from: Source, to: Sink, onend: () => void): () => void {
  let waiting: Listener | null = null
  const ondata: Listener = (chunk) => {
    if (to.write(chunk as Buffer) || waiting !== null) return
    from.pause()
    waiting = () => {
      waiting = null
      from.resume()
    }
    events(to).once('drain', waiting)
  }
  const onendListener: Listener = () => onend()
  events(from).on('data', ondata)
  events(from).on('end', onendListener)
  from.resume()
  return () => {
    events(from).off('data', ondata)
    events(from).off('end', onendListener)
    if (waiting !== null) events(to).off('drain', waiting)
    waiting = null
    from.pause()
  }
}

/**
 * Join two duplex streams: each one's data is written to the other, each one's end ends the
 * other's writable side (half-close), and an error or an abrupt close on either destroys both.
 * Resolves once both closed, with the first error (or null for a clean close).
 */
export function link(a: DuplexLike, b: DuplexLike): Promise<Error | null> {
  return new Promise((resolve) => {
    let error: Error | null = null
    let open = 2
    let aEnded = false
    let bEnded = false
    forward(a, b, () => {
      aEnded = true
      b.end()
    })
    forward(b, a, () => {
      bEnded = true
      a.end()
    })
    const onerror: Listener = (err) => {
      error ??= err as Error
      a.destroy()
      b.destroy()
    }
    const onclose: Listener = () => {
      // both halves ended: the other side closes by itself once it has flushed; anything else
      // (a reset, a destroy) means the other side cannot finish either
      if (!(aEnded && bEnded)) {
        a.destroy()
        b.destroy()
      }
      if (--open === 0) resolve(error)
    }
    events(a).on('error', onerror)
    events(b).on('error', onerror)
    events(a).once('close', onclose)
    events(b).once('close', onclose)
  })
}
