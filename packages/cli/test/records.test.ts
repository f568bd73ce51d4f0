// put/get (immutable and mutable) and announce/lookup through the real binary on a testnet.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import type { TestInstance } from './helpers/brittle.js'
import { keymesh, keymeshDone } from './helpers/keymesh.js'
import { localNetwork } from './helpers/network.js'

test.configure({ timeout: 60_000 })

async function keyFile(
  t: TestInstance,
  bootstrap: string
): Promise<{ file: string; publicKey: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'keymesh-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'me.key')
  const r = await keymeshDone(t, ['keygen', '--out', file, '--bootstrap', bootstrap])
  return { file, publicKey: r.stdout.trim() }
}

test('immutable put/get round trip: argument, stdin and file; --json', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]

  const put = await keymeshDone(t, ['put', ...b, 'hello world'])
  t.is(put.code, 0, put.stderr)
  const hash = put.stdout.trim()
  t.is(hash, HyperDHT.hash(Buffer.from('hello world')).toString('hex'), 'prints the hash')
  const get = await keymeshDone(t, ['get', ...b, hash])
  t.is(get.code, 0)
  t.is(get.stdout, 'hello world', 'the exact bytes, no newline added')

  const binary = Buffer.from([0, 1, 2, 255, 10, 13, 0])
  const fromStdin = await keymeshDone(t, ['put', ...b, '--json'], { stdin: binary })
  t.is(fromStdin.code, 0)
  const json = JSON.parse(fromStdin.stdout) as { type: string; hash: string; stored: number }
  t.is(json.type, 'immutable')
  t.ok(json.stored > 0, 'stored on some nodes')
  const back = await keymeshDone(t, ['get', ...b, json.hash])
  t.alike(back.stdoutBytes, binary, 'binary-safe through stdin and stdout')
  const backJson = await keymeshDone(t, ['get', ...b, json.hash, '--json'])
  t.alike(JSON.parse(backJson.stdout), {
    type: 'immutable',
    hash: json.hash,
    value: binary.toString('base64')
  })

  const dir = await mkdtemp(path.join(tmpdir(), 'keymesh-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'value.txt')
  await writeFile(file, 'from a file\n')
  const fromFile = await keymeshDone(t, ['put', ...b, '--file', file])
  t.is((await keymeshDone(t, ['get', ...b, fromFile.stdout.trim()])).stdout, 'from a file\n')
})

test('mutable put/get: --key, automatic and explicit --seq, SEQ errors, not found exits 3', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const { file, publicKey } = await keyFile(t, bootstrap)

  const first = await keymeshDone(t, ['put', ...b, '--key', file, 'v1', '--json'])
  t.is(first.code, 0, first.stderr)
  t.alike(JSON.parse(first.stdout).seq, 0, 'first record: seq 0')
  const second = await keymeshDone(t, ['put', ...b, '--key', file, 'v2', '--json'])
  t.alike(JSON.parse(second.stdout).seq, 1, 'next seq found on the network')

  const byKey = await keymeshDone(t, ['get', ...b, '--mutable', publicKey])
  t.is(byKey.code, 0)
  t.is(byKey.stdout, 'v2')
  const byFile = await keymeshDone(t, ['get', ...b, '--key', file, '--json'])
  t.alike(JSON.parse(byFile.stdout), {
    type: 'mutable',
    publicKey,
    seq: 1,
    value: Buffer.from('v2').toString('base64')
  })

  const explicit = await keymeshDone(t, ['put', ...b, '--key', file, '--seq', '7', 'v7'])
  t.is(explicit.code, 0)
  t.is((await keymeshDone(t, ['get', ...b, '--mutable', publicKey, '--seq', '7'])).stdout, 'v7')
  const tooLow = await keymeshDone(t, ['put', ...b, '--key', file, '--seq', '3', 'old'])
  t.is(tooLow.code, 1, 'a lower seq is refused')
  t.ok(tooLow.stderr.startsWith('keymesh put: SEQ_TOO_LOW: '), tooLow.stderr)

  const newer = await keymeshDone(t, ['get', ...b, '--mutable', publicKey, '--seq', '8'])
  t.is(newer.code, 3, 'nothing at or above seq 8')
  t.ok(newer.stderr.startsWith('keymesh get: NOT_FOUND: '))
  const unknown = await keymeshDone(t, ['get', ...b, 'ab'.repeat(32)])
  t.is(unknown.code, 3)
  t.is(unknown.stdout, '')
})

test('announce/lookup: text topics are hashed, hex topics used as is; --remove', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const { file, publicKey } = await keyFile(t, bootstrap)

  const announced = await keymeshDone(t, ['announce', ...b, '--key', file, 'my-app', '--json'])
  t.is(announced.code, 0, announced.stderr)
  const a = JSON.parse(announced.stdout) as { topic: string; publicKey: string }
  t.is(a.topic, HyperDHT.hash(Buffer.from('my-app')).toString('hex'))
  t.is(a.publicKey, publicKey)

  const other = await keymeshDone(t, ['announce', ...b, a.topic, '--relay', '127.0.0.1:4000'])
  t.is(other.code, 0)

  const found = await keymeshDone(t, ['lookup', ...b, 'my-app', '--json'])
  t.is(found.code, 0)
  const peers = (
    JSON.parse(found.stdout) as { peers: { publicKey: string; relayAddresses: string[] }[] }
  ).peers
  t.is(peers.length, 2, 'both announcers, once each')
  t.ok(peers.some((p) => p.publicKey === publicKey))
  t.ok(
    peers.some((p) => p.relayAddresses.includes('127.0.0.1:4000')),
    'relay addresses kept'
  )
  const text = await keymeshDone(t, ['lookup', ...b, a.topic])
  t.ok(text.stdout.includes(publicKey), 'text output lists the key')

  const removed = await keymeshDone(t, ['announce', ...b, '--key', file, 'my-app', '--remove'])
  t.is(removed.code, 0)
  const after = await keymeshDone(t, ['lookup', ...b, 'my-app', '--json'])
  const left = (JSON.parse(after.stdout) as { peers: { publicKey: string }[] }).peers
  t.absent(
    left.some((p) => p.publicKey === publicKey),
    'removed'
  )

  const none = await keymeshDone(t, ['lookup', ...b, 'nobody-here'])
  t.is(none.code, 3)
  t.ok(none.stderr.startsWith('keymesh lookup: NOT_FOUND: '))
})

test('an unreachable bootstrap node is NO_NETWORK, exit 1', async (t) => {
  const r = await keymeshDone(t, ['get', '--bootstrap', '127.0.0.1:9', 'ab'.repeat(32)])
  t.is(r.code, 1)
  t.ok(
    r.stderr.startsWith('keymesh get: NO_NETWORK: none of the bootstrap nodes answered'),
    r.stderr
  )
})

test('announce --hold keeps the announcement until SIGINT, then removes it and exits 0', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const { file, publicKey } = await keyFile(t, bootstrap)
  const holder = keymesh(t, ['announce', ...b, '--key', file, 'held', '--hold', '--json'])
  await holder.waitFor(/"publicKey"/)
  const found = await keymeshDone(t, ['lookup', ...b, 'held'])
  t.is(found.stdout.trim(), publicKey, 'announced while held')

  holder.child.kill('SIGINT')
  t.is(await holder.exited, 0)
  const after = await keymeshDone(t, ['lookup', ...b, 'held'])
  t.is(after.code, 3, 'removed on stop')
})
