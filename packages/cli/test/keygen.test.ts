// keymesh keygen: key files with mode 0600, seeds, refusing to overwrite, and reading them back.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import { parseKeyFile } from '../src/index.js'
import type { TestInstance } from './helpers/brittle.js'
import { keymeshDone } from './helpers/keymesh.js'

test.configure({ timeout: 60_000 })

async function tempDir(t: TestInstance): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'keymesh-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('keygen --out writes a 0600 key file and prints its public key', async (t) => {
  const file = path.join(await tempDir(t), 'me.key')
  const r = await keymeshDone(t, ['keygen', '--out', file])
  t.is(r.code, 0)
  const publicKey = r.stdout.trim()
  t.ok(/^[0-9a-f]{64}$/.test(publicKey), 'prints the public key')
  t.is((await stat(file)).mode & 0o777, 0o600, 'mode 0600')
  const keyPair = await parseKeyFile(await readFile(file, 'utf8'), file)
  t.is(keyPair.publicKey.toString('hex'), publicKey, 'the file holds that key pair')

  const again = await keymeshDone(t, ['keygen', '--out', file])
  t.is(again.code, 1, 'an existing file is not replaced')
  t.ok(again.stderr.startsWith('keymesh keygen: KEY_FILE_EXISTS: '))
  const forced = await keymeshDone(t, ['keygen', '--out', file, '--force', '--json'])
  t.is(forced.code, 0)
  const json = JSON.parse(forced.stdout) as { publicKey: string; file: string }
  t.is(json.file, file)
  t.not(json.publicKey, publicKey, '--force replaced it with a new key pair')
})

test('keygen --seed is deterministic and matches HyperDHT.keyPair(seed)', async (t) => {
  const seed = '07'.repeat(32)
  const expected = HyperDHT.keyPair(Buffer.from(seed, 'hex'))
  const a = await keymeshDone(t, ['keygen', '--seed', seed, '--json'])
  const b = await keymeshDone(t, ['keygen', '--seed', seed])
  t.is(a.code, 0)
  const json = JSON.parse(a.stdout) as { publicKey: string; secretKey: string }
  t.is(json.publicKey, expected.publicKey.toString('hex'))
  t.is(json.secretKey, expected.secretKey.toString('hex'))
  t.alike(JSON.parse(b.stdout), json, 'without --out the key file is printed')
})

test('a broken or missing key file is a one-line error, exit 1', async (t) => {
  const dir = await tempDir(t)
  const bad = path.join(dir, 'bad.key')
  const pair = HyperDHT.keyPair()
  await writeFile(
    bad,
    JSON.stringify({
      publicKey: HyperDHT.keyPair().publicKey.toString('hex'),
      secretKey: pair.secretKey.toString('hex')
    })
  )
  const args = ['put', '--bootstrap', '127.0.0.1:1', '--key']
  const mismatched = await keymeshDone(t, [...args, bad, 'v'])
  t.is(mismatched.code, 1)
  t.is(
    mismatched.stderr,
    `keymesh put: INVALID_KEY_FILE: ${bad}: publicKey does not belong to secretKey\n`
  )

  const missing = await keymeshDone(t, [...args, path.join(dir, 'none.key'), 'v'])
  t.is(missing.code, 1)
  t.ok(missing.stderr.startsWith('keymesh put: FILE_READ_FAILED: '))
})
