// Watches over a real UDP testnet: pushed updates (NOTIFY), polling, caps, and stranger NOTIFYs.

import test from 'brittle'
import { KEYMESH_COMMANDS, KEYMESH_WIRE_ERRORS, encode, notifyMessage } from '@keymesh/wire'
import { HyperDHT } from '../src/index.js'
import type { HyperDHTOptions, Watch, WatchEvent } from '../src/index.js'
import { createTestnet } from '../src/testnet.js'
import type { Teardown } from '../src/testnet.js'

test.configure({ timeout: 30_000 })

async function network(t: { teardown: Teardown }, nodeOptions: HyperDHTOptions = {}) {
  const testnet = await createTestnet(6, { teardown: t.teardown, nodeOptions })
  const watcher = testnet.createNode()
  const writer = testnet.createNode()
  await Promise.all([watcher.fullyBootstrapped(), writer.fullyBootstrapped()])
  return { testnet, watcher, writer }
}

async function nextEvent(w: Watch): Promise<WatchEvent> {
  const r = await w.next()
  if (r.done === true) throw new Error('watch ended')
  return r.value
}

test('mutable: storers push each higher seq to the watcher', async (t) => {
  const { watcher, writer } = await network(t)
  const keyPair = HyperDHT.keyPair()
  await writer.mutablePut(keyPair, Buffer.from('v1'), { seq: 1 })

  const w = watcher.watch({ publicKey: keyPair.publicKey })
  t.teardown(() => w.destroy())
  const initial = await nextEvent(w)
  t.is(initial.type, 'mutable')
  t.is(initial.type === 'mutable' && initial.seq, 1, 'the current value first')
  t.is(initial.type === 'mutable' && initial.pushed, false)
  await w.ready()
  t.is(w.mode, 'push', 'every storer accepted the watch')
  t.ok(w.storers.size > 0)

  await writer.mutablePut(keyPair, Buffer.from('v2'), { seq: 2 })
  const e = await nextEvent(w)
  t.is(e.type === 'mutable' && e.seq, 2)
  t.is(e.type === 'mutable' && e.value.toString(), 'v2')
  t.is(e.type === 'mutable' && e.pushed, true, 'pushed, not polled')

  // a stale put changes nothing; the next higher one arrives once, however many storers push it
  await writer.mutablePut(keyPair, Buffer.from('v3'), { seq: 3 })
  const e3 = await nextEvent(w)
  t.is(e3.type === 'mutable' && e3.seq, 3)
  const stats = writer.extensionStats
  t.is(stats.watching, 0, 'the writer watches nothing')
  t.ok(watcher.extensionStats.notifications.received >= 2)
})

test('topic: new peers and peers that go (unannounce) are pushed', async (t) => {
  const { watcher, writer } = await network(t)
  const topic = HyperDHT.hash(Buffer.from('watch topic'))
  const w = watcher.watch({ topic })
  t.teardown(() => w.destroy())
  await w.ready()
  t.is(w.mode, 'push')

  const keyPair = HyperDHT.keyPair()
  await writer.announce(topic, keyPair, [{ host: '127.0.0.1', port: 4000 }]).finished()
  const added = await nextEvent(w)
  t.is(added.type, 'peer')
  t.ok(added.type === 'peer' && added.publicKey.equals(keyPair.publicKey))
  t.is(added.type === 'peer' && added.expired, false)
  t.is(added.type === 'peer' && added.pushed, true)
  t.alike(added.type === 'peer' && added.relayAddresses, [{ host: '127.0.0.1', port: 4000 }])

  await writer.unannounce(topic, keyPair)
  const gone = await nextEvent(w)
  t.is(gone.type === 'peer' && gone.expired, true, 'expired once every storer dropped it')
  t.ok(gone.type === 'peer' && gone.publicKey.equals(keyPair.publicKey))
})

