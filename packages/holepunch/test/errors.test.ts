// Tests for HolepunchError, its codes, and the README's error table and API headings.

import test from 'brittle'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as api from '../src/index.js'
import { HOLEPUNCH_ERROR_CODES, HolepunchError } from '../src/index.js'
import type { HolepunchErrorCode } from '../src/index.js'

// dist/test/errors.test.js -> package root
const README = fileURLToPath(new URL('../../README.md', import.meta.url))

test('every code has a static factory that builds a matching HolepunchError', (t) => {
  t.is(HOLEPUNCH_ERROR_CODES.length, new Set(HOLEPUNCH_ERROR_CODES).size, 'codes are unique')
  for (const code of HOLEPUNCH_ERROR_CODES) {
    const factory = HolepunchError[code] as (message?: string) => HolepunchError
    t.is(typeof factory, 'function', `${code} factory exists`)
    const err = factory('detail')
    t.ok(err instanceof HolepunchError)
    t.is(err.code, code)
    t.is(err.name, 'HolepunchError')
    t.is(err.message, `${code}: detail`)
    t.ok(factory().message.startsWith(`${code}: `), 'default text keeps the prefix')
  }
  const narrowed: HolepunchErrorCode = HolepunchError.POOL_DESTROYED().code
  t.is(narrowed, 'POOL_DESTROYED')
})

test('README error-code table lists exactly the codes in the union', (t) => {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf('## Error codes')
  t.ok(start >= 0, 'README has an "## Error codes" section')
  const section = text.slice(start).split('\n## ')[0] ?? ''
  const codes = [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1])
  t.alike(codes, [...HOLEPUNCH_ERROR_CODES])
})

test('README ## API has a #### heading for every export', (t) => {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf('## API')
  t.ok(start >= 0, 'README has "## API"')
  const headings = [...text.slice(start).matchAll(/^#### `([^`]+)`/gm)].map((m) => m[1] ?? '')
  for (const name of Object.keys(api).sort()) {
    const documented = headings.some((h) =>
      new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(h)
    )
    t.ok(documented, `${name} is documented`)
  }
})
