// Fuzz: at least 100,000 malformed or hostile datagrams from a raw udx-native socket at a live node
// of a small testnet; afterwards the node must still answer pings and queries, must not have
// stored the fuzzer, and memory must not have grown without bound. Runs against keymesh and, as a
// control, against the real dht-rpc.

import test from 'brittle'
import {
  IMPL_NAMES,
  LOCALHOST,
  USER_COMMAND,
  createNetwork,
  immediate,
  impls,
  label,
  nodeId,
  settledMemory,
  userReply,
  withTimeout,
  udpRcvbufErrors
} from '../src/index.js'
import type { ImplName, Member, Reply } from '../src/index.js'
import type { T } from './helpers/brittle.js'
import {
  CATEGORIES,
  DatagramFuzzer,
  PING,
  decodeResponse,
  encodeRequest
} from './helpers/datagrams.js'
import { Prng, seedFrom } from './helpers/prng.js'
import { RawSocket } from './helpers/raw-socket.js'

const DATAGRAMS = Math.max(100_000, Number(process.env['FUZZ_DATAGRAMS'] ?? 0))
const BATCH = 32 // datagrams per event-loop turn
const BARRIER_EVERY = 1024 // then wait until the node has answered a ping sent after them
const SEED = seedFrom('FUZZ_SEED', 0xf022)
const MAX_HEAP_GROWTH = 48 * 1024 * 1024
const MAX_RSS_GROWTH = 160 * 1024 * 1024
const MB = 1024 * 1024
const WARM_UP = 4096 // datagrams sent before the memory baseline

// @keymesh/dht-rpc rate-limits inbound requests per source IP (a keymesh extra; loopback is exempt
// by default). Everything here comes from 127.0.0.1, so the target switches the limiter off
// explicitly: the fuzz is aimed at the decoder, not the limiter. dht-rpc ignores the option.
const UNLIMITED = { rateLimit: false }

/** Replies the fuzzer got, by error code ('undecodable' if not a response). */
type Profile = Map<string, number>
const profiles = new Map<ImplName, Profile>()

test.configure({ timeout: 120_000 })

/** Every numeric leaf of `stats` whose path names a drop/reject counter, as path → value. */
function dropCounters(stats: unknown): Map<string, number> {
  const found = new Map<string, number>()
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 5 || value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      const p = path ? `${path}.${key}` : key
      if (
        typeof child === 'number' &&
        /drop|malformed|invalid|reject|discard|decod|garbage|ignored|bad/i.test(p)
      ) {
        found.set(p, child)
      } else {
        walk(child, p, depth + 1)
      }
    }
  }
  walk(stats, '', 0)
  return found
}

