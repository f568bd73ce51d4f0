// Named records and watch registrations at the storer: expiry honoured, owners picked by
// majority, budgets shared with mutable records, registrations that lapse unless refreshed.

import test from 'brittle'
import {
  KEYMESH_COMMANDS,
  KEYMESH_WIRE_ERRORS,
  WATCH_KINDS,
  encode,
  namedRecord,
  watchRequest
} from '@keymesh/wire'
import type { Reply } from '@keymesh/dht-rpc'
import { HyperDHT, isExpiredNamed, namedTarget, signNamed } from '../src/index.js'
import { pickNamed } from '../src/named-record.js'
import { createTestnet } from '../src/testnet.js'

test.configure({ timeout: 30_000 })

test('pickNamed: the owner most nodes hold wins, then its highest seq', (t) => {
  const a = HyperDHT.keyPair()
  const b = HyperDHT.keyPair()
  const from = { host: '127.0.0.1', port: 1 }
  const rec = (kp: typeof a, seq: number) => ({
    record: signNamed('k', Buffer.from('v' + seq), seq, 0, kp),
    from
  })
  const best = pickNamed([rec(b, 99), rec(a, 1), rec(a, 3), rec(a, 2)])
  t.ok(best?.publicKey.equals(a.publicKey), 'the squatter with one node loses')
  t.is(best?.seq, 3)
  t.is(best?.holders, 3)
  t.is(pickNamed([]), null)
  t.ok(isExpiredNamed(1, Date.now()))
  t.absent(isExpiredNamed(0, Date.now()), '0 never expires')
})

test('a storer refuses an expired named record with NAMED_EXPIRED; records share the mutable budget', async (t) => {
  const testnet = await createTestnet(4, t)
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const kp = HyperDHT.keyPair()
  const key = 'expiring'
  const target = namedTarget(key)
  const q = client.query({ target, command: KEYMESH_COMMANDS.NAMED_GET, value: null })
  await q.finished()
  const reply = q.closestReplies[0] as Reply
  t.ok(reply.token, 'a keymesh storer answered NAMED_GET with a token')
  const expired = encode(namedRecord, signNamed(key, Buffer.from('x'), 1, 1, kp))
  const refused = await client.request(
    { token: reply.token, target, command: KEYMESH_COMMANDS.NAMED_PUT, value: expired },
    reply.from
  )
  t.is(refused.error, KEYMESH_WIRE_ERRORS.NAMED_EXPIRED)

  const before = testnet.nodes.reduce((n, node) => n + (node.stats.records?.mutables ?? 0), 0)
  const put = await client.set(key, Buffer.from('fresh'), { keyPair: kp, seq: 1 })
  const after = testnet.nodes.reduce((n, node) => n + (node.stats.records?.mutables ?? 0), 0)
  t.is(after - before, put.stored, 'each stored named record is charged to the mutable shelf')
})

test('watch registrations lapse unless refreshed', async (t) => {
  let clock = Date.now()
  const testnet = await createTestnet(3, {
    teardown: t.teardown,
    nodeOptions: { watch: { now: () => clock, sweepInterval: 10, maxWatchTtl: 5000 } }
  })
  const client = testnet.createNode()
  await client.fullyBootstrapped()
  const target = HyperDHT.hash(Buffer.from('some key'))
  const q = client.query({ target, command: 7, value: Buffer.from([0]) })
  await q.finished()
  const reply = q.closestReplies[0] as Reply
  const value = encode(watchRequest, {
    kind: WATCH_KINDS.MUTABLE,
    id: Buffer.alloc(16, 1),
    ttl: 60_000
  })
  const ok = await client.request(
    { token: reply.token, target, command: KEYMESH_COMMANDS.WATCH, value },
    reply.from
  )
  t.is(ok.error, 0)
  const storer = testnet.nodes.find((n) => n.address()?.port === reply.from.port) as HyperDHT
  t.is(storer.extensionStats.registry.watches, 1)
  const noToken = await client.request(
    { target, command: KEYMESH_COMMANDS.WATCH, value },
    reply.from
  )
  t.is(noToken.error, 2, 'no token: INVALID_TOKEN, nothing registered')

  clock += 10_000 // past the 5 s the storer granted
  while (storer.extensionStats.registry.watches !== 0) await new Promise((r) => setImmediate(r))
  t.is(storer.extensionStats.registry.ended, 1, 'the next sweep ended it')
})
