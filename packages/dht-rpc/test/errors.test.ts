// Tests for DHTError, its codes, and the README's error table, option table and API headings.

import test from 'brittle'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as api from '../src/index.js'
import { DEFAULTS, DHTError, DHT_ERROR_CODES } from '../src/index.js'
import type { DHTErrorCode } from '../src/index.js'

const README = fileURLToPath(new URL('../../README.md', import.meta.url))

function section(title: string): string {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf(title)
  return start === -1 ? '' : (text.slice(start).split('\n## ')[0] ?? '')
}

test('every code has a static factory building a matching DHTError', (t) => {
  t.is(DHT_ERROR_CODES.length, new Set(DHT_ERROR_CODES).size)
  for (const code of DHT_ERROR_CODES) {
    const factory = DHTError[code] as (message?: string) => DHTError
    const err = factory('detail')
    t.ok(err instanceof DHTError && err instanceof Error)
    t.is(err.code, code)
    t.is(err.name, 'DHTError')
    t.is(err.message, `${code}: detail`)
    t.ok(factory().message.startsWith(`${code}: `), 'default text keeps the prefix')
    t.absent(String(err.stack).split('\n')[1]?.includes(`DHTError.${code}`), 'factory frame hidden')
  }
})

test("dht-rpc's codes and messages", (t) => {
  t.is(DHTError.REQUEST_TIMEOUT().message, 'REQUEST_TIMEOUT: Request timed out')
  t.is(DHTError.REQUEST_DESTROYED().message, 'REQUEST_DESTROYED: Request destroyed')
  t.is(DHTError.IO_SUSPENDED().message, 'IO_SUSPENDED: I/O suspended')
  t.is(DHTError.UNKNOWN_COMMAND, 1)
  t.is(DHTError.INVALID_TOKEN, 2)
  const code: DHTErrorCode = DHTError.NODE_DESTROYED().code
  t.is(code, 'NODE_DESTROYED')
})

test('README error table lists exactly the codes, in order', (t) => {
  const codes = [...section('## Error codes').matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1])
  t.alike(codes, [...DHT_ERROR_CODES])
})

test('README options table lists every DEFAULTS key', (t) => {
  const options = section('## Options')
  for (const key of Object.keys(DEFAULTS)) t.ok(options.includes('`' + key), `${key} documented`)
})

test('README ## API has a #### heading for every runtime export', (t) => {
  const apiSection = section('## API')
  for (const name of Object.keys(api)) {
    if (name === 'default') continue
    t.ok(
      new RegExp('^#### `[^`\\n]*\\b' + name + '\\b', 'm').test(apiSection),
      `${name} documented`
    )
  }
})
