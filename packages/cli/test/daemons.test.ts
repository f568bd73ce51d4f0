// The long-running commands as children: testnet (with its gateway), node, bootstrap; signals.

import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'brittle'
import { keymesh, keymeshDone } from './helpers/keymesh.js'

test.configure({ timeout: 60_000 })

test('testnet: prints bootstrap, gateway and one-liners; usable; SIGTERM exits 0', async (t) => {
  const net = keymesh(t, ['testnet', '--size', '3', '--port', '0', '--gateway', '0'])
  const [, bootstrap] = await net.waitFor(/bootstrap: (127\.0\.0\.1:\d+)/)
  const [, gateway] = await net.waitFor(/gateway: +(http:\/\/127\.0\.0\.1:\d+)/)
  const [, relay] = await net.waitFor(/relay: +([0-9a-f]{64}) {2}\(use --relay-through \1\)/)
  await net.waitFor(/Press Ctrl\+C to stop\./)
  const b = `--bootstrap ${bootstrap as string}`
  t.ok(net.stdout().includes(`serve ${b} --key me.key --relay-through ${relay as string}`), 'relay')
  t.ok(net.stdout().includes(`put --bootstrap ${bootstrap} 'hello world'`), 'one-liners')
  t.ok(net.stdout().includes(`curl ${gateway}/`), 'gateway one-liner')

  const put = await keymeshDone(t, ['put', '--bootstrap', bootstrap as string, 'via the testnet'])
  t.is(put.code, 0, put.stderr)
  const res = await fetch(`${gateway}/immutable/${put.stdout.trim()}`)
  t.is(res.status, 200, 'the gateway serves what the CLI stored')
  const body = (await res.json()) as { data: string }
  t.is(Buffer.from(body.data, 'base64').toString(), 'via the testnet')

  net.child.kill('SIGTERM')
  t.is(await net.exited, 0)
  t.ok(net.stdout().endsWith('Stopped.\n'))
})

test('testnet --json --no-gateway: one ready event; SIGINT exits 0', async (t) => {
  const net = keymesh(t, ['testnet', '--size', '1', '--port', '0', '--no-gateway', '--json'])
  await net.waitFor(/"event":"ready"/)
  const [ready] = net.jsonLines()
  t.is(ready?.['nodes'], 1)
  t.is(ready?.['gateway'], null)
  t.ok(/^[0-9a-f]{64}$/.test(ready?.['relay'] as string), 'the relay key')
  net.child.kill('SIGINT')
  t.is(await net.exited, 0)
  t.alike(net.jsonLines().at(-1), { event: 'stopped' })
})

test('bootstrap + node with storage and a gateway: joins, serves HTTP, stops on signals', async (t) => {
  const boot = keymesh(t, ['bootstrap', '--port', '0', '--host', '127.0.0.1', '--json'])
  const [, bootstrap] = await boot.waitFor(/"bootstrap":"(127\.0\.0\.1:\d+)"/)

  const dir = await mkdtemp(path.join(tmpdir(), 'keymesh-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const node = keymesh(t, [
    'node',
    '--storage',
    path.join(dir, 'store'),
    '--bootstrap',
    bootstrap as string,
    '--port',
    '0',
    '--gateway',
    '0',
    '--json'
  ])
  const [, url] = await node.waitFor(/"gateway":"(http:\/\/127\.0\.0\.1:\d+)"/)
  const [info] = node.jsonLines()
  t.is(info?.['event'], 'listening')
  t.ok((info?.['nodes'] as number) > 0, 'the node knows the bootstrapper')
  const res = await fetch(`${url}/`)
  t.is(res.status, 200, 'GET / on the node gateway')
  await res.arrayBuffer()

  t.is(info?.['storage'], path.join(dir, 'store'))

  node.child.kill('SIGTERM')
  t.is(await node.exited, 0)
  t.ok((await readdir(path.join(dir, 'store'))).length > 0, 'the node wrote its store')
  boot.child.kill('SIGINT')
  t.is(await boot.exited, 0)
})

test('a taken explicit port exits 1 with PORT_IN_USE', async (t) => {
  const boot = keymesh(t, ['bootstrap', '--port', '0'])
  const [, port] = await boot.waitFor(/listening on 127\.0\.0\.1:(\d+)/)
  const again = await keymeshDone(t, ['bootstrap', '--port', port as string])
  t.is(again.code, 1)
  t.ok(again.stderr.startsWith('keymesh bootstrap: PORT_IN_USE: '), again.stderr)
})
