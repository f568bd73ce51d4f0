// Tests for Query with a fake request function: visit order, concurrency, closest replies, commit, abort.

import test from 'brittle'
import { randomBytes } from 'node:crypto'
import { Query } from '../src/query.js'
import type { Reply } from '../src/request.js'
import { FakeQueryHost, compareDistance, fakeNetwork, fakePeer } from './helpers/fake-query-host.js'
import type { FakeNode } from './helpers/fake-query-host.js'

const CMD = 7

function lone(i: number, behaviour: FakeNode['behaviour'] = 'ok'): FakeNode {
  return { ...fakePeer(i), knows: [], behaviour }
}

function collect<T>(q: Query<T>): Promise<T[]> {
  const out: T[] = []
  q.on('data', (d) => out.push(d as T))
  return q.finished().then(() => out)
}

test('seed nodes are visited first, in the order given; closer nodes form a stack', async (t) => {
  const [a, b, c, x, y] = [1, 2, 3, 4, 5].map((i) => lone(i)) as FakeNode[]
  a!.knows = [x!, y!]
  const host = new FakeQueryHost([a!, b!, c!, x!, y!])
  host.concurrency = 1
  const target = randomBytes(32)
  // the fake answers with known nodes sorted by distance; make x the nearer of the two
  const [near, far] = compareDistance(target, x!.id, y!.id) < 0 ? [x!, y!] : [y!, x!]
  a!.knows = [near, far]

  const q = new Query(host, target, false, CMD, null, { nodes: [a!, b!, c!] })
  await q.finished()
  const order = host.sent.map((s) => s.to.port)
  t.alike(order.slice(0, 1), [a!.port], 'first seed first')
  t.alike(order.slice(1, 3), [far.port, near.port], 'last pushed closer node is next')
  t.alike(order.slice(3), [b!.port, c!.port], 'then the remaining seeds')
})

test('never more than `concurrency` requests in flight', async (t) => {
  const nodes = fakeNetwork(80)
  for (const concurrency of [1, 3, 10]) {
    const host = new FakeQueryHost(nodes)
    host.tableNodes = nodes.slice(0, 20)
    const q = new Query(host, randomBytes(32), false, CMD, null, { concurrency })
    await q.finished()
    t.ok(host.maxInflight <= concurrency, `max ${host.maxInflight} <= ${concurrency}`)
    t.ok(host.maxInflight >= Math.min(concurrency, 2), 'and it does run in parallel')
  }
})

test('closestReplies: only persistent responders, sorted by XOR distance, at most k', async (t) => {
  const nodes = fakeNetwork(120)
  for (let i = 0; i < nodes.length; i += 7) (nodes[i] as FakeNode).behaviour = 'ephemeral'
  const host = new FakeQueryHost(nodes)
  host.tableNodes = nodes.slice(0, 20)
  const target = randomBytes(32)
  const q = new Query(host, target, false, CMD, null)
  const replies = await collect(q)

  t.ok(
    replies.some((r) => r.from.id === null),
    'ephemeral replies are emitted'
  )
  t.is(q.closestReplies.length, 20)
  t.ok(
    q.closestReplies.every((r) => r.from.id !== null),
    'no ephemeral node in closestReplies'
  )
  for (let i = 1; i < q.closestReplies.length; i++) {
    const prev = q.closestReplies[i - 1] as Reply
    const cur = q.closestReplies[i] as Reply
    t.ok(compareDistance(target, prev.from.id!, cur.from.id!) < 0, `sorted at ${i}`)
  }
  t.alike(
    q.closestNodes.map((n) => n.port),
    q.closestReplies.map((r) => r.from.port)
  )

  const persistent = nodes.filter((n) => n.behaviour === 'ok')
  const best = [...persistent].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, 20)
  const found = new Set(q.closestReplies.map((r) => r.from.port))
  const hits = best.filter((n) => found.has(n.port)).length
  t.ok(hits >= 15, `converged near the true closest nodes (${hits}/20)`)
})

test('replies with an error are counted but not emitted', async (t) => {
  const nodes = [lone(1), lone(2, 'error'), lone(3)]
  const host = new FakeQueryHost(nodes)
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes })
  const replies = await collect(q)
  t.is(replies.length, 2)
  t.is(q.errors, 1)
  t.is(q.successes, 2)
})

test('map transforms replies; a falsy result is skipped', async (t) => {
  const nodes = [1, 2, 3, 4].map((i) => lone(i))
  const host = new FakeQueryHost(nodes)
  const q = new Query(host, randomBytes(32), false, CMD, null, {
    nodes,
    map: (r) => (r.from.port % 2 === 0 ? r.from.port : null)
  })
  const out = await collect(q)
  t.alike(out.sort(), [nodes[1]!.port, nodes[3]!.port].sort())
})

test('a map that throws destroys the query with its error', async (t) => {
  const nodes = [lone(1)]
  const host = new FakeQueryHost(nodes)
  const q = new Query(host, randomBytes(32), false, CMD, null, {
    nodes,
    map: () => {
      throw new Error('boom')
    }
  })
  await t.exception(q.finished(), /boom/)
})

