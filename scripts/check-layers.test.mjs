// Tests scripts/check-layers.mjs by running it against throwaway monorepos built in os.tmpdir().

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { findCycles, findSpecifiers } from './check-layers.mjs'

const SCRIPT = fileURLToPath(new URL('./check-layers.mjs', import.meta.url))

// ---------------------------------------------------------------------------------------------
// Fixture helpers

const roots = []

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

// Writes `files` ({ 'packages/wire/src/index.ts': '...' }) under a fresh temporary root.
function makeRepo(files) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'check-layers-'))
  roots.push(root)
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  }
  return root
}

// A packages/<dir>/package.json entry; `name` defaults to @keymesh/<dir>.
function manifest(dir, fields = {}) {
  return { [`packages/${dir}/package.json`]: { name: `@keymesh/${dir}`, ...fields } }
}

function workspaceDeps(...dirs) {
  return Object.fromEntries(dirs.map((d) => [`@keymesh/${d}`, 'workspace:^']))
}

// The smallest valid layout: wire and crypto at the bottom, dht-rpc on top of both.
function cleanLayout() {
  return {
    ...manifest('wire', { dependencies: { b4a: '^1.6.7' } }),
    'packages/wire/src/index.ts': "export { encode } from './codec.js'\n",
    'packages/wire/src/codec.ts': "import b4a from 'b4a'\nexport const encode = b4a.from\n",
    ...manifest('crypto'),
    'packages/crypto/src/index.ts': 'export const hash = (b: Uint8Array) => b\n',
    ...manifest('dht-rpc', { dependencies: workspaceDeps('wire', 'crypto') }),
    'packages/dht-rpc/src/index.ts': [
      '// Composes the node.',
      'import {',
      '  encode,',
      '  type Codec',
      "} from '@keymesh/wire'",
      "import type { Hash } from '@keymesh/crypto'",
      "import { io } from './io.js'",
      "import { query } from './query/index.js'",
      'export { io, query }'
    ].join('\n'),
    'packages/dht-rpc/src/io.ts':
      "import { hash } from '@keymesh/crypto'\nexport const io = hash\n",
    'packages/dht-rpc/src/query/index.ts':
      "import { io } from '../io.js'\nexport const query = io\n"
  }
}

