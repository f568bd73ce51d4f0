// Interop: mixed networks of @keymesh/dht-rpc and the real dht-rpc 6.27.0 on 127.0.0.1, driven
// only through dht-rpc's public API. Every scenario runs once on a real bootstrapper and once on a
// keymesh bootstrapper, with keymesh and real nodes interleaved.

import test from 'brittle'
import {
  ERROR_INVALID_TOKEN,
  ERROR_UNKNOWN_COMMAND,
  IMPL_NAMES,
  LOCALHOST,
  UNKNOWN_USER_COMMAND,
  USER_COMMAND,
  closestIds,
  compareDistance,
  createNetwork,
  freeUdpPort,
  hex,
  hooked,
  impls,
  interleave,
  label,
  nodeId,
  parseUserReply,
  SANITY,
  userReply,
  withTimeout
} from '../src/index.js'
import type { ImplName, Member, Network, Query, Reply } from '../src/index.js'
import type { T } from './helpers/brittle.js'
import { Prng, seedFrom } from './helpers/prng.js'
import { RawSocket } from './helpers/raw-socket.js'

const PER_KIND = 12 // 12 keymesh + 12 real + the bootstrapper: more nodes than k
const K = 20 // dht-rpc's k (routing-table bucket size, closest-replies size)
const QUERY_MS = 10_000
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED)

test.configure({ timeout: 60_000 })

async function mixedNetwork(t: T, bootstrapper: ImplName): Promise<Network> {
  const net = await createNetwork(impls, { bootstrapper, nodes: interleave(PER_KIND) })
  t.teardown(() => net.destroy())
  return net
}

function first(net: Network, impl: ImplName): Member {
  const member = net.of(impl)[0]
  if (member === undefined) throw new Error(`no ${impl} node`)
  return member
}

function addr(member: Member): { host: string; port: number } {
  return { host: LOCALHOST, port: member.port }
}

function name(member: Member): string {
  return `${label(member.impl)} ${member.role}:${member.port}`
}

/** Which implementations the members at these addresses run. */
function kindsAt(net: Network, addrs: readonly { host: string; port: number }[]): Set<ImplName> {
  const kinds = new Set<ImplName>()
  for (const a of addrs) {
    const member = net.at(a)
    if (member !== undefined) kinds.add(member.impl)
  }
  return kinds
}

async function collect(query: Query): Promise<Reply[]> {
  const replies: Reply[] = []
  const run = async (): Promise<void> => {
    for await (const reply of query) replies.push(reply)
  }
  await withTimeout(run(), QUERY_MS, 'query')
  return replies
}

function idOf(member: Member): Buffer {
  return nodeId(LOCALHOST, member.port)
}

/**
 * The nodes a lookup was told about while they were still closer than its k-th reply. dht-rpc
 * walks each reply's closerNodes in the responder's bucket order (not XOR order) and stops at
 * the first node that is not closer, so on a network of more than k + 1 nodes a lookup may
 * never hear of one of the true k closest (the real package as much as keymesh). Replaying the
 * replies in arrival order gives the ones it did hear of; it must reach each of those that is
 * among the true k, as it stays closer than any k-th reply.
 */
function heardOf(target: Uint8Array, replies: readonly Reply[], self: Buffer | null): Set<string> {
  const closest: Buffer[] = []
  const closer = (id: Buffer): boolean => {
    const last = closest[K - 1]
    return last === undefined || compareDistance(target, id, last) < 0
  }
  const heard = new Set<string>()
  for (const r of replies) {
    const from = r.from.id
    if (from !== null && closer(from)) {
      closest.push(from)
      closest.sort((a, b) => compareDistance(target, a, b))
      closest.length = Math.min(closest.length, K)
    }
    for (const n of r.closerNodes ?? []) {
      const id = nodeId(n.host, n.port)
      if (self !== null && id.equals(self)) continue
      if (!closer(id)) break
      heard.add(hex(id))
    }
  }
  return heard
}

function isSortedByDistance(target: Uint8Array, replies: readonly Reply[]): boolean {
  for (let i = 1; i < replies.length; i++) {
    const a = replies[i - 1]?.from.id
    const b = replies[i]?.from.id
    if (!a || !b || compareDistance(target, a, b) >= 0) return false
  }
  return true
}

