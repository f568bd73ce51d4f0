// BootstrapperError: message format, factories, and the README's error table matching the union.

import { readFileSync } from 'node:fs'
import test from 'brittle'
import {
  BOOTSTRAPPER_ERROR_CODES,
  BOOTSTRAPPER_ERROR_MESSAGES,
  BootstrapperError
} from '../src/index.js'

test('errors carry a stable code and a `${code}: ${message}` message', (t) => {
  const err = new BootstrapperError('PORT_IN_USE')
  t.is(err.code, 'PORT_IN_USE')
  t.is(err.name, 'BootstrapperError')
  t.is(err.message, `PORT_IN_USE: ${BOOTSTRAPPER_ERROR_MESSAGES.PORT_IN_USE}`)
  t.ok(err instanceof Error)

  const cause = new Error('address already in use')
  const inUse = BootstrapperError.PORT_IN_USE('127.0.0.1', 49737, cause)
  t.is(inUse.cause, cause, 'the system error is kept as cause')
  t.ok(inUse.message.includes('127.0.0.1:49737'))
  t.ok(BootstrapperError.INVALID_PORT('x').message.includes('"x"'))
})

test('every code has a factory, and the README error table lists exactly the codes', (t) => {
  for (const code of BOOTSTRAPPER_ERROR_CODES) {
    t.is(typeof Reflect.get(BootstrapperError, code), 'function', `${code} has a factory`)
  }
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.split(/^#+ Error codes$/m)[1]?.split(/^#/m)[0] ?? ''
  const listed = [...section.matchAll(/^\| `([A-Z_]+)` /gm)].map((m) => m[1])
  t.alike(listed.sort(), [...BOOTSTRAPPER_ERROR_CODES].sort())
})