test('commit: true re-sends to each closest node with its token', async (t) => {
  const nodes = fakeNetwork(60)
  const host = new FakeQueryHost(nodes)
  host.tableNodes = nodes.slice(0, 20)
  const q = new Query(host, randomBytes(32), false, CMD, Buffer.from('v'), { commit: true })
  await q.finished()
  t.is(host.commits.length, 20)
  t.alike(
    host.commits.map((c) => c.to.port).sort(),
    q.closestReplies.map((r) => r.from.port).sort()
  )
  t.ok(host.commits.every((c) => c.token && c.token.byteLength === 32))
})

test('commit function runs per closest reply; the query fails only if all commits fail', async (t) => {
  const nodes = [1, 2, 3].map((i) => lone(i))
  const calls: number[] = []
  const ok = new Query(new FakeQueryHost(nodes), randomBytes(32), false, CMD, null, {
    nodes,
    commit: async (reply, dht, query) => {
      t.ok(dht)
      t.ok(query instanceof Query)
      calls.push(reply.from.port)
      if (calls.length < 3) throw new Error('one failure')
    }
  })
  await ok.finished()
  t.is(calls.length, 3)

  const bad = new Query(new FakeQueryHost(nodes), randomBytes(32), false, CMD, null, {
    nodes,
    commit: () => {
      throw new Error('every commit fails')
    }
  })
  await t.exception(bad.finished(), /every commit fails/)
})

test('commit with no closest replies fails with TOO_FEW_NODES', async (t) => {
  const nodes = [lone(1, 'ephemeral'), lone(2, 'timeout')]
  const host = new FakeQueryHost(nodes)
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes, commit: true })
  await t.exception(q.finished(), /TOO_FEW_NODES/)
})

test('a node that times out gets a DOWN_HINT sent to each node that listed it', async (t) => {
  const dead = lone(9, 'timeout')
  const a = lone(1)
  const b = lone(2)
  a.knows = [dead]
  b.knows = [dead]
  const host = new FakeQueryHost([a, b, dead])
  host.concurrency = 1
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes: [a, b] })
  await q.finished()
  const hinted = host.downHints.map((h) => `${h.to.port}->${h.down.port}`).sort()
  t.alike(hinted, [`${a.port}->${dead.port}`, `${b.port}->${dead.port}`].sort())
})

test('a slow request lets one more run alongside it', async (t) => {
  const slow = lone(1, 'timeout')
  const fast = [3, 4, 5].map((i) => lone(i))
  const host = new FakeQueryHost([slow, ...fast])
  const q = new Query(host, randomBytes(32), false, CMD, null, {
    nodes: [slow, ...fast],
    concurrency: 1
  })
  await q.finished()
  t.is(host.maxInflight, 2, 'the slow one, plus one')
  t.is(host.sent[0]!.to.port, slow.port, 'the slow one went first')
})

test('seeded queries fall back to the routing table when seeds fail, then bootstrap nodes', async (t) => {
  const dead = [1, 2].map((i) => lone(i, 'timeout'))
  const fromTable = lone(3)
  const fromBootstrap = lone(4)
  const host = new FakeQueryHost([...dead, fromTable, fromBootstrap])
  host.tableNodes = [fromTable]
  host.bootstrapNodes = [fromBootstrap]
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes: dead })
  const replies = await collect(q)
  t.alike(replies.map((r) => r.from.port).sort(), [fromTable.port, fromBootstrap.port].sort())
})

test('onlyClosestNodes visits the given nodes only', async (t) => {
  const nodes = fakeNetwork(40)
  const seeds = nodes.slice(0, 3)
  const host = new FakeQueryHost(nodes)
  host.tableNodes = nodes.slice(10, 30)
  const q = new Query(host, randomBytes(32), false, CMD, null, {
    nodes: seeds,
    onlyClosestNodes: true
  })
  await q.finished()
  t.alike(host.sent.map((s) => s.to.port).sort(), seeds.map((s) => s.port).sort())
})

test('own id and filtered nodes are never visited', async (t) => {
  const me = fakePeer(0)
  const a = lone(1)
  const b = lone(2)
  const c = lone(3)
  a.knows = [{ ...me, knows: [], behaviour: 'ok' }, b, c]
  const host = new FakeQueryHost([a, b, c])
  host._filterNode = (n) => n.port !== b.port
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes: [a] })
  await q.finished()
  const visited = host.sent.map((s) => s.to.port)
  t.absent(visited.includes(me.port), 'not ourselves')
  t.absent(visited.includes(b.port), 'not filtered')
  t.ok(visited.includes(c.port))
})

test('retries default from the host, can be set, and force sends once', async (t) => {
  const nodes = [lone(1)]
  const q1 = new Query(new FakeQueryHost(nodes), randomBytes(32), false, CMD, null, { nodes })
  q1.resume()
  await new Promise((r) => setImmediate(r))
  t.is(q1.retries, 5)
  const host = new FakeQueryHost(nodes)
  const q2 = new Query(host, randomBytes(32), false, CMD, null, { nodes, retries: 1 })
  await q2.finished()
  t.is(host.sent[0]!.req.retries, 1)
  const forced = new FakeQueryHost(nodes)
  await new Query(forced, randomBytes(32), false, CMD, null, { nodes, force: true }).finished()
  t.is(forced.sent[0]!.req.retries, 0)
})