test(`seed ${SEED} (set TEST_SEED to reproduce)`, (t) => {
  t.comment(`keymesh role played by ${label('keymesh')}`)
  if (SANITY) t.is(impls.keymesh, impls.real, 'sanity mode: the real package plays both roles')
  else t.not(impls.keymesh, impls.real, 'two different implementations under test')
})

for (const bs of IMPL_NAMES) {
  const on = `(${label(bs)} bootstrapper)`

  test(`join: all nodes ready, persistent, id = H(127.0.0.1:port), tables hold both kinds ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    t.is(net.persistent.length, 2 * PER_KIND + 1, 'all nodes built')
    for (const m of net.persistent) {
      const n = m.node
      await withTimeout(n.ready(), 5000, `${name(m)} ready()`)
      t.is(m.events.get('listening'), 1, `${name(m)}: 'listening' emitted once`)
      t.is(m.events.get('ready'), 1, `${name(m)}: 'ready' emitted once`)
      t.is(m.events.get('persistent'), 1, `${name(m)}: 'persistent' emitted once`)
      t.ok((m.events.get('add-node') ?? 0) > 0, `${name(m)}: 'add-node' emitted`)
      t.is(n.bootstrapped, true, `${name(m)}: bootstrapped`)
      t.is(n.ephemeral, false, `${name(m)}: ephemeral === false`)
      t.is(n.firewalled, false, `${name(m)}: firewalled === false`)
      t.alike(n.address(), { host: LOCALHOST, family: 4, port: m.port }, `${name(m)}: address()`)
      const id = n.id
      t.ok(id !== null && hex(id) === hex(nodeId(LOCALHOST, m.port)), `${name(m)}: id`)
      const table = n.toArray()
      const self = table.filter((a) => a.port === m.port)
      const strangers = table.filter((a) => (net.at(a)?.role ?? 'client') === 'client')
      const kinds = kindsAt(net, table)
      t.is(self.length, 0, `${name(m)}: not in its own table`)
      t.is(strangers.length, 0, `${name(m)}: only network members in the table`)
      t.ok(
        kinds.has('keymesh') && kinds.has('real'),
        `${name(m)}: table holds both kinds (${table.length} nodes)`
      )
      t.ok(table.length >= K / 2, `${name(m)}: table has >= ${K / 2} nodes`)
      t.is(n.toArray({ limit: 3 }).length, 3, `${name(m)}: toArray({ limit: 3 })`)
    }
  })

  test(`user command ${USER_COMMAND}: queries from both kinds get replies from both kinds ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    const keymeshClient = await net.addClient('keymesh')
    const realClient = await net.addClient('real')
    const queriers = [first(net, 'keymesh'), first(net, 'real'), keymeshClient, realClient]
    for (const q of queriers) {
      const target = prng.bytes(32)
      const value = Buffer.from(`hello from ${q.impl}`)
      const query = q.node.query({ target, command: USER_COMMAND, value })
      const replies = await collect(query)
      t.ok(replies.length >= K, `${name(q)}: ${replies.length} replies`)
      const bad = replies.filter((r) => {
        const responder = net.at(r.from)
        if (responder === undefined || r.error !== 0 || r.value === null) return true
        if (r.from.id === null || hex(r.from.id) !== hex(nodeId(LOCALHOST, responder.port)))
          return true
        return !userReply(responder.impl, responder.port, value).equals(r.value)
      })
      t.is(bad.length, 0, `${name(q)}: every reply carries its responder's value and id`)
      const kinds = kindsAt(
        net,
        replies.map((r) => r.from)
      )
      t.ok(kinds.has('keymesh') && kinds.has('real'), `${name(q)}: replies from both kinds`)
      t.is(query.closestReplies.length, K, `${name(q)}: k closest replies`)
      t.ok(isSortedByDistance(target, query.closestReplies), `${name(q)}: closestReplies sorted`)
      const served = net.persistent.filter((m) =>
        m.seen.some((s) => s.token === null && s.value?.equals(value) && s.target?.equals(target))
      )
      t.ok(served.length >= replies.length, `${name(q)}: handlers saw target and value`)
      const bootstrapperReplied = replies.some((r) => net.at(r.from)?.role === 'bootstrapper')
      t.absent(bootstrapperReplied, `${name(q)}: the unserving bootstrapper is not among the data`)
    }
  })

  test(`commit: commit: true and a custom commit reach both kinds with valid tokens ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    const queriers = [first(net, 'keymesh'), first(net, 'real')]
    for (const q of queriers) {
      for (const mode of ['auto', 'custom'] as const) {
        const target = prng.bytes(32)
        const value = Buffer.from(`commit ${mode} from ${q.impl}`)
        const commitReplies: Reply[] = []
        const query = q.node.query(
          { target, command: USER_COMMAND, value },
          mode === 'auto'
            ? { commit: true }
            : {
                commit: async (reply, dht) => {
                  const res = await dht.request(
                    { token: reply.token, command: USER_COMMAND, target, value },
                    reply.from
                  )
                  commitReplies.push(res)
                  return res
                }
              }
        )
        await withTimeout(query.finished(), QUERY_MS, `${name(q)} ${mode} commit`)
        const closest = query.closestReplies
        t.is(closest.length, K, `${name(q)} ${mode}: k closest replies`)
        t.ok(
          closest.every((r) => r.token !== null && r.token.byteLength === 32),
          `${name(q)} ${mode}: closest replies carry 32-byte tokens`
        )
        const committed = net.persistent.filter((m) =>
          m.seen.some((s) => s.token !== null && s.value?.equals(value) && s.target?.equals(target))
        )
        const closestPorts = closest.map((r) => r.from.port).sort((a, b) => a - b)
        t.alike(
          committed.map((m) => m.port).sort((a, b) => a - b),
          closestPorts,
          `${name(q)} ${mode}: exactly the closest nodes got the commit`
        )
        const kinds = new Set(committed.map((m) => m.impl))
        t.ok(
          kinds.has('keymesh') && kinds.has('real'),
          `${name(q)} ${mode}: commits reached both kinds`
        )
        if (mode === 'custom') {
          t.is(commitReplies.length, K, `${name(q)}: custom commit ran for every closest reply`)
          t.ok(
            commitReplies.every((r) => r.error === 0),
            `${name(q)}: every commit accepted`
          )
        }
      }
    }
  })

  test(`closest nodes: both kinds agree on the k closest to random targets ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    const clients = [await net.addClient('keymesh'), await net.addClient('real')]
    const queriers = [...clients, first(net, 'keymesh'), first(net, 'real')]
    for (let round = 0; round < 4; round++) {
      const target = prng.bytes(32)
      const sets: string[][] = []
      for (const q of queriers) {
        // a persistent querier never lists itself; an ephemeral one has no id to skip
        const self = q.node.id
        const members = net.persistent.filter((m) => self === null || !self.equals(idOf(m)))
        const memberIds = new Set(members.map((m) => hex(idOf(m))))
        const truth = closestIds(target, members.map(idOf), K).map(hex)

        // from the routing table, the way applications look up
        const lookup = q.node.findNode(target)
        const replies = await collect(lookup)
        const ids = lookup.closestReplies.map((r) => hex(r.from.id ?? Buffer.alloc(0)))
        const answered = replies.flatMap((r) => (r.from.id === null ? [] : [r.from.id]))
        t.is(ids.length, K, `round ${round}: ${name(q)} k closest replies`)
        t.ok(
          ids.every((id) => memberIds.has(id)),
          `round ${round}: ${name(q)} only network members`
        )
        t.alike(
          ids,
          closestIds(target, answered, K).map(hex),
          `round ${round}: ${name(q)} the k closest of the nodes that answered, in order`
        )
        const heard = heardOf(target, replies, self)
        const seen = new Set(answered.map(hex))
        t.alike(
          truth.filter((id) => heard.has(id) && !seen.has(id)),
          [],
          `round ${round}: ${name(q)} reached every one of the true k closest it was told about`
        )
        t.alike(
          lookup.closestNodes.map((p) => `${p.host}:${p.port}`),
          lookup.closestReplies.map((r) => `${r.from.host}:${r.from.port}`),
          `round ${round}: ${name(q)} closestNodes mirrors closestReplies`
        )
        const missed = truth.filter((id) => !ids.includes(id)).length
        if (missed > 0) t.comment(`${name(q)} round ${round}: never told of ${missed} of the k`)

        // seeded with every member: nothing to discover, so exactly the true k closest
        const seeded = q.node.findNode(target, { nodes: members.map(addr) })
        await withTimeout(seeded.finished(), QUERY_MS, `${name(q)} seeded findNode`)
        const exact = seeded.closestReplies.map((r) => hex(r.from.id ?? Buffer.alloc(0)))
        t.alike(exact, truth, `round ${round}: ${name(q)} seeded: the true k closest, in order`)
        if (self === null) sets.push(exact)
      }
      t.alike(sets[0], sets[1], `round ${round}: keymesh and real clients return the same set`)
    }
  })

  test(`ping and request both ways, unknown command -> 1, bad token -> 2 ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    const client = { keymesh: await net.addClient('keymesh'), real: await net.addClient('real') }
    for (const fromKind of IMPL_NAMES) {
      for (const toKind of IMPL_NAMES) {
        const a = first(net, fromKind)
        const eventStyle = net.of(toKind).find((m) => m.handler === 'event')
        const hookStyle = net.of(toKind).find((m) => m.handler === 'hook')
        if (!eventStyle || !hookStyle) throw new Error('handler styles missing')
        const pair = `${label(fromKind)} -> ${label(toKind)}`
        for (const b of [eventStyle, hookStyle]) {
          const pong = await a.node.ping(addr(b))
          t.is(pong.error, 0, `${pair} ping: ok`)
          t.ok(
            pong.from.id !== null && pong.from.id.equals(nodeId(LOCALHOST, b.port)),
            `${pair} ping: responder id`
          )
          t.alike(
            pong.to && { host: pong.to.host, port: pong.to.port },
            addr(a),
            `${pair} ping: reply.to is our address`
          )

          const target = prng.bytes(32)
          const value = Buffer.from(`request ${pair}`)
          const res = await a.node.request({ command: USER_COMMAND, target, value }, addr(b))
          t.is(res.error, 0, `${pair} request (${b.handler}): ok`)
          t.alike(
            res.value,
            userReply(b.impl, b.port, value),
            `${pair} request (${b.handler}): value`
          )
          t.ok(
            res.token !== null && res.token.byteLength === 32,
            `${pair} request (${b.handler}): token`
          )
          t.ok(
            (res.closerNodes?.length ?? 0) > 0,
            `${pair} request (${b.handler}): closerNodes with target`
          )
          t.is(
            kindsAt(net, res.closerNodes ?? []).size,
            2,
            `${pair} request: closerNodes of both kinds`
          )

          const plain = await a.node.request({ command: USER_COMMAND, value }, addr(b))
          t.is(plain.error, 0, `${pair} request without target: ok`)
          t.ok(
            (plain.closerNodes?.length ?? 0) === 0,
            `${pair} request without target: no closerNodes`
          )

          const unknown = await a.node.request({ command: UNKNOWN_USER_COMMAND, target }, addr(b))
          t.is(
            unknown.error,
            ERROR_UNKNOWN_COMMAND,
            `${pair} unknown command (${b.handler}): error 1`
          )
          t.is(unknown.value, null, `${pair} unknown command: no value`)

          const before = b.seen.length
          const forged = await a.node.request(
            { token: prng.bytes(32), command: USER_COMMAND, target, value },
            addr(b)
          )
          t.is(forged.error, ERROR_INVALID_TOKEN, `${pair} bad token: error 2`)
          t.is(b.seen.length, before, `${pair} bad token: the handler never saw it`)
          t.ok(forged.token !== null, `${pair} bad token: the error carries a fresh token`)
          const retried = await a.node.request(
            { token: forged.token, command: USER_COMMAND, target, value },
            addr(b)
          )
          t.is(retried.error, 0, `${pair} retry with the fresh token: ok`)
          t.ok(
            b.seen.at(-1)?.token?.equals(forged.token ?? Buffer.alloc(0)),
            `${pair} retry: handler saw the token`
          )
        }

        const unserved = net.bootstrapper
        if (unserved.impl === toKind) {
          const res = await a.node.request(
            { command: USER_COMMAND, value: Buffer.from('x') },
            addr(unserved)
          )
          t.is(res.error, ERROR_UNKNOWN_COMMAND, `${pair} bootstrapper without handler: error 1`)
        }

        const c = client[fromKind]
        const b = first(net, toKind)
        const pong = await c.node.ping(addr(b))
        t.is(pong.error, 0, `${label(fromKind)} client -> ${label(toKind)}: ping ok`)
        t.is(
          pong.to?.port,
          c.port,
          `${label(fromKind)} client -> ${label(toKind)}: reply.to is the client`
        )
        const res = await c.node.request(
          { command: USER_COMMAND, value: Buffer.from('c') },
          addr(b)
        )
        t.alike(
          res.value,
          userReply(b.impl, b.port, Buffer.from('c')),
          `${label(fromKind)} client -> ${label(toKind)}: request`
        )
      }
    }
    for (const c of Object.values(client)) {
      const holders = net.persistent.filter((m) => m.node.toArray().some((a) => a.port === c.port))
      t.is(holders.length, 0, `${name(c)}: ephemeral client stored by nobody`)
      t.is(c.node.id, null, `${name(c)}: id null`)
      t.is(c.node.ephemeral, true, `${name(c)}: ephemeral`)
    }
  })

  test(`findNode from each kind finds nodes of the other kind ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    const queriers = [
      first(net, 'keymesh'),
      first(net, 'real'),
      await net.addClient('keymesh'),
      await net.addClient('real')
    ]
    for (const q of queriers) {
      for (const kind of IMPL_NAMES) {
        const wanted = net.of(kind).at(-1)
        if (wanted === undefined || wanted === q) continue
        const target = nodeId(LOCALHOST, wanted.port)
        const query = q.node.findNode(target)
        const replies = await collect(query)
        const top = query.closestReplies[0]
        t.is(
          top?.from.port,
          wanted.port,
          `${name(q)} -> ${label(kind)} node: closest reply is the node`
        )
        t.ok(top?.from.id?.equals(target), `${name(q)} -> ${label(kind)} node: with its id`)
        const closer = replies.flatMap((r) => r.closerNodes ?? [])
        t.ok(
          closer.length > 0 && closer.every((a) => net.at(a) !== undefined),
          `${name(q)}: closerNodes are all members`
        )
        t.is(
          kindsAt(
            net,
            replies.map((r) => r.from)
          ).size,
          2,
          `${name(q)}: answers from both kinds`
        )
      }
    }
  })

  test(`addNode seeds an unbootstrapped node with a node of the other kind ${on}`, async (t) => {
    const net = await mixedNetwork(t, bs)
    for (const kind of IMPL_NAMES) {
      const other: ImplName = kind === 'keymesh' ? 'real' : 'keymesh'
      const lonely = await net.addClient(kind, { bootstrap: [] })
      t.is(lonely.node.toArray().length, 0, `${label(kind)}: empty table without bootstrap`)
      const seed = first(net, other)
      lonely.node.addNode(addr(seed))
      t.alike(
        lonely.node.toArray(),
        [addr(seed)],
        `${label(kind)}: addNode(${label(other)}) stored`
      )
      const query = lonely.node.findNode(prng.bytes(32))
      await withTimeout(query.finished(), QUERY_MS, 'findNode after addNode')
      t.is(query.closestReplies.length, K, `${label(kind)}: a full lookup through the seed`)
      t.is(kindsAt(net, query.closestNodes).size, 2, `${label(kind)}: reached both kinds`)
    }
  })
}

