// Record operations over a real UDP testnet: immutable and mutable put/get, their options,
// error codes and AbortSignal.

import test from 'brittle'
import type { KeyPair } from '@keymesh/crypto'
import { COMMANDS, encode, mutableGetRequest, mutablePutRequest } from '@keymesh/wire'
import { defaultSignMutable } from '../src/index.js'
import {
  HyperDHT,
  HyperDHTError,
  MAX_IMMUTABLE_VALUE_BYTES,
  MAX_MUTABLE_VALUE_BYTES,
  PutRefusedError
} from '../src/index.js'
import { createTestnet } from '../src/testnet.js'
import type { Teardown, Testnet } from '../src/testnet.js'

async function network(t: { teardown: Teardown }, size = 8) {
  const testnet = await createTestnet(size, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  return { testnet, client }
}

async function rejectsWith(
  t: { is(a: unknown, b: unknown, m?: string): void; fail(m?: string): void },
  p: Promise<unknown>,
  code: string
): Promise<unknown> {
  try {
    await p
    t.fail(`expected ${code}`)
    return null
  } catch (err) {
    t.is((err as { code?: string }).code, code, code)
    return err
  }
}

function otherClient(testnet: Testnet): Promise<HyperDHT> {
  const node = testnet.createNode()
  return node.fullyBootstrapped().then(() => node)
}

test('immutable: put stores on the closest nodes, any node gets it back', async (t) => {
  const { testnet, client } = await network(t)
  const value = Buffer.from('hello keymesh')
  const put = await client.immutablePut(value)
  t.alike(put.hash, HyperDHT.hash(value))
  t.ok(put.closestNodes.length > 0)
  t.ok(put.stored >= 1, `stored on ${put.stored} nodes`)
  t.alike(put.refused, [])

  const reader = await otherClient(testnet)
  const got = await reader.immutableGet(put.hash)
  t.ok(got)
  t.alike(got!.value, value)
  t.ok(got!.from.port > 0 && got!.to.port > 0, 'from/to of the answering node')

  t.is(await reader.immutableGet(HyperDHT.hash(Buffer.from('nothing'))), null, 'null when absent')
  const stats = testnet.nodes.map((n) => n.stats.records).filter((s) => s !== null)
  t.ok(stats.length >= 7, 'persistent nodes expose their store stats')
})

test('immutable: size limit and argument checks fail before sending', async (t) => {
  const { client } = await network(t, 4)
  const sent = client.stats.requests.total
  await rejectsWith(
    t,
    client.immutablePut(Buffer.alloc(MAX_IMMUTABLE_VALUE_BYTES + 1)),
    'VALUE_TOO_LARGE'
  )
  await rejectsWith(t, client.immutablePut('text' as unknown as Buffer), 'INVALID_ARGUMENT')
  await rejectsWith(t, client.immutableGet(Buffer.alloc(31)), 'INVALID_ARGUMENT')
  t.is(client.stats.requests.total, sent, 'nothing went on the wire')
  const max = await client.immutablePut(Buffer.alloc(MAX_IMMUTABLE_VALUE_BYTES, 1))
  t.ok(max.stored >= 1, 'the largest value is stored')
  const back = await client.immutableGet(max.hash)
  t.is(back?.value.byteLength, MAX_IMMUTABLE_VALUE_BYTES, 'and read back')
})

test('mutable: put/get, seq updates, latest, minimum seq', async (t) => {
  const { testnet, client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  const first = await client.mutablePut(keyPair, Buffer.from('v1'), { seq: 1 })
  t.alike(first.publicKey, keyPair.publicKey)
  t.is(first.seq, 1)
  t.is(first.signature.byteLength, 64)
  t.ok(first.stored >= 1)

  const reader = await otherClient(testnet)
  const got = await reader.mutableGet(keyPair.publicKey)
  t.is(got?.seq, 1)
  t.alike(got?.value, Buffer.from('v1'))
  t.alike(got?.signature, first.signature)

  await client.mutablePut(keyPair, Buffer.from('v2'), { seq: 2 })
  const latest = await reader.mutableGet(keyPair.publicKey, { latest: true })
  t.is(latest?.seq, 2)
  t.alike(latest?.value, Buffer.from('v2'))
  const any = await reader.mutableGet(keyPair.publicKey, { latest: false })
  t.ok(any !== null && any.seq >= 1, 'latest: false returns the first valid record')
  t.is(await reader.mutableGet(keyPair.publicKey, { seq: 3 }), null, 'nothing at seq >= 3')
  t.is(await reader.mutableGet(HyperDHT.keyPair().publicKey), null, 'unknown key')

  const again = await client.mutablePut(keyPair, Buffer.from('v2'), { seq: 2 })
  t.ok(again.stored >= 1, 're-putting the identical record is accepted')
})

test('mutable: SEQ_TOO_LOW and SEQ_REUSED when every node refuses', async (t) => {
  const { client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  await client.mutablePut(keyPair, Buffer.from('five'), { seq: 5 })

  const low = (await rejectsWith(
    t,
    client.mutablePut(keyPair, Buffer.from('four'), { seq: 4 }),
    'SEQ_TOO_LOW'
  )) as PutRefusedError
  t.ok(low instanceof PutRefusedError)
  t.ok(low.refused.length >= 1)
  t.ok(low.refused.every((r) => r.code === 'SEQ_TOO_LOW' && r.from.port > 0))

  const reused = (await rejectsWith(
    t,
    client.mutablePut(keyPair, Buffer.from('other'), { seq: 5 }),
    'SEQ_REUSED'
  )) as PutRefusedError
  t.ok(reused.refused.every((r) => r.code === 'SEQ_REUSED'))

  const got = await client.mutableGet(keyPair.publicKey)
  t.alike(got?.value, Buffer.from('five'), 'the stored record is unchanged')
})

test('mutable: value limit, bad keys and seqs, custom signers', async (t) => {
  const { client } = await network(t, 4)
  const keyPair = HyperDHT.keyPair()
  await rejectsWith(
    t,
    client.mutablePut(keyPair, Buffer.alloc(MAX_MUTABLE_VALUE_BYTES + 1)),
    'VALUE_TOO_LARGE'
  )
  await rejectsWith(
    t,
    client.mutablePut(keyPair, Buffer.alloc(MAX_MUTABLE_VALUE_BYTES), { seq: 2 ** 40 }),
    'VALUE_TOO_LARGE'
  )
  await rejectsWith(
    t,
    client.mutablePut(keyPair, Buffer.from('x'), { seq: -1 }),
    'INVALID_ARGUMENT'
  )
  await rejectsWith(
    t,
    client.mutablePut({ publicKey: Buffer.alloc(3) } as KeyPair, Buffer.from('x')),
    'INVALID_ARGUMENT'
  )
  await rejectsWith(t, client.mutableGet(Buffer.alloc(31)), 'INVALID_ARGUMENT')
  await rejectsWith(
    t,
    client.mutablePut(keyPair, Buffer.from('x'), { signMutable: () => Buffer.alloc(64) }),
    'INVALID_SIGNATURE'
  )

  const remote = await client.mutablePut(keyPair, Buffer.from('remote'), {
    // an async signer, as for a key held elsewhere
    signMutable: async (seq, value, kp) => defaultSignMutable(seq, value, kp)
  })
  t.ok(remote.stored >= 1, 'an async signer works')

  const max = await client.mutablePut(keyPair, Buffer.alloc(MAX_MUTABLE_VALUE_BYTES, 2), { seq: 1 })
  t.ok(max.stored >= 1)
  const back = await client.mutableGet(keyPair.publicKey, { seq: 1 })
  t.is(back?.value.byteLength, MAX_MUTABLE_VALUE_BYTES, 'the largest value reads back')
})

test('mutable: refresh re-puts the found record', async (t) => {
  const { testnet, client } = await network(t)
  const keyPair = HyperDHT.keyPair()
  await client.mutablePut(keyPair, Buffer.from('keep me'), { seq: 7 })
  const reader = await otherClient(testnet)
  let called = 0
  const got = await reader.mutableGet(keyPair.publicKey, {
    refresh: (result) => {
      called++
      return result.seq === 7
    }
  })
  t.is(got?.seq, 7)
  t.ok(called >= 1, 'refresh callback asked')
})

test('AbortSignal: an aborted signal rejects every operation with its reason', async (t) => {
  const { client } = await network(t, 4)
  const reason = new Error('stop')
  const signal = AbortSignal.abort(reason)
  const keyPair = HyperDHT.keyPair()
  const ops: Array<Promise<unknown>> = [
    client.immutablePut(Buffer.from('a'), { signal }),
    client.immutableGet(HyperDHT.hash(Buffer.from('a')), { signal }),
    client.mutablePut(keyPair, Buffer.from('a'), { signal }),
    client.mutableGet(keyPair.publicKey, { signal }),
    client.lookup(Buffer.alloc(32), { signal }).finished(),
    client.announce(Buffer.alloc(32), keyPair, [], { signal }).finished(),
    client.unannounce(Buffer.alloc(32), keyPair, { signal }),
    client.findPeer(keyPair.publicKey, { signal }).finished()
  ]
  for (const op of ops) {
    try {
      await op
      t.fail('should reject')
    } catch (err) {
      t.is(err, reason)
    }
  }
})

test('AbortSignal: aborting mid-query stops it', async (t) => {
  const { client } = await network(t, 6)
  const controller = new AbortController()
  const pending = client.mutableGet(HyperDHT.keyPair().publicKey, { signal: controller.signal })
  controller.abort(new HyperDHTError('INVALID_ARGUMENT', 'cancelled'))
  await rejectsWith(t, pending, 'INVALID_ARGUMENT')
})

test('storing nodes refuse, silently and counted, values they could not send back', async (t) => {
  const { testnet, client } = await network(t, 4)
  const node = testnet.nodes[1]!
  const to = { host: '127.0.0.1', port: node.address()!.port }
  const keyPair = HyperDHT.keyPair()
  const target = HyperDHT.hash(keyPair.publicKey)
  const probe = await client.request(
    { command: COMMANDS.MUTABLE_GET, target, value: encode(mutableGetRequest, 0) },
    to
  )
  const value = Buffer.alloc(MAX_MUTABLE_VALUE_BYTES + 1, 3)
  const signature = await defaultSignMutable(0, value, keyPair)
  const put = encode(mutablePutRequest, { publicKey: keyPair.publicKey, seq: 0, value, signature })
  const before = node.stats.records!.dropped.tooLarge
  const request = { command: COMMANDS.MUTABLE_PUT, target, token: probe.token, value: put }
  await rejectsWith(t, client.request(request, to, { retry: false }), 'REQUEST_TIMEOUT')
  t.is(node.stats.records!.dropped.tooLarge, before + 1)

  const big = Buffer.alloc(MAX_IMMUTABLE_VALUE_BYTES + 1, 4)
  const immutable = {
    command: COMMANDS.IMMUTABLE_PUT,
    target: HyperDHT.hash(big),
    token: probe.token,
    value: big
  }
  await rejectsWith(t, client.request(immutable, to, { retry: false }), 'REQUEST_TIMEOUT')
  t.is(node.stats.records!.dropped.tooLarge, before + 2)
})
