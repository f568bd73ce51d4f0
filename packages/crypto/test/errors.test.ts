// Tests for CryptoError, its codes, and the README's error table and API headings.

import test from 'brittle'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as api from '../src/index.js'
import { CRYPTO_ERROR_CODES, CryptoError } from '../src/index.js'
import type { CryptoErrorCode } from '../src/index.js'

// dist/test/errors.test.js -> package root
const README = fileURLToPath(new URL('../../README.md', import.meta.url))

function readme(): string {
  return readFileSync(README, 'utf8')
}

test('every code has a static factory that builds a matching CryptoError', (t) => {
  t.is(CRYPTO_ERROR_CODES.length, new Set(CRYPTO_ERROR_CODES).size, 'codes are unique')
  for (const code of CRYPTO_ERROR_CODES) {
    const factory = CryptoError[code] as (message?: string) => CryptoError
    t.is(typeof factory, 'function', `${code} factory exists`)
    const err = factory('detail here')
    t.ok(err instanceof CryptoError, `${code} is a CryptoError`)
    t.ok(err instanceof Error, `${code} is an Error`)
    t.is(err.code, code)
    t.is(err.name, 'CryptoError')
    t.is(err.message, `${code}: detail here`)
    t.absent(
      String(err.stack).split('\n')[1]?.includes(`CryptoError.${code}`),
      'factory frame hidden'
    )
  }
})

test('default messages keep the `${code}: ` prefix', (t) => {
  for (const code of CRYPTO_ERROR_CODES) {
    const err = (CryptoError[code] as () => CryptoError)()
    t.ok(err.message.startsWith(`${code}: `), code)
    t.ok(err.message.length > code.length + 2, `${code} has a default text`)
  }
})

test('the code type narrows', (t) => {
  const err: CryptoError = CryptoError.INVALID_SEED()
  const code: CryptoErrorCode = err.code
  t.is(code, 'INVALID_SEED')
})

test('README error-code table lists exactly the codes in the union', (t) => {
  const text = readme()
  const start = text.indexOf('## Error codes')
  t.ok(start >= 0, 'README has an "## Error codes" section')
  const section = text.slice(start).split('\n## ')[0] ?? ''
  const codes = [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1])
  t.alike(codes, [...CRYPTO_ERROR_CODES], 'same codes, same order')
})

test('README ## API has a #### heading for every export', (t) => {
  const text = readme()
  const start = text.indexOf('## API')
  t.ok(start >= 0, 'README has "## API"')
  const apiSection = text.slice(start)
  const headings = [...apiSection.matchAll(/^#### `([^`]+)`/gm)].map((m) => m[1] ?? '')
  const names = Object.keys(api).sort()
  t.ok(names.length > 20, 'index exports the public surface')
  for (const name of names) {
    const documented = headings.some((h) =>
      new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(h)
    )
    t.ok(documented, `${name} is documented`)
  }
})