test('destroy cancels every request in flight', async (t) => {
  const nodes = [1, 2, 3].map((i) => lone(i, 'timeout'))
  const host = new FakeQueryHost(nodes)
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes })
  q.resume()
  while (host.inflight < 3) await new Promise((r) => setImmediate(r))
  q.destroy()
  await new Promise<void>((r) => q.once('close', () => r()))
  t.is(host.inflight, 0)
  t.ok(host.sent.every((s) => s.req.destroyed))
  t.is(host.stats.queries.active, 0)
  t.is(host.stats.queries.total, 1)
})

test('breaking out of for-await cancels requests in flight', async (t) => {
  const nodes = [lone(1), lone(2, 'timeout'), lone(3, 'timeout')]
  const host = new FakeQueryHost(nodes)
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes })
  for await (const reply of q) {
    t.is(reply.from.port, nodes[0]!.port)
    break
  }
  await new Promise((r) => setImmediate(r))
  t.is(host.inflight, 0)
  t.ok(q.destroyed)
})

test('signal: abort before start rejects with the reason and sends nothing', async (t) => {
  const nodes = [lone(1)]
  const host = new FakeQueryHost(nodes)
  const reason = new Error('stop')
  const q = new Query(host, randomBytes(32), false, CMD, null, {
    nodes,
    signal: AbortSignal.abort(reason)
  })
  await t.exception(q.finished(), /stop/)
  t.is(host.sent.length, 0)
})

test('signal: abort mid-flight destroys the query and its requests', async (t) => {
  const nodes = [1, 2].map((i) => lone(i, 'timeout'))
  const host = new FakeQueryHost(nodes)
  const controller = new AbortController()
  const q = new Query(host, randomBytes(32), false, CMD, null, {
    nodes,
    signal: controller.signal
  })
  const finished = q.finished()
  while (host.inflight < 2) await new Promise((r) => setImmediate(r))
  controller.abort()
  try {
    await finished
    t.fail('should reject')
  } catch (err) {
    t.is((err as Error).name, 'AbortError')
    t.is(err, controller.signal.reason, 'rejects with signal.reason')
  }
  t.is(host.inflight, 0)
})

test('a caller-owned session is not destroyed with the query', async (t) => {
  const nodes = [lone(1)]
  const host = new FakeQueryHost(nodes)
  const session = host.session()
  let destroyed = 0
  const orig = session.destroy.bind(session)
  session.destroy = (err) => {
    destroyed++
    orig(err)
  }
  await new Query(host, randomBytes(32), false, CMD, null, { nodes, session }).finished()
  t.is(destroyed, 0)
  const own = new Query(host, randomBytes(32), false, CMD, null, { nodes })
  await own.finished()
  t.pass('own session destroyed without error')
})

test('a destroyed node fails the query', async (t) => {
  const nodes = [lone(1)]
  const host = new FakeQueryHost(nodes)
  host.destroyed = true
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes })
  await t.exception(q.finished(), /NODE_DESTROYED/)
})

test('listed nodes confirmed dead are skipped and their listers hinted; seeds are not', async (t) => {
  const a = lone(1)
  const deadListed = lone(2)
  const deadSeed = lone(3, 'timeout')
  a.knows = [deadListed]
  const host = new FakeQueryHost([a, deadListed, deadSeed])
  host.dead.add(deadListed.host + ':' + deadListed.port)
  host.dead.add(deadSeed.host + ':' + deadSeed.port)
  const q = new Query(host, randomBytes(32), false, CMD, null, { nodes: [a, deadSeed] })
  await q.finished()
  const visited = host.sent.map((s) => s.to.port)
  t.absent(visited.includes(deadListed.port), 'a dead listed node is not visited')
  t.ok(visited.includes(deadSeed.port), 'seeds are always tried')
  t.ok(
    host.downHints.some((h) => h.to.port === a.port && h.down.port === deadListed.port),
    'the lister is told'
  )
})

test('requests still waiting after a timeout when the query ends: hinted and suspected', async (t) => {
  const nodes = fakeNetwork(40)
  const hang = lone(999, 'hang')
  for (const n of nodes) n.knows.push(hang)
  const host = new FakeQueryHost([...nodes, hang])
  host.tableNodes = nodes.slice(0, 20)
  const q = new Query(host, hang.id, false, CMD, null)
  await q.finished()
  t.ok(
    host.sent.some((s) => s.to.port === hang.port),
    'the hanging node was visited'
  )
  t.is(q.closestReplies.length, 20, 'the query ended without it')
  t.alike(
    host.suspected.map((p) => p.port),
    [hang.port],
    'the node is asked to confirm it'
  )
  const hints = host.downHints.filter((h) => h.down.port === hang.port)
  t.ok(hints.length > 0, 'with the nodes that listed it')
  t.is(host.inflight, 0, 'and the request itself was cancelled')
})