test('API on a live mixed network: stats, addresses, delayedPing, sessions, timeouts', async (t) => {
  const net = await mixedNetwork(t, 'real')
  const blackHole = new RawSocket() // receives requests, never answers
  t.teardown(() => blackHole.close())
  const hole = { host: LOCALHOST, port: blackHole.port }
  const localHosts = new Map<ImplName, string | undefined>()
  for (const kind of IMPL_NAMES) {
    const m = first(net, kind)
    const other = first(net, kind === 'keymesh' ? 'real' : 'keymesh')
    const who = `${label(kind)} -> ${label(other.impl)}`

    const s0 = m.node.stats
    const numbers = [
      s0.queries.active,
      s0.queries.total,
      s0.requests.active,
      s0.requests.total,
      s0.requests.responses,
      s0.requests.timeouts,
      s0.requests.retries,
      ...[
        s0.commands.ping,
        s0.commands.pingNat,
        s0.commands.findNode,
        s0.commands.downHint
      ].flatMap((c) => [c.tx, c.rx])
    ]
    t.ok(
      numbers.every((n) => Number.isInteger(n) && n >= 0),
      `${label(kind)}: stats has dht-rpc's counters`
    )
    const before = {
      total: s0.queries.total,
      findTx: s0.commands.findNode.tx,
      requests: s0.requests.total
    }
    await withTimeout(m.node.findNode(prng.bytes(32)).finished(), QUERY_MS, 'findNode')
    const s1 = m.node.stats
    t.is(s1.queries.total, before.total + 1, `${label(kind)}: stats.queries.total counts the query`)
    t.is(s1.queries.active, 0, `${label(kind)}: stats.queries.active back to 0`)
    t.ok(s1.commands.findNode.tx > before.findTx, `${label(kind)}: stats.commands.findNode.tx grew`)
    t.ok(s1.requests.total > before.requests, `${label(kind)}: stats.requests.total grew`)

    t.alike(m.node.remoteAddress(), addr(m), `${label(kind)}: remoteAddress()`)
    const local = m.node.localAddress()
    t.is(local?.port, m.port, `${label(kind)}: localAddress().port`)
    localHosts.set(kind, local?.host)

    const sent = Date.now()
    const delayed = await m.node.delayedPing(addr(other), 50)
    t.is(delayed.error, 0, `${who}: delayedPing(50) answered`)
    t.ok(Date.now() - sent >= 45, `${who}: delayedPing(50) not answered early`)
    await t.exception(
      async () => m.node.delayedPing(addr(other), 20_000),
      `${who}: delay above maxPingDelay refused`
    )

    const session = m.node.session()
    const pong = await session.ping(addr(other))
    t.is(pong.error, 0, `${who}: session.ping`)
    const pending = session.request({ command: USER_COMMAND, value: Buffer.from('s') }, hole)
    session.destroy()
    const destroyed = await pending.then(
      () => null,
      (err: { code?: unknown }) => err
    )
    t.is(
      destroyed?.code,
      'REQUEST_DESTROYED',
      `${label(kind)}: session.destroy() fails its requests`
    )

    const started = Date.now()
    const timedOut = await m.node.request({ command: USER_COMMAND }, hole, { retry: false }).then(
      () => null,
      (err: { code?: unknown }) => err
    )
    const waited = Date.now() - started
    t.is(timedOut?.code, 'REQUEST_TIMEOUT', `${label(kind)}: unanswered request -> REQUEST_TIMEOUT`)
    t.ok(
      waited >= 900 && waited < 3000,
      `${label(kind)}: retry: false times out after one attempt (${waited} ms)`
    )
  }
  t.is(localHosts.get('keymesh'), localHosts.get('real'), 'localAddress() picks the same host')
})

