// NodeStorage and RecordJournal on real LMDB: open/lock/version, file modes, the record store
// mirrored on disk (writes, evictions, expiry) and restored with its remaining lifetime.

import test from 'brittle'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { open } from 'lmdb'
import { HyperDHT, HyperDHTError, STORAGE_VERSION } from '../src/index.js'
import { MAX_SAVED_NODES, NodeStorage } from '../src/node-storage.js'
import { RecordJournal, type JournalEntry } from '../src/record-journal.js'
import { ENTRY_OVERHEAD_BYTES, RecordStore } from '../src/record-store.js'
import { fromRow, toRow, type Published } from '../src/published-record.js'
import { tempDir } from './helpers/temp-dir.js'

const MINUTE = 60_000

function clock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => (t += ms) }
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (err) {
    return err instanceof HyperDHTError ? err.code : 'not a HyperDHTError'
  }
}

function value(label: string, bytes = 8): Buffer {
  const b = Buffer.alloc(bytes)
  b.write(label.slice(0, bytes))
  return b
}

async function reopenEntries(dir: string): Promise<JournalEntry[]> {
  const storage = NodeStorage.open(dir)
  const entries = new RecordJournal(storage.records).entries()
  await storage.close()
  return entries
}

test('open creates an owner-only store; a second open in this process is refused', async (t) => {
  const dir = join(tempDir(t), 'node')
  const storage = NodeStorage.open(dir)
  t.is(statSync(dir).mode & 0o777, 0o700, 'new directory is 0700')
  for (const f of ['data.mdb', 'lock.mdb']) {
    t.is(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} is 0600`)
  }
  t.is(
    codeOf(() => NodeStorage.open(dir)),
    'STORAGE_LOCKED'
  )
  await storage.close()
  await storage.close() // idempotent
  const again = NodeStorage.open(dir)
  t.pass('reopens after close')
  await again.close()
  t.is(
    codeOf(() => NodeStorage.open('')),
    'INVALID_ARGUMENT'
  )
})

test('a store of another layout version, or a path that is a file, fails with STORAGE_FAILED', async (t) => {
  const dir = tempDir(t)
  const env = open({ path: join(dir, 'v'), maxDbs: 4 })
  await env.openDB({ name: 'meta', encoding: 'msgpack' }).put('version', STORAGE_VERSION + 1)
  await env.close()
  t.is(
    codeOf(() => NodeStorage.open(join(dir, 'v'))),
    'STORAGE_FAILED'
  )
  t.is(
    codeOf(() => NodeStorage.open(join(dir, 'v'))),
    'STORAGE_FAILED',
    'and is not left locked'
  )

  const file = join(dir, 'file')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(file, 'not a directory')
  t.is(
    codeOf(() => NodeStorage.open(file)),
    'STORAGE_FAILED'
  )
  t.exception(() => new HyperDHT({ storage: file, bootstrap: false }), /STORAGE_FAILED/)
})

test('routing table: saved, capped, malformed rows skipped', async (t) => {
  const dir = tempDir(t)
  const storage = NodeStorage.open(dir)
  t.alike(storage.loadNodes(), [], 'empty at first')
  const nodes = Array.from({ length: MAX_SAVED_NODES + 10 }, (_, i) => ({
    host: '10.0.0.' + (i % 250),
    port: 1000 + i
  }))
  await storage.saveNodes(nodes)
  t.is(storage.loadNodes().length, MAX_SAVED_NODES)
  t.alike(storage.loadNodes()[0], { host: '10.0.0.0', port: 1000 }, 'order kept')
  t.absent(storage.wasPersistent)
  await storage.markPersistent()
  t.ok(storage.wasPersistent)
  await storage.close()

  const env = open({ path: dir, maxDbs: 4 })
  await env
    .openDB({ name: 'meta', encoding: 'msgpack' })
    .put('nodes', [{ host: 'a', port: 1 }, { host: 1, port: 2 }, null, { host: 'b', port: 70000 }])
  await env.close()
  const reopened = NodeStorage.open(dir)
  t.alike(reopened.loadNodes(), [{ host: 'a', port: 1 }])
  t.ok(reopened.wasPersistent)
  await reopened.close()
})

test('journal: every write and removal of the record store reaches disk', async (t) => {
  const dir = tempDir(t)
  const c = clock()
  const storage = NodeStorage.open(dir)
  const journal = new RecordJournal(storage.records)
  const store = new RecordStore({ now: c.now, journal, maxAge: 20 * MINUTE })

  t.ok(store.addRecord('aa', 'pk1', value('r1'), '10.0.0.1'))
  t.ok(store.addRecord('aa', 'pk2', value('r2'), '10.0.0.1'))
  t.ok(store.putMutable('m1', value('m1'), 5, '10.0.0.2'))
  t.ok(store.putMutable('m1', value('m1b'), 6, '10.0.0.2'), 'replaced')
  t.ok(store.putImmutable('i1', value('i1'), '10.0.0.3'))
  t.ok(store.removeRecord('aa', 'pk2'))
  await journal.committed()

  const rows = await reopenEntries(dir).catch(() => null)
  t.ok(rows === null, 'the live store is locked while open')
  store.clear() // in memory only
  await storage.close()

  const entries = await reopenEntries(dir)
  const byKey = new Map(entries.map((e) => [`${e.kind}:${e.topic ?? ''}:${e.key}`, e]))
  t.is(entries.length, 3)
  t.alike(byKey.get('0:aa:pk1')?.value, value('r1'))
  t.is(byKey.get('0:aa:pk1')?.source, '10.0.0.1')
  t.alike(byKey.get('1::m1')?.value, value('m1b'), 'newest value')
  t.is(byKey.get('1::m1')?.seq, 6)
  t.alike(byKey.get('2::i1')?.value, value('i1'))
  t.is(byKey.get('0:aa:pk1')?.expires, c.now() + 20 * MINUTE, 'absolute expiry')
  t.absent(byKey.has('0:aa:pk2'), 'removed record is gone')
})

test('journal: evictions and expiry delete on disk, so disk obeys the same budgets', async (t) => {
  const dir = tempDir(t)
  const c = clock()
  const storage = NodeStorage.open(dir)
  const journal = new RecordJournal(storage.records)
  const charge = ENTRY_OVERHEAD_BYTES + 8
  const store = new RecordStore({
    now: c.now,
    journal,
    maxStorageBytes: 10 * charge,
    maxStorageBytesPerSource: 10 * charge,
    maxValueAge: MINUTE
  })
  for (let i = 0; i < 25; i++) store.putImmutable('i' + i, value('i' + i), '10.0.0.1')
  t.is(store.stats.immutables, 10)
  await journal.committed()
  t.alike(
    (await reopenAfter(storage, dir)).map((e) => e.key).sort(),
    Array.from({ length: 10 }, (_, i) => 'i' + (15 + i)).sort(),
    'disk holds exactly the 10 newest'
  )

  const s2 = NodeStorage.open(dir)
  const j2 = new RecordJournal(s2.records)
  const store2 = new RecordStore({ now: c.now, journal: j2, maxValueAge: MINUTE })
  t.is(store2.restore(j2.entries()), 10)
  c.advance(MINUTE + 1)
  store2.prune()
  t.is(store2.stats.immutables, 0, 'expired in memory')
  await j2.committed()
  await s2.close()
  t.is((await reopenEntries(dir)).length, 0, 'and on disk')
})

async function reopenAfter(storage: NodeStorage, dir: string): Promise<JournalEntry[]> {
  await storage.close()
  return reopenEntries(dir)
}

test('restore: remaining lifetime kept, expired rows dropped, caps applied, served at once', async (t) => {
  const dir = tempDir(t)
  const c = clock()
  const storage = NodeStorage.open(dir)
  const journal = new RecordJournal(storage.records)
  const store = new RecordStore({ now: c.now, journal, maxAge: 10 * MINUTE })
  store.addRecord('aa', 'old', value('old'), '10.0.0.1')
  c.advance(6 * MINUTE)
  store.addRecord('aa', 'new', value('new'), '10.0.0.1')
  store.putMutable('m', value('m'), 3, '10.0.0.1')
  await journal.committed()
  await storage.close()

  // 11 min after 'old' (lifetime 10) it is gone; 'new' has 5 of its 10 min left
  c.advance(5 * MINUTE)
  const s2 = NodeStorage.open(dir)
  const j2 = new RecordJournal(s2.records)
  const restored = new RecordStore({ now: c.now, journal: j2, maxAge: 10 * MINUTE })
  t.is(restored.restore(j2.entries()), 2, 'the expired record is not restored')
  t.alike(restored.records('aa', 20), [value('new')])
  t.alike(restored.getMutable('m')?.value, value('m'))
  t.is(restored.getMutable('m')?.seq, 3)
  c.advance(5 * MINUTE)
  t.is(restored.recordCount('aa'), 0, 'the restored record keeps only its remaining lifetime')
  await j2.committed()
  await s2.close()
  t.alike(
    (await reopenEntries(dir)).map((e) => e.key),
    ['m'],
    'expired rows were deleted from disk'
  )

  // a smaller budget at restart evicts on restore, and deletes on disk too
  const s3 = NodeStorage.open(dir)
  const j3 = new RecordJournal(s3.records)
  const tiny = new RecordStore({ now: c.now, journal: j3, maxStorageBytes: 10 })
  t.is(tiny.restore(j3.entries()), 0)
  await j3.committed()
  await s3.close()
  t.is((await reopenEntries(dir)).length, 0)
})

test('journal: malformed rows are skipped and deleted', async (t) => {
  const dir = tempDir(t)
  const env = open({ path: dir, maxDbs: 4 })
  await env.openDB({ name: 'meta', encoding: 'msgpack' }).put('version', STORAGE_VERSION)
  const records = env.openDB({ name: 'records', encoding: 'msgpack' })
  await records.put('1::good', { k: 1, t: null, v: Buffer.from('x'), s: 1, src: 'a', e: 1e15 })
  await records.put('1::bad', { k: 1, t: null, v: 'not bytes', s: 1, src: 'a', e: 1e15 })
  await records.put('9::worse', 42)
  await records.put('0::no-topic', { k: 0, t: null, v: Buffer.from('x'), s: 0, src: 'a', e: 1e15 })
  await env.close()
  const storage = NodeStorage.open(dir)
  const journal = new RecordJournal(storage.records)
  t.alike(
    journal.entries().map((e) => e.key),
    ['good']
  )
  t.is(journal.stats.malformed, 3)
  await journal.committed()
  await storage.close()
  t.is((await reopenEntries(dir)).length, 1)
})

test('published rows round-trip; malformed ones parse to null', (t) => {
  const keyPair = HyperDHT.keyPair()
  const records: Published[] = [
    {
      type: 'mutable',
      publicKey: keyPair.publicKey,
      seq: 7,
      value: Buffer.from('v'),
      signature: Buffer.alloc(64, 1)
    },
    { type: 'immutable', hash: HyperDHT.hash(Buffer.from('x')), value: Buffer.from('x') },
    {
      type: 'announce',
      topic: Buffer.alloc(32, 2),
      keyPair,
      relayAddresses: [{ host: '10.0.0.1', port: 5 }]
    }
  ]
  for (const r of records) {
    t.alike(fromRow(toRow(r, 123)), { record: r, lastRefresh: 123 }, r.type)
  }
  t.is(fromRow(null), null)
  t.is(fromRow({ t: 'm', pk: Buffer.alloc(31) }), null)
  t.is(fromRow({ t: 'x' }), null)
})
