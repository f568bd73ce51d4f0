// Tests for SecretStreamError, its codes, and the README's error table and API headings.

import test from 'brittle'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as api from '../src/index.js'
import { SECRET_STREAM_ERROR_CODES, SecretStreamError } from '../src/index.js'
import type { SecretStreamErrorCode } from '../src/index.js'

// dist/test/errors.test.js -> package root
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`)
  return start < 0 ? '' : (README.slice(start + 1).split('\n## ')[0] ?? '')
}

test('every code has a static factory that builds a matching SecretStreamError', (t) => {
  t.is(SECRET_STREAM_ERROR_CODES.length, new Set(SECRET_STREAM_ERROR_CODES).size, 'unique')
  for (const code of SECRET_STREAM_ERROR_CODES) {
    const factory = SecretStreamError[code] as (message?: string) => SecretStreamError
    t.is(typeof factory, 'function', `${code} factory exists`)
    const err = factory('detail here')
    t.ok(err instanceof SecretStreamError && err instanceof Error, `${code} is an Error`)
    t.is(err.code, code)
    t.is(err.name, 'SecretStreamError')
    t.is(err.message, `${code}: detail here`)
    const def = (SecretStreamError[code] as () => SecretStreamError)()
    t.ok(def.message.length > code.length + 2, `${code} has a default text`)
  }
})

test('the real package’s messages are kept where it has them', (t) => {
  t.is(SecretStreamError.HANDSHAKE_FAILED().message, 'HANDSHAKE_FAILED: Noise handshake failed')
  t.is(SecretStreamError.INVALID_MESSAGE().message, 'INVALID_MESSAGE: Invalid message received')
  t.is(SecretStreamError.INVALID_HEADER().message, 'INVALID_HEADER: Invalid header received')
  t.is(SecretStreamError.STREAM_TIMEOUT().message, 'STREAM_TIMEOUT: Stream timed out')
  t.is(SecretStreamError.STREAM_DESTROYED().message, 'STREAM_DESTROYED: Stream destroyed')
})

test('a cause is kept', (t) => {
  const cause = new Error('ECONNRESET')
  t.is(SecretStreamError.HANDSHAKE_FAILED('x', cause).cause, cause)
})

test('the code type narrows', (t) => {
  const code: SecretStreamErrorCode = SecretStreamError.FRAME_TOO_LARGE().code
  t.is(code, 'FRAME_TOO_LARGE')
})

test('README error-code table lists exactly the codes, in order', (t) => {
  const codes = [...section('Error codes').matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1])
  t.alike(codes, [...SECRET_STREAM_ERROR_CODES])
})

test('README ## API mentions every runtime export in a #### heading', (t) => {
  const headings = section('API')
    .split('\n')
    .filter((l) => l.startsWith('#### '))
    .join('\n')
  for (const name of Object.keys(api).filter((n) => n !== 'default')) {
    t.ok(new RegExp(`\\b${name}\\b`).test(headings), name)
  }
})

test('README events table lists the events the stream emits', (t) => {
  const events = [...section('Events').matchAll(/^\|\s*`([a-z]+)`\s*\|/gm)].map((m) => m[1])
  for (const e of ['handshake', 'connect', 'open', 'data', 'message', 'end', 'close', 'error']) {
    t.ok(events.includes(e), e)
  }
})