async function fuzz(t: T, impl: ImplName): Promise<void> {
  const who = label(impl)
  const net = await createNetwork(impls, {
    bootstrapper: impl,
    nodes: [impl, impl, impl, impl],
    handlers: () => 'event',
    nodeOptions: UNLIMITED
  })
  t.teardown(() => net.destroy())
  const target = net.nodes[0] as Member
  const peer = net.nodes[1] as Member
  const fuzzer = new RawSocket()
  const barrier = new RawSocket()
  t.teardown(() => Promise.all([fuzzer.close(), barrier.close()]))

  const prng = new Prng(SEED)
  const gen = new DatagramFuzzer(prng, {
    target: { host: LOCALHOST, port: target.port },
    fuzzer: { host: LOCALHOST, port: fuzzer.port },
    knownIds: net.persistent.map((m) => nodeId(LOCALHOST, m.port)),
    userCommand: USER_COMMAND
  })

  let barrierTid = 0
  const sync = async (): Promise<void> => {
    const tid = barrierTid++ & 0xffff
    const ping = encodeRequest({
      tid,
      to: { host: LOCALHOST, port: target.port },
      internal: true,
      command: PING
    })
    await barrier.request(ping, tid, target.port)
  }
  const fire = async (source: DatagramFuzzer, count: number): Promise<void> => {
    for (let sent = 0; sent < count;) {
      const n = Math.min(BATCH, count - sent)
      for (let i = 0; i < n - 1; i++) fuzzer.trySend(source.next(), target.port)
      await fuzzer.send(source.next(), target.port) // the batch has left the socket
      sent += n
      if (sent % BARRIER_EVERY < BATCH || sent === count) await sync()
      else await immediate()
    }
  }

  // warm up every path (and the fuzzer itself) so lazily created state is part of the baseline
  await peer.node.ping({ host: LOCALHOST, port: target.port })
  await withTimeout(peer.node.findNode(prng.bytes(32)).finished(), 10_000, 'warm-up findNode')
  await fire(new DatagramFuzzer(new Prng(SEED ^ 0x5a5a5a5a), gen.context), WARM_UP)
  barrierTid = 0
  const before = await settledMemory()
  const dropsBefore = udpRcvbufErrors()
  const profile: Profile = new Map()
  fuzzer.ondatagram = (datagram) => {
    const res = decodeResponse(datagram)
    const key = res === null ? 'undecodable' : `error ${res.error}`
    profile.set(key, (profile.get(key) ?? 0) + 1)
  }
  const started = Date.now()
  await fire(gen, DATAGRAMS)
  fuzzer.ondatagram = null
  profiles.set(impl, profile)

  const elapsed = Date.now() - started
  const after = await settledMemory()
  const dropsAfter = udpRcvbufErrors()
  const replies = [...profile]
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')
  t.comment(
    `${who}: ${DATAGRAMS} datagrams in ${elapsed} ms, ${barrierTid} barriers; replies to the fuzzer: ${replies}`
  )
  t.comment(`${who}: mix ${CATEGORIES.map((c) => `${c}=${gen.counts.get(c)}`).join(', ')}`)
  if (dropsBefore !== null && dropsAfter !== null) {
    t.comment(
      `${who}: kernel UDP RcvbufErrors +${dropsAfter - dropsBefore} (host-wide) during the run`
    )
  }
  t.ok(
    barrierTid >= Math.floor(DATAGRAMS / BARRIER_EVERY),
    `${who}: answered every barrier ping while under fire`
  )

  // still alive: pings both ways, a user-command query that reaches it, a lookup it runs itself
  const pong = await peer.node.ping({ host: LOCALHOST, port: target.port })
  t.is(pong.error, 0, `${who}: answers a ping from a peer`)
  t.ok(pong.from.id?.equals(nodeId(LOCALHOST, target.port)), `${who}: still persistent with its id`)
  const out = await target.node.ping({ host: LOCALHOST, port: peer.port })
  t.is(out.error, 0, `${who}: its own pings still get answers`)

  const client = await net.addClient(impl === 'keymesh' ? 'real' : 'keymesh')
  const query = client.node.query({
    target: nodeId(LOCALHOST, target.port),
    command: USER_COMMAND,
    value: Buffer.from('after')
  })
  const answers: Reply[] = []
  const drain = async (): Promise<void> => {
    for await (const reply of query) answers.push(reply)
  }
  await withTimeout(drain(), 10_000, `${who} query after fuzz`)
  const fromTarget = answers.find((r) => r.from.port === target.port)
  t.alike(
    fromTarget?.value,
    userReply(impl, target.port, Buffer.from('after')),
    `${who}: answers a query after the fuzz`
  )
  const lookup = target.node.findNode(prng.bytes(32))
  await withTimeout(lookup.finished(), 10_000, `${who} findNode after fuzz`)
  t.is(
    lookup.closestReplies.length,
    net.persistent.length - 1,
    `${who}: its own lookups still complete`
  )
  t.absent(
    target.node.toArray().some((a) => a.port === fuzzer.port || a.port === barrier.port),
    `${who}: the fuzzer never entered the routing table`
  )

  const drops = dropCounters(target.node.stats)
  if (drops.size === 0) {
    t.comment(`${who}: no drop counters in node.stats (liveness checked only)`)
  } else {
    const summary = [...drops].map(([k, v]) => `${k}=${v}`).join(', ')
    const total = [...drops.values()].reduce((a, b) => a + b, 0)
    t.ok(total > 0, `${who}: drop counters counted the fuzz (${summary})`)
  }

  const heapGrowth = after.heapUsed - before.heapUsed
  const rssGrowth = after.rss - before.rss
  t.comment(
    `${who}: heapUsed ${(before.heapUsed / MB).toFixed(1)} -> ${(after.heapUsed / MB).toFixed(1)} MB, rss ${(before.rss / MB).toFixed(1)} -> ${(after.rss / MB).toFixed(1)} MB`
  )
  t.ok(
    heapGrowth < MAX_HEAP_GROWTH,
    `${who}: heap grew ${(heapGrowth / MB).toFixed(1)} MB (< ${MAX_HEAP_GROWTH / MB})`
  )
  t.ok(
    rssGrowth < MAX_RSS_GROWTH,
    `${who}: rss grew ${(rssGrowth / MB).toFixed(1)} MB (< ${MAX_RSS_GROWTH / MB})`
  )
}

test(`fuzz seed ${SEED}, ${DATAGRAMS} datagrams per node (FUZZ_SEED / FUZZ_DATAGRAMS to change)`, (t) => {
  t.pass()
})

// keymesh first: it is the subject; the real dht-rpc is the control
for (const impl of IMPL_NAMES) {
  test(`fuzz: a ${label(impl)} node survives ${DATAGRAMS} malformed datagrams`, async (t) => {
    await fuzz(t, impl)
  })
}

// Same seed, so the same datagrams (up to the port bytes, which differ per run): the replies
// should mostly match. Reported, not asserted: keymesh may legitimately be stricter. (Known cause
// of a gap: datagrams whose flags carry undefined bits, which dht-rpc ignores; see
// dht-rpc-raw.test.ts.)
test('fuzz: reply profiles of keymesh and real side by side', (t) => {
  const ours = profiles.get('keymesh')
  const theirs = profiles.get('real')
  if (ours === undefined || theirs === undefined) {
    t.comment('a fuzz run did not finish; nothing to compare')
    t.pass()
    return
  }
  const keys = [...new Set([...ours.keys(), ...theirs.keys()])].sort()
  for (const key of keys) {
    const a = ours.get(key) ?? 0
    const b = theirs.get(key) ?? 0
    const drift = b === 0 ? (a === 0 ? 0 : Infinity) : Math.abs(a - b) / b
    t.comment(
      `${key}: keymesh ${a}, real ${b}${drift > 0.02 ? '  <-- differs by more than 2%' : ''}`
    )
  }
  t.pass()
})
