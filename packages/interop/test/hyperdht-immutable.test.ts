// Interop: immutablePut / immutableGet between @keymesh/hyperdht and the real hyperdht 6.33.0 on
// real nodes (testnet.js's shape), a keymesh testnet and two mixed networks. A value put by one kind
// is read by the other and held byte for byte by every storing node of either kind; keymesh's size
// limit holds on both sides (the client refuses before sending, its nodes stay silent).

import { MAX_IMMUTABLE_VALUE_BYTES } from '@keymesh/hyperdht'
import test from 'brittle'
import {
  HYPERDHT_COMMANDS,
  HYPER_NETWORK_KINDS,
  RealHyperDHT,
  asKeymesh,
  askEach,
  commitEach,
  createHyperNetwork,
  memberName,
  replyInfoProblems
} from '../src/hyperdht-network.js'
import type { HyperMember, HyperNetwork } from '../src/hyperdht-network.js'
import { label, withTimeout } from '../src/index.js'
import type { T } from './helpers/brittle.js'
import { Prng, seedFrom } from './helpers/prng.js'

const OP_MS = 10_000
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0x1a2b)

const STORED = 'error 0, token true, value false' // a node's answer to a put it stored (§4.5)

test.configure({ timeout: 60_000 })

/** The keymesh extras of a put result (absent on the real package's). */
interface PutExtras {
  stored?: number
  refused?: unknown[]
}

function ports(nodes: readonly { port: number }[]): number[] {
  return nodes.map((n) => n.port).sort((a, b) => a - b)
}

/** Put `value` with `writer`, check every storing node holds it, read it back with `reader`. */
async function roundTrip(
  t: T,
  net: HyperNetwork,
  writer: HyperMember,
  reader: HyperMember,
  value: Buffer
): Promise<void> {
  const dir = `${label(writer.impl)} → ${label(reader.impl)}, ${value.byteLength} bytes`
  const put = await withTimeout(writer.node.immutablePut(value), OP_MS, `${dir}: immutablePut`)
  t.alike(put.hash, RealHyperDHT.hash(value), `${dir}: put.hash = H(value)`)
  t.alike(ports(put.closestNodes), ports(net.storing), `${dir}: closestNodes = the storing nodes`)
  if (asKeymesh(writer.node) !== null) {
    const extras = put as PutExtras
    t.is(extras.stored, net.storing.length, `${dir}: keymesh reports every node stored it`)
    t.alike(extras.refused, [], `${dir}: keymesh reports no refusal`)
  }

  const command = HYPERDHT_COMMANDS.IMMUTABLE_GET
  const held = await askEach(net, reader, { command, target: put.hash }, OP_MS)
  const missing = held.filter((h) => !value.equals(h.reply.value ?? Buffer.alloc(0)))
  t.alike(
    missing.map((h) => memberName(h.member)),
    [],
    `${dir}: every storing node holds it`
  )

  const got = await withTimeout(reader.node.immutableGet(put.hash), OP_MS, `${dir}: immutableGet`)
  if (got === null) {
    t.fail(`${dir}: immutableGet found nothing`)
    return
  }
  t.alike(got.value, value, `${dir}: immutableGet returns the value`)
  t.alike(Object.keys(got).sort(), ['from', 'to', 'token', 'value'], `${dir}: result shape`)
  t.alike(replyInfoProblems(net, reader, got), [], `${dir}: token, from and to`)
}

for (const kind of HYPER_NETWORK_KINDS) {
  test(`immutable: put by one kind, get by the other (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    t.comment(`storing nodes: ${net.storing.map(memberName).join(', ')}`)
    for (const [writer, reader] of net.directions()) {
      const value = Buffer.concat([Buffer.from(`immutable from ${writer.impl} `), prng.bytes(16)])
      await roundTrip(t, net, writer, reader, value)
    }
    for (const impl of ['keymesh', 'real'] as const) {
      const client = net.client(impl)
      const got = await withTimeout(client.node.immutableGet(prng.bytes(32)), OP_MS, 'get')
      t.is(got, null, `${label(impl)}: immutableGet of an unknown hash is null`)
    }
  })

  test(`immutable: empty and ${MAX_IMMUTABLE_VALUE_BYTES}-byte values round-trip, larger ones are refused by keymesh before sending (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    for (const size of [0, MAX_IMMUTABLE_VALUE_BYTES]) {
      // there is only one empty value: the second direction puts it again
      for (const [writer, reader] of net.directions()) {
        await roundTrip(t, net, writer, reader, prng.bytes(size))
      }
    }

    const km = asKeymesh(net.client('keymesh').node)
    if (km === null) return void t.comment('sanity mode: no keymesh client')
    const before = km.stats.requests.total
    const tooLarge = prng.bytes(MAX_IMMUTABLE_VALUE_BYTES + 1)
    await t.exception(km.immutablePut(tooLarge), /VALUE_TOO_LARGE/, 'immutablePut rejects')
    const err = await km.immutablePut(tooLarge).catch((e: unknown) => e)
    t.is((err as { code?: unknown }).code, 'VALUE_TOO_LARGE', 'err.code')
    t.is((err as Error).name, 'DHTError', 'err.name')
    t.is(km.stats.requests.total, before, 'nothing was sent')
  })

  test(`immutable: values keymesh would refuse to send: real nodes store them, keymesh nodes stay silent (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    const real = net.client('real')
    const value = prng.bytes(MAX_IMMUTABLE_VALUE_BYTES + 1)
    const target = RealHyperDHT.hash(value)
    const query = { command: HYPERDHT_COMMANDS.IMMUTABLE_GET, target, value: null }
    const commit = { command: HYPERDHT_COMMANDS.IMMUTABLE_PUT, value }
    // one attempt per node: a silent node then costs one second instead of four
    const outcomes = await commitEach(net, real, query, commit, { retry: false, ms: OP_MS })
    const isKeymesh = (m: HyperMember): boolean => asKeymesh(m.node) !== null
    const expected = net.storing.map((m) => (isKeymesh(m) ? 'REQUEST_TIMEOUT' : STORED))
    // documented difference (persistent.ts `onimmutableput`): keymesh drops a value whose
    // worst-case IMMUTABLE_GET reply would exceed 2048 bytes; hyperdht stores it
    t.alike(
      outcomes.map((o) => o.outcome),
      expected,
      'real nodes store it, keymesh nodes do not answer'
    )
    const held = await askEach(net, real, query, OP_MS)
    const holders = held.filter((h) => h.reply.value?.equals(value)).map((h) => h.member)
    t.alike(
      holders,
      net.storing.filter((m) => !isKeymesh(m)),
      'only the real nodes hold it'
    )
    for (const impl of ['keymesh', 'real'] as const) {
      const got = await withTimeout(net.client(impl).node.immutableGet(target), OP_MS, 'get')
      const what = `${label(impl)} immutableGet`
      if (holders.length > 0) t.alike(got?.value, value, `${what} reads it from the real nodes`)
      else t.is(got, null, `${what} finds nothing`)
    }
  })
}
