// Tests for RoutingTable: row index, closest() walk order, full-row ping-before-evict, IP diversity.

import test from 'brittle'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { IpDiversity } from '../src/ip-diversity.js'
import { RoutingTable } from '../src/routing-table.js'
import type { DHTNode } from '../src/peer.js'
import { hex, idInRow, nodeWithId } from './helpers/ids.js'

const ZERO = Buffer.alloc(32)

test('rowIndex counts shared leading bits', (t) => {
  const table = new RoutingTable(ZERO)
  for (const row of [0, 1, 7, 8, 9, 100, 239]) {
    t.is(table.rowIndex(idInRow(ZERO, row, 1)), row, `row ${row}`)
  }
  t.is(table.rowIndex(ZERO), 255, 'own id is the last row')
})

test('add, get, has, remove, size; an id already present is replaced', (t) => {
  const table = new RoutingTable(ZERO)
  const a = nodeWithId(idInRow(ZERO, 3, 1))
  const b = nodeWithId(idInRow(ZERO, 3, 2))
  t.ok(table.add(a))
  t.ok(table.add(b))
  t.is(table.size, 2)
  t.is(table.get(a.id), a)
  t.ok(table.has(b.id))

  const a2 = nodeWithId(Buffer.from(a.id), '127.0.0.1', 2)
  t.ok(table.add(a2))
  t.is(table.size, 2, 'replacement keeps the size')
  t.is(table.get(a.id), a2)

  t.ok(table.remove(a.id))
  t.absent(table.remove(a.id), 'second remove is a no-op')
  t.is(table.size, 1)
  t.is(table.get(a.id), null)
})

test('rows are kept sorted by id', (t) => {
  const table = new RoutingTable(ZERO)
  for (const tag of [9, 3, 7, 1, 5]) table.add(nodeWithId(idInRow(ZERO, 4, tag)))
  const row = table.rows[4]
  t.ok(row)
  const tags = row!.nodes.map((n) => n.id.readUInt16BE(30))
  t.alike(tags, [1, 3, 5, 7, 9])
})

test('closest() walks the target row, then rows below, then rows above (§3.8)', (t) => {
  const table = new RoutingTable(ZERO)
  const byRow = new Map<number, DHTNode[]>()
  for (const row of [0, 2, 3, 5, 8, 12]) {
    for (let tag = 3; tag > 0; tag--) {
      const node = nodeWithId(idInRow(ZERO, row, tag))
      table.add(node)
      const list = byRow.get(row) ?? []
      list.unshift(node) // ascending tag = ascending id
      byRow.set(row, list)
    }
  }
  const target = idInRow(ZERO, 5, 0xffff)
  const expected = [5, 3, 2, 0, 8, 12].flatMap((r) => byRow.get(r)!.map((n) => hex(n.id)))
  t.alike(
    table.closest(target, 100).map((n) => hex(n.id)),
    expected,
    'full walk'
  )
  t.alike(
    table.closest(target, 4).map((n) => hex(n.id)),
    expected.slice(0, 4),
    'k cuts inside a row'
  )
  t.is(table.closest(target).length, Math.min(20, expected.length), 'default k = 20')
  t.alike(
    table.toArray().map((n) => hex(n.id)),
    [12, 8, 5, 3, 2, 0].flatMap((r) => byRow.get(r)!.map((n) => hex(n.id))),
    'toArray is closest(own id): the last rows first'
  )
})

test('closest() matches kademlia-routing-table on random ids', (t) => {
  const require = createRequire(import.meta.url)
  const KRT = require('kademlia-routing-table') as new (id: Buffer) => {
    add(node: { id: Buffer }): boolean
    closest(id: Buffer, k?: number): Array<{ id: Buffer }>
  }
  for (let round = 0; round < 5; round++) {
    const id = randomBytes(32)
    const mine = new RoutingTable(id)
    const real = new KRT(id)
    for (let i = 0; i < 400; i++) {
      // biased toward close rows so that rows fill up and refuse nodes too
      const other = idInRow(id, Math.floor(Math.random() * 12), Math.floor(Math.random() * 65536))
      const node = nodeWithId(other)
      if (mine.add(node) !== real.add({ id: other })) t.fail('add verdicts diverged')
    }
    for (let i = 0; i < 20; i++) {
      const target = randomBytes(32)
      const a = mine.closest(target).map((n) => hex(n.id))
      const b = real.closest(target).map((n) => hex(n.id))
      if (JSON.stringify(a) !== JSON.stringify(b)) t.fail('closest() differs')
    }
  }
  t.pass('identical walk order')
})