test('API surface: statics, bootstrapper argument checks, subclassing, close event', async (t) => {
  for (const kind of IMPL_NAMES) {
    const DHT = impls[kind]
    const who = label(kind)
    t.is(DHT.OK, 0, `${who}: OK`)
    t.is(DHT.ERROR_UNKNOWN_COMMAND, ERROR_UNKNOWN_COMMAND, `${who}: ERROR_UNKNOWN_COMMAND`)
    t.is(DHT.ERROR_INVALID_TOKEN, ERROR_INVALID_TOKEN, `${who}: ERROR_INVALID_TOKEN`)
    t.exception(() => DHT.bootstrapper(0, LOCALHOST), `${who}: bootstrapper needs a port`)
    t.exception(() => DHT.bootstrapper(1234, ''), `${who}: bootstrapper needs a host`)
    t.exception(() => DHT.bootstrapper(1234, '0.0.0.0'), `${who}: bootstrapper refuses 0.0.0.0`)
    t.exception(() => DHT.bootstrapper(1234, 'example.com'), `${who}: bootstrapper wants an IPv4`)

    const Sub = hooked(DHT)
    const port = await freeUdpPort()
    const bs = Sub.bootstrapper(port, LOCALHOST, { host: LOCALHOST })
    let closed = false
    bs.on('close', () => (closed = true))
    t.teardown(() => bs.destroy())
    t.ok(bs instanceof Sub, `${who}: bootstrapper() constructs the subclass it is called on`)
    await withTimeout(bs.fullyBootstrapped(), 5000, `${who} bootstrapper`)
    t.is(bs.ephemeral, false, `${who}: a lone bootstrapper is persistent`)
    t.ok(bs.id?.equals(nodeId(LOCALHOST, port)), `${who}: bootstrapper id`)
    t.alike(
      bs.address(),
      { host: LOCALHOST, family: 4, port },
      `${who}: bootstrapper bound where asked`
    )
    await bs.destroy()
    t.ok(closed, `${who}: 'close' emitted by destroy()`)
    t.ok(bs.destroyed, `${who}: destroyed`)
  }
})

test('parseUserReply round-trips userReply', (t) => {
  const parsed = parseUserReply(userReply('real', 4321, Buffer.from('abc')))
  t.alike(parsed, { impl: 'real', port: 4321, echo: Buffer.from('abc') })
})
