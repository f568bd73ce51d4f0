// Bad command lines exit 2 with one line on stderr: `keymesh <command>: USAGE: ...`.

import test from 'brittle'
import { keymeshDone } from './helpers/keymesh.js'

test.configure({ timeout: 60_000 })

const HEX = 'ab'.repeat(32)

const CASES: [string[], RegExp][] = [
  [['frobnicate'], /unknown command "frobnicate"/],
  [['keygen', '--bogus'], /Unknown option '--bogus'/],
  [['keygen', '--seed', 'xyz'], /--seed must be 64 hex characters/],
  [['keygen', 'extra'], /unexpected argument "extra"/],
  [['put', '--bootstrap', '127.0.0.1:1', '--seq', '1', 'v'], /--seq needs --key/],
  [
    ['put', '--bootstrap', '127.0.0.1:1', '--seq', 'x', '--key', 'k', 'v'],
    /--seq must be a whole number/
  ],
  [['put', '--bootstrap', '127.0.0.1:1', '--file', 'f', 'v'], /not both/],
  [['put', '--bootstrap', '127.0.0.1:1'], /the value is empty/],
  [['get', '--bootstrap', '127.0.0.1:1'], /missing hash/],
  [['get', '--bootstrap', '127.0.0.1:1', 'nothex'], /the hash must be 64 hex characters/],
  [['get', '--bootstrap', '127.0.0.1:1', '--seq', '2', HEX], /--seq needs --mutable or --key/],
  [['get', '--bootstrap', 'nohost', HEX], /--bootstrap must be host:port/],
  [
    ['get', '--bootstrap', '127.0.0.1:99999', HEX],
    /--bootstrap must be a whole number from 0 to 65535/
  ],
  [['lookup', '--bootstrap', '127.0.0.1:1'], /missing topic/],
  [['announce', '--bootstrap', '127.0.0.1:1', 't', '--remove'], /--remove needs --key/],
  [['connect', '--bootstrap', '127.0.0.1:1', 'short'], /the public key must be 64 hex/],
  [['connect', '--bootstrap', '127.0.0.1:1', HEX, '--tcp', 'x:y'], /--tcp must be a whole number/],
  [['serve', '--bootstrap', '127.0.0.1:1', '--allow', 'nope'], /--allow must be 64 hex/],
  [
    ['serve', '--bootstrap', '127.0.0.1:1', '--relay-through', HEX, '--relay-through', 'ab'],
    /--relay-through must be 64 hex characters, got "ab"/
  ],
  [
    ['connect', '--bootstrap', '127.0.0.1:1', HEX, '--relay-through', 'nothex'],
    /--relay-through must be 64 hex characters/
  ],
  [['connect', '--bootstrap', '127.0.0.1:1', HEX, '--relay-through'], /argument missing/],
  [
    ['relay', '--bootstrap', '127.0.0.1:1', '--max-sessions', '0'],
    /--max-sessions must be a whole number from 1 to 65535/
  ],
  [['relay', '--bootstrap', '127.0.0.1:1', 'extra'], /unexpected argument "extra"/],
  [['testnet', '--size', 'ten'], /--size must be a whole number from 0 to 1000/],
  [['testnet', '--gateway', '1', '--no-gateway'], /do not go together/],
  [['testnet', '--bootstrap', '127.0.0.1:5'], /--bootstrap does not apply/],
  [['node', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
  [['node', '--host', 'example.com'], /--host must be an IPv4 address/],
  [['bootstrap', '--port', '-1'], /Unknown option|--port/],
  [['bootstrap', '--host', '0.0.0.0'], /INVALID_HOST/],
  [['doctor', '--timeout', '0'], /--timeout must be a whole number from 1/]
]

test('bad arguments exit 2 with a one-line USAGE error naming the command', async (t) => {
  const results = await Promise.all(CASES.map(([args]) => keymeshDone(t, args)))
  for (const [i, [args, pattern]] of CASES.entries()) {
    const r = results[i] as Awaited<ReturnType<typeof keymeshDone>>
    const label = args.join(' ')
    t.is(r.code, 2, `${label}: exit 2`)
    const lines = r.stderr.trimEnd().split('\n')
    t.is(lines.length, 1, `${label}: one line`)
    t.ok(/^keymesh \w+: (USAGE|INVALID_\w+): /.test(r.stderr), `${label}: typed code`)
    t.ok(pattern.test(r.stderr), `${label}: ${r.stderr.trim()}`)
    t.is(r.stdout, '', `${label}: nothing on stdout`)
  }
})

test('--json adds the error as JSON on stdout', async (t) => {
  const r = await keymeshDone(t, ['get', '--json', '--bootstrap', '127.0.0.1:1', 'nothex'])
  t.is(r.code, 2)
  const json = JSON.parse(r.stdout) as { ok: boolean; code: string; message: string }
  t.is(json.ok, false)
  t.is(json.code, 'USAGE')
  t.ok(json.message.includes('64 hex'))
})