test('random() returns members uniformly enough, null when empty', (t) => {
  const table = new RoutingTable(ZERO)
  t.is(table.random(), null)
  const nodes = [1, 2, 3].map((r) => nodeWithId(idInRow(ZERO, r, r)))
  for (const n of nodes) table.add(n)
  const seen = new Set<DHTNode>()
  for (let i = 0; i < 200; i++) seen.add(table.random()!)
  t.is(seen.size, 3)
})

test('full row without a ping refuses the newcomer', (t) => {
  const rejected: string[] = []
  const table = new RoutingTable(ZERO, { k: 2, onreject: (_, reason) => rejected.push(reason) })
  t.ok(table.add(nodeWithId(idInRow(ZERO, 1, 1))))
  t.ok(table.add(nodeWithId(idInRow(ZERO, 1, 2))))
  t.absent(table.add(nodeWithId(idInRow(ZERO, 1, 3))))
  t.alike(rejected, ['full'])
  t.is(table.size, 2)
})

function fullRowTable(alive: boolean | 'reject', opts: { tick?: number; canEvict?: boolean } = {}) {
  const pinged: DHTNode[] = []
  const added: DHTNode[] = []
  const removed: DHTNode[] = []
  let settle: () => void = () => {}
  const settled = new Promise<void>((resolve) => (settle = resolve))
  const table = new RoutingTable(ZERO, {
    k: 3,
    tick: () => opts.tick ?? 100,
    canEvict: () => opts.canEvict ?? true,
    ping: async (node) => {
      pinged.push(node)
      await new Promise((r) => setImmediate(r))
      setImmediate(settle)
      if (alive === 'reject') throw new Error('timeout')
      return alive
    },
    onadd: (n) => added.push(n),
    onremove: (n) => removed.push(n)
  })
  const members = [1, 2, 3].map((tag) => nodeWithId(idInRow(ZERO, 2, tag)))
  members[0]!.pinged = 50
  members[1]!.pinged = 40 // least recently pinged: the one to check
  members[2]!.pinged = 60
  for (const m of members) table.add(m)
  added.length = 0
  return { table, members, pinged, added, removed, settled }
}

test('full row pings the least recently pinged member and keeps it if it answers', async (t) => {
  const { table, members, pinged, added, removed, settled } = fullRowTable(true)
  const newcomer = nodeWithId(idInRow(ZERO, 2, 9))
  t.absent(table.add(newcomer), 'refused for now')
  t.is(table.repinging, 1)
  t.is(members[1]!.pinged, 100, 'stamped with the current tick')
  await settled
  t.alike(pinged, [members[1]])
  t.is(table.repinging, 0)
  t.alike(removed, [])
  t.alike(added, [])
  t.is(table.get(newcomer.id), null, 'newcomer stays out')
})

test('full row evicts a member that does not answer and inserts the newcomer', async (t) => {
  for (const outcome of [false, 'reject'] as const) {
    const { table, members, added, removed, settled } = fullRowTable(outcome)
    const newcomer = nodeWithId(idInRow(ZERO, 2, 9))
    table.add(newcomer)
    await settled
    t.alike(removed, [members[1]], `${outcome}: old member removed`)
    t.alike(added, [newcomer], `${outcome}: newcomer added`)
    t.is(table.get(newcomer.id), newcomer)
    t.is(table.size, 3)
  }
})

test('full row: ties go to the earliest added; members pinged this tick are skipped', async (t) => {
  const { table, members, pinged, settled } = fullRowTable(true)
  members[0]!.pinged = members[1]!.pinged = 40
  members[0]!.added = 5
  members[1]!.added = 7
  members[2]!.pinged = 100 // this tick
  table.add(nodeWithId(idInRow(ZERO, 2, 9)))
  await settled
  t.alike(pinged, [members[0]])
})

test('full row: a member heard from recently is kept without a ping, old or new', (t) => {
  const { table, members, pinged } = fullRowTable(false, { tick: 1000 })
  members.forEach((m, i) => {
    m.pinged = 995 // < 12 ticks ago
    m.added = i === 0 ? 1 : 990 // long-standing or recent
  })
  t.absent(table.add(nodeWithId(idInRow(ZERO, 2, 9))))
  t.is(pinged.length, 0)
  t.is(table.repinging, 0)
})

