// onAbort: many callbacks on one signal share a single listener and all run on abort.

import test from 'brittle'
import { onAbort } from '../src/abort-fanout.js'

test('50 callbacks on one signal: each runs once, unregistered ones never, no listener warning', (t) => {
  const warnings: Error[] = []
  const onwarning = (w: Error): void => {
    warnings.push(w)
  }
  process.on('warning', onwarning)
  const controller = new AbortController()
  const ran: number[] = []
  const offs = Array.from({ length: 50 }, (_, i) => onAbort(controller.signal, () => ran.push(i)))
  offs[7]?.()
  controller.abort()
  controller.abort()
  t.is(ran.length, 49, 'every registered callback ran once')
  t.absent(ran.includes(7), 'the unregistered one did not')
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      process.off('warning', onwarning)
      t.is(warnings.length, 0, 'no MaxListenersExceededWarning')
      resolve()
    })
  )
})
