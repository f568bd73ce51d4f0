// --help for the command and every subcommand, --version, and what a bare `keymesh` does.

import test from 'brittle'
import { COMMANDS } from '../src/index.js'
import { HELP_DEFAULTS } from '../src/deps.js'
import { keymeshDone } from './helpers/keymesh.js'

test.configure({ timeout: 60_000 })

test('every subcommand has --help (and -h): usage on stdout, exit 0', async (t) => {
  const names = COMMANDS.map((c) => c.name)
  t.alike(names, [
    'testnet',
    'node',
    'bootstrap',
    'keygen',
    'put',
    'get',
    'announce',
    'lookup',
    'serve',
    'connect',
    'relay',
    'doctor'
  ])
  const results = await Promise.all(
    names.map((name, i) => keymeshDone(t, [name, i % 2 === 0 ? '--help' : '-h']))
  )
  for (const [i, name] of names.entries()) {
    const r = results[i] as Awaited<ReturnType<typeof keymeshDone>>
    t.is(r.code, 0, `${name} --help exits 0`)
    t.ok(r.stdout.startsWith(`Usage: keymesh ${name}`), `${name} usage`)
    t.ok(r.stdout.includes('--bootstrap') && r.stdout.includes('Exit codes:'), `${name} globals`)
    t.is(r.stderr, '', `${name} nothing on stderr`)
  }
})

test('keymesh --help lists every command; help <command>; --version', async (t) => {
  const main = await keymeshDone(t, ['--help'])
  t.is(main.code, 0)
  for (const c of COMMANDS) t.ok(main.stdout.includes(`  ${c.name} `), c.name)

  const help = await keymeshDone(t, ['help', 'put'])
  t.is(help.code, 0)
  t.ok(help.stdout.startsWith('Usage: keymesh put'))

  const version = await keymeshDone(t, ['--version'])
  t.is(version.code, 0)
  t.ok(/^\d+\.\d+\.\d+\n$/.test(version.stdout))
})

test('bare keymesh prints usage on stderr and exits 2', async (t) => {
  const r = await keymeshDone(t, [])
  t.is(r.code, 2)
  t.is(r.stdout, '')
  t.ok(r.stderr.startsWith('Usage: keymesh <command>'))
})

test('defaults printed in help texts match the packages they come from', async (t) => {
  const { DEFAULT_PORT } = await import('@keymesh/hyperdht')
  const { BOOTSTRAPPER_DEFAULTS, LOCAL_NETWORK_DEFAULTS, MAX_LOCAL_NODES } =
    await import('@keymesh/bootstrapper')
  t.is(HELP_DEFAULTS.port, DEFAULT_PORT)
  t.is(HELP_DEFAULTS.port, BOOTSTRAPPER_DEFAULTS.port)
  t.is(HELP_DEFAULTS.host, BOOTSTRAPPER_DEFAULTS.host)
  t.is(HELP_DEFAULTS.nodes, LOCAL_NETWORK_DEFAULTS.nodes)
  t.is(HELP_DEFAULTS.maxNodes, MAX_LOCAL_NODES)
})