test('full row: no eviction before canEvict, at most 3 checks at once', (t) => {
  const off = fullRowTable(false, { canEvict: false })
  off.table.add(nodeWithId(idInRow(ZERO, 2, 9)))
  t.is(off.pinged.length, 0, 'not bootstrapped: no ping')

  const pending: Array<(alive: boolean) => void> = []
  let tick = 10
  const table = new RoutingTable(ZERO, {
    k: 1,
    tick: () => tick,
    ping: () => new Promise<boolean>((resolve) => pending.push(resolve))
  })
  for (let row = 0; row < 5; row++) table.add(nodeWithId(idInRow(ZERO, row, 1)))
  tick = 100 // the members were last heard from long ago
  for (let row = 0; row < 5; row++) table.add(nodeWithId(idInRow(ZERO, row, 2)))
  t.is(table.repinging, 3)
  t.is(pending.length, 3)
  for (const resolve of pending) resolve(true)
})

test('ip diversity: at most 2 per /24 in a bucket and 3 in the table', (t) => {
  const rejected: string[] = []
  const table = new RoutingTable(ZERO, {
    ipDiversity: new IpDiversity({ maxPerBucket: 2, maxPerTable: 3 }),
    onreject: (_, reason) => rejected.push(reason)
  })
  const at = (row: number, tag: number, host: string): DHTNode =>
    nodeWithId(idInRow(ZERO, row, tag), host, 1000 + tag)

  t.ok(table.add(at(1, 1, '203.0.113.1')))
  t.ok(table.add(at(1, 2, '203.0.113.2')))
  t.absent(table.add(at(1, 3, '203.0.113.3')), 'third in the bucket refused')
  t.ok(table.add(at(2, 4, '203.0.113.4')), 'another bucket is fine')
  t.absent(table.add(at(3, 5, '203.0.113.5')), 'fourth in the table refused')
  t.ok(table.add(at(3, 6, '198.51.100.1')), 'another /24 is fine')
  t.alike(rejected, ['ip-diversity', 'ip-diversity'])

  t.ok(table.remove(idInRow(ZERO, 1, 1)))
  t.ok(table.add(at(3, 5, '203.0.113.5')), 'room again after a removal')
})

test('ip diversity exempts loopback and private ranges by default, and is configurable', (t) => {
  const table = new RoutingTable(ZERO, {
    ipDiversity: new IpDiversity({ maxPerBucket: 2, maxPerTable: 3 })
  })
  for (const prefix of ['127.0.0', '10.1.2', '172.16.5', '172.31.0', '192.168.1']) {
    for (let i = 1; i <= 5; i++) {
      t.ok(table.add(nodeWithId(idInRow(ZERO, 1, i + prefix.length * 10), `${prefix}.${i}`, i)))
    }
  }
  const custom = new RoutingTable(ZERO, {
    ipDiversity: new IpDiversity({ maxPerBucket: 1, maxPerTable: 1, exempt: () => false })
  })
  t.ok(custom.add(nodeWithId(idInRow(ZERO, 1, 1), '127.0.0.1', 1)))
  t.absent(custom.add(nodeWithId(idInRow(ZERO, 2, 2), '127.0.0.1', 2)), 'loopback capped too')
  const notPrivate = new RoutingTable(ZERO, {
    ipDiversity: new IpDiversity({ maxPerBucket: 1, maxPerTable: 5 })
  })
  t.ok(notPrivate.add(nodeWithId(idInRow(ZERO, 1, 1), '172.32.0.1', 1)))
  t.absent(notPrivate.add(nodeWithId(idInRow(ZERO, 1, 2), '172.32.0.2', 2)), '172.32/16 is public')
})

test('rebuild re-roots the table without hooks and reports what no longer fits', (t) => {
  let hooks = 0
  const table = new RoutingTable(ZERO, { k: 2, onadd: () => hooks++, onremove: () => hooks++ })
  const nodes = [1, 2].map((tag) => nodeWithId(idInRow(ZERO, 0, tag)))
  nodes.push(nodeWithId(idInRow(ZERO, 5, 3)))
  for (const n of nodes) table.add(n)
  hooks = 0

  const newId = Buffer.from(nodes[2]!.id) // a member's id becomes ours: it must go
  const dropped = table.rebuild(newId)
  t.is(hooks, 0)
  t.alike(dropped, [nodes[2]])
  t.is(table.size, 2)
  t.is(table.id, newId)
  t.is(table.get(nodes[0]!.id), nodes[0])
})
