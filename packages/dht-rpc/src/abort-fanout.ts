// onAbort: one 'abort' listener per signal, however many requests share it.

type Callback = () => void

// A put fans out to 20+ requests on one signal; one listener each would trip Node's
// MaxListenersExceededWarning for a legitimate use. Each signal gets a single listener instead.
const waiting = new WeakMap<AbortSignal, Set<Callback>>()

/**
 * Call `fn` when `signal` aborts. Returns the function that unregisters it. The signal carries
 * one listener for all callbacks registered on it.
 */
export function onAbort(signal: AbortSignal, fn: Callback): Callback {
  let callbacks = waiting.get(signal)
  if (callbacks === undefined) {
    const set = new Set<Callback>()
    callbacks = set
    waiting.set(signal, set)
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal)
        for (const cb of [...set]) cb()
        set.clear()
      },
      { once: true }
    )
  }
  const registered = callbacks
  registered.add(fn)
  return () => {
    registered.delete(fn)
  }
}