function run(root, ...args) {
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], {
    encoding: 'utf8'
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function assertFails(result, ...fragments) {
  assert.equal(
    result.status,
    1,
    `expected exit 1, got ${result.status}\n${result.stdout}${result.stderr}`
  )
  for (const fragment of fragments) assert.match(result.stderr, toPattern(fragment))
}

function toPattern(fragment) {
  return fragment instanceof RegExp
    ? fragment
    : new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
}

// ---------------------------------------------------------------------------------------------
// The command

describe('check-layers', () => {
  test('a clean layout passes with a one-line summary', () => {
    const result = run(makeRepo(cleanLayout()))
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, 'check-layers: 3 packages, 6 files, no violations\n')
  })

  test('cli is mapped by its package name `keymesh`', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('hyperdht'),
      'packages/cli/package.json': { name: 'keymesh', dependencies: workspaceDeps('hyperdht') },
      'packages/cli/src/bin.ts': "import DHT from '@keymesh/hyperdht'\nnew DHT()\n"
    })
    assert.equal(run(root).status, 0, run(root).stderr)
  })

  test('an upward import fails (wire importing @keymesh/dht-rpc)', () => {
    const root = makeRepo({
      ...cleanLayout(),
      'packages/wire/src/codec.ts':
        "import b4a from 'b4a'\nimport { DHT } from '@keymesh/dht-rpc'\n"
    })
    assertFails(
      run(root),
      'packages/wire/src/codec.ts:2: imports "@keymesh/dht-rpc": wire → dht-rpc is not an allowed edge',
      '(wire may depend on no keymesh package)'
    )
  })

  test('an upward dependency in package.json fails', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('crypto', { devDependencies: workspaceDeps('dht-rpc') })
    })
    assertFails(run(root), 'packages/crypto/package.json: devDependencies has "@keymesh/dht-rpc"')
  })

  test('an undeclared dependency fails', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('dht-rpc', { dependencies: workspaceDeps('wire') })
    })
    assertFails(
      run(root),
      'packages/dht-rpc/src/index.ts:6: imports "@keymesh/crypto" but package.json does not declare it',
      'packages/dht-rpc/src/io.ts:1:'
    )
  })

  test('a devDependency does not declare a src import of a published package', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('dht-rpc', {
        dependencies: workspaceDeps('wire'),
        devDependencies: workspaceDeps('crypto')
      })
    })
    assertFails(run(root), 'imports "@keymesh/crypto" but package.json does not declare it')
  })

  test('a sideways edge fails (holepunch importing @keymesh/dht-rpc)', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('holepunch', { dependencies: workspaceDeps('wire', 'dht-rpc') }),
      'packages/holepunch/src/relay.ts': "import { io } from '@keymesh/dht-rpc/io'\n"
    })
    assertFails(
      run(root),
      'packages/holepunch/package.json: dependencies has "@keymesh/dht-rpc": holepunch → dht-rpc',
      'packages/holepunch/src/relay.ts:1: imports "@keymesh/dht-rpc/io": holepunch → dht-rpc'
    )
  })

  test('a relative import escaping the package fails', () => {
    const root = makeRepo({
      ...cleanLayout(),
      'packages/dht-rpc/src/io.ts': "export { hash as io } from '../../crypto/src/index.js'\n"
    })
    assertFails(
      run(root),
      'packages/dht-rpc/src/io.ts:1: relative import "../../crypto/src/index.js" leaves packages/dht-rpc/'
    )
  })

  test('a 3-file cycle inside src is reported with its path', () => {
    const root = makeRepo({
      ...cleanLayout(),
      'packages/wire/src/a.ts': "import { b } from './b.js'\nexport const a = b\n",
      // Type-only edges count, so this one closes the loop too.
      'packages/wire/src/b.ts': "import type { C } from './nested/c.js'\nexport const b = 1\n",
      'packages/wire/src/nested/c.ts': "export { a } from '../a.js'\nexport type C = number\n"
    })
    assertFails(run(root), 'packages/wire/src: import cycle: a.ts → b.ts → nested/c.ts → a.ts')
  })

  test('a cycle through dynamic import and require is found', () => {
    const root = makeRepo({
      ...cleanLayout(),
      'packages/wire/src/a.ts': "export const load = () => import('./b.cjs')\n",
      'packages/wire/src/b.cts': "const a = require('./a.js')\n"
    })
    assertFails(run(root), 'import cycle: a.ts → b.cts → a.ts')
  })

  test('a commented-out upward import does not fail', () => {
    const root = makeRepo({
      ...cleanLayout(),
      'packages/wire/src/codec.ts': [
        "import b4a from 'b4a'",
        "// import { DHT } from '@keymesh/dht-rpc'",
        "/* import { DHT } from '@keymesh/dht-rpc'",
        "   require('@keymesh/hyperdht') */",
        "const url = 'http://example.com/' // import('@keymesh/dht-rpc')",
        'export const encode = b4a.from'
      ].join('\n')
    })
    const result = run(root)
    assert.equal(result.status, 0, result.stderr)
  })

  test('an unknown package directory fails', () => {
    const root = makeRepo({ ...cleanLayout(), ...manifest('extras') })
    assertFails(
      run(root),
      'packages/extras: "@keymesh/extras" is not in the allowed-edges table; add "extras"'
    )
  })

  test('a package directory without package.json fails', () => {
    const root = makeRepo({ ...cleanLayout(), 'packages/stray/src/index.ts': '' })
    assertFails(run(root), 'packages/stray: has no package.json')
  })

  test('self-dependencies and package cycles fail', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('wire', { dependencies: workspaceDeps('wire', 'crypto') }),
      ...manifest('crypto', { dependencies: workspaceDeps('wire') })
    })
    assertFails(
      run(root),
      'packages/wire/package.json: dependencies lists the package itself',
      'package dependency cycle: crypto → wire → crypto'
    )
  })

  test('interop may use every package from devDependencies', () => {
    const root = makeRepo({
      ...cleanLayout(),
      ...manifest('interop', { private: true, devDependencies: workspaceDeps('wire', 'dht-rpc') }),
      'packages/interop/src/suite.ts': "import '@keymesh/wire'\nimport '@keymesh/dht-rpc'\n"
    })
    const result = run(root)
    assert.equal(result.status, 0, result.stderr)
  })

  test('--package checks one package only', () => {
    const root = makeRepo({
      ...cleanLayout(),
      'packages/wire/src/codec.ts': "import '@keymesh/dht-rpc'\n"
    })
    const crypto = run(root, '--package', 'crypto')
    assert.equal(crypto.status, 0, crypto.stderr)
    assert.equal(crypto.stdout, 'check-layers: 1 package, 1 files, no violations\n')
    assertFails(run(root, '--package', 'wire'), 'wire → dht-rpc')
  })

  test('bad usage exits 2', () => {
    const root = makeRepo(cleanLayout())
    assert.equal(run(root, '--package', 'nope').status, 2)
    assert.equal(run(root, '--bogus').status, 2)
  })
})

// ---------------------------------------------------------------------------------------------
// The scanner and the cycle finder

describe('findSpecifiers', () => {
  test('finds every import form, with line numbers', () => {
    const source = [
      "import a from 'a'",
      "import 'b'",
      'import {',
      '  x,',
      '  type Y',
      '} from "c"',
      "import type { Z } from 'd'",
      "export * from 'e'",
      "export * as ns from 'f'",
      "export type { T } from 'g'",
      "const h = await import('h')",
      "const i = require('i')",
      "import j = require('j')",
      "type K = import('k').K",
      'const meta = import.meta.url'
    ].join('\n')
    assert.deepEqual(findSpecifiers(source), [
      { specifier: 'a', line: 1 },
      { specifier: 'b', line: 2 },
      { specifier: 'c', line: 6 },
      { specifier: 'd', line: 7 },
      { specifier: 'e', line: 8 },
      { specifier: 'f', line: 9 },
      { specifier: 'g', line: 10 },
      { specifier: 'h', line: 11 },
      { specifier: 'i', line: 12 },
      { specifier: 'j', line: 13 },
      { specifier: 'k', line: 14 }
    ])
  })

  test('ignores comments but not code after strings and regex literals that look like them', () => {
    const source = [
      "// import a from 'a'",
      "/* import b from 'b' */ import c from 'c'",
      "const re = /\\/*x/; import d from 'd'",
      "const s = '/*'; import e from 'e' // */"
    ].join('\n')
    assert.deepEqual(
      findSpecifiers(source).map((s) => s.specifier),
      ['c', 'd', 'e']
    )
  })
})

describe('findCycles', () => {
  test('reports each loop once and nothing for a DAG', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']]
    ])
    assert.deepEqual(findCycles(graph), [['a', 'b', 'c', 'a']])
    assert.deepEqual(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', []]
        ])
      ),
      []
    )
  })
})