test('named: set, get, owner check, and a pushed update', async (t) => {
  const { watcher, writer } = await network(t)
  const owner = HyperDHT.keyPair()
  const put = await writer.set('greeting', Buffer.from('hello'), { keyPair: owner, seq: 1 })
  t.ok(put.stored >= 1, `stored on ${put.stored}`)
  const got = await watcher.get('greeting')
  t.is(got?.value.toString(), 'hello')
  t.ok(got?.publicKey.equals(owner.publicKey))

  const w = watcher.watch({ key: 'greeting' }, { initial: false })
  t.teardown(() => w.destroy())
  await w.ready()
  t.is(w.mode, 'push')
  await writer.set('greeting', Buffer.from('hello again'), { keyPair: owner, seq: 2 })
  const e = await nextEvent(w)
  t.is(e.type === 'named' && e.record.value.toString(), 'hello again')
  t.is(e.type === 'named' && e.pushed, true)

  const squatter = HyperDHT.keyPair()
  await t.exception(
    writer.set('greeting', Buffer.from('mine'), { keyPair: squatter, seq: 9 }),
    /NAMED_NOT_OWNER/
  )
  await t.exception(
    writer.set('greeting', Buffer.from('old'), { keyPair: owner, seq: 1 }),
    /SEQ_TOO_LOW|SEQ_REUSED/
  )
  await t.exception(
    writer.set('late', Buffer.from('x'), { keyPair: owner, seq: 1, expTime: 1 }),
    /NAMED_EXPIRED/
  )
  t.is(await watcher.get('nobody set this'), null)
  t.is((await watcher.get('greeting'))?.value.toString(), 'hello again')
})

test('poll-only watch finds updates without any NOTIFY', async (t) => {
  const { watcher, writer } = await network(t)
  const keyPair = HyperDHT.keyPair()
  const w = watcher.watch({ publicKey: keyPair.publicKey }, { push: false, pollMin: 50 })
  t.teardown(() => w.destroy())
  await w.ready()
  t.is(w.mode, 'poll')
  await writer.mutablePut(keyPair, Buffer.from('polled'), { seq: 5 })
  const e = await nextEvent(w)
  t.is(e.type === 'mutable' && e.seq, 5)
  t.is(e.type === 'mutable' && e.pushed, false)
  t.is(watcher.extensionStats.notifications.received, 0)
})

test('caps: a source over its watch quota is refused and falls back to polling', async (t) => {
  const { watcher } = await network(t, { watch: { maxWatchesPerSource: 1 } })
  const a = watcher.watch({ publicKey: HyperDHT.keyPair().publicKey })
  const b = watcher.watch({ publicKey: HyperDHT.keyPair().publicKey }, { pollMin: 60_000 })
  t.teardown(() => {
    a.destroy()
    b.destroy()
  })
  await a.ready()
  await b.ready()
  t.is(a.mode, 'push')
  t.is(b.mode, 'poll', 'every storer refused the second watch (WATCH_LIMIT)')
})

test('a NOTIFY for no watch of ours is refused with WATCH_UNKNOWN; break ends a watch', async (t) => {
  const { testnet, watcher } = await network(t)
  const node = testnet.nodes[1] as HyperDHT
  const value = encode(notifyMessage, {
    id: Buffer.alloc(16, 7),
    kind: 1,
    record: null,
    added: [],
    removed: [],
    overflow: false
  })
  const addr = watcher.address()
  t.ok(addr)
  const reply = await node.request(
    { command: KEYMESH_COMMANDS.NOTIFY, target: Buffer.alloc(32), value },
    { host: '127.0.0.1', port: addr!.port }
  )
  t.is(reply.error, KEYMESH_WIRE_ERRORS.WATCH_UNKNOWN)
  const garbage = await node.request(
    { command: KEYMESH_COMMANDS.NOTIFY, value: Buffer.from([1, 2, 3]) },
    { host: '127.0.0.1', port: addr!.port }
  )
  t.is(garbage.error, KEYMESH_WIRE_ERRORS.WATCH_UNKNOWN, 'malformed NOTIFY: refused, no crash')

  const keyPair = HyperDHT.keyPair()
  const w = watcher.watch({ publicKey: keyPair.publicKey })
  const writer = testnet.createNode()
  await writer.fullyBootstrapped()
  await w.ready()
  await writer.mutablePut(keyPair, Buffer.from('x'), { seq: 1 })
  for await (const e of w) {
    t.is(e.type, 'mutable')
    break
  }
  t.is(w.destroyed, true, 'break destroys the watch')
  t.is(watcher.extensionStats.watching, 0)
})
