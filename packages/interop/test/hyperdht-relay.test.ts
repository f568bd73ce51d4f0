// Interop: blind relaying (relayThrough, §9) between @keymesh/hyperdht and the real hyperdht
// 6.33.0 on a mixed network on 127.0.0.1. A keymesh relay carries real peers, the real
// blind-relay server carries keymesh peers, and either side may be the one that chose the relay.
// The keymesh ends stay off every other path (no punching, no LAN shortcut), so where keymesh is
// the server the bytes can only have gone through the relay.

import { createRequire } from 'node:module'
import test from 'brittle'
import type * as RealBlindRelayType from 'blind-relay'
import { RealHyperDHT, asKeymesh, createHyperNetwork, hyperImpls } from '../src/hyperdht-network.js'
import type { HyperDHTNode, HyperNetwork, KeyPair } from '../src/hyperdht-network.js'
import type { ImplName } from '../src/api.js'
import { LOCALHOST, freeUdpPort, withTimeout } from '../src/index.js'
import { OP_MS, listenEcho as listen, roundTrip } from './helpers/connections.js'
import { Prng, seedFrom } from './helpers/prng.js'

const requireHere = createRequire(import.meta.url)
const RealBlindRelay = requireHere('blind-relay') as typeof RealBlindRelayType

const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0x4e1a)
const NO_PUNCH = (): boolean => false

test.configure({ timeout: 120_000 })

function keyPair(): KeyPair {
  return RealHyperDHT.keyPair(prng.bytes(32))
}

/** A fresh ephemeral (firewalled) node of `impl` on `net`, destroyed by teardown. */
async function ephemeral(
  net: HyperNetwork,
  impl: ImplName,
  teardown: (fn: () => unknown) => void
): Promise<HyperDHTNode> {
  const node = new hyperImpls[impl]({
    bootstrap: net.bootstrap,
    ephemeral: true,
    host: LOCALHOST,
    port: await freeUdpPort()
  })
  teardown(() => node.destroy())
  await withTimeout(node.fullyBootstrapped(), OP_MS, `${impl} node bootstrap`)
  return node
}

interface Relay {
  publicKey: Buffer
  matched(): number
}

/** A relay on a persistent node of `impl`: keymesh's createRelayServer or the npm blind-relay. */
async function startRelay(net: HyperNetwork, impl: ImplName): Promise<Relay> {
  const member = net.storing.find((m) => m.impl === impl)
  if (member === undefined) throw new Error(`no persistent ${impl} node`)
  const kp = keyPair()
  const keymesh = asKeymesh(member.node)
  if (impl === 'keymesh' && keymesh !== null) {
    const relay = keymesh.createRelayServer()
    await withTimeout(relay.listen(kp), OP_MS, 'relay.listen')
    net.onDestroy(() => relay.close())
    return { publicKey: kp.publicKey, matched: () => relay.stats.pairings.matched }
  }
  const node = member.node
  const relay = new RealBlindRelay.Server({ createStream: (opts) => node.createRawStream(opts) })
  const server = node.createServer({}, (socket) => {
    socket.on('error', () => {})
    const id = socket.remotePublicKey
    relay.accept(socket, id === null ? {} : { id }).on('error', () => {})
  })
  await withTimeout(server.listen(kp), OP_MS, 'real relay listen')
  net.onDestroy(async () => {
    await relay.close()
    await server.close()
  })
  return { publicKey: kp.publicKey, matched: () => relay.stats.pairings.matched }
}

// [relay impl, server impl, client impl, who chooses the relay]
const CASES: [ImplName, ImplName, ImplName, 'client' | 'server'][] = [
  ['keymesh', 'keymesh', 'real', 'client'],
  ['keymesh', 'keymesh', 'real', 'server'],
  ['real', 'real', 'keymesh', 'client'],
  ['real', 'real', 'keymesh', 'server'],
  ['real', 'keymesh', 'real', 'server'],
  ['keymesh', 'real', 'keymesh', 'client']
]

test('relayThrough across implementations: every role pairs and bytes echo exactly', async (t) => {
  const net = await createHyperNetwork('mixed, keymesh bootstrap', t.teardown.bind(t))
  const relays: Record<ImplName, Relay> = {
    keymesh: await startRelay(net, 'keymesh'),
    real: await startRelay(net, 'real')
  }
  const data = Buffer.from(prng.bytes(512 * 1024))

  for (const [relayImpl, serverImpl, clientImpl, chooser] of CASES) {
    const name = `${clientImpl} client → ${serverImpl} server via ${relayImpl} relay (${chooser} chose)`
    const relay = relays[relayImpl]
    const before = relay.matched()
    const serverNode = await ephemeral(net, serverImpl, t.teardown.bind(t))
    const clientNode = await ephemeral(net, clientImpl, t.teardown.bind(t))
    const kp = keyPair()
    const { server, connections } = await listen(serverNode, kp, {
      // keymesh: `false` never punches at all; the real server takes the veto function
      holepunch: serverImpl === 'keymesh' ? false : NO_PUNCH,
      ...(chooser === 'server' ? { relayThrough: relay.publicKey } : {})
    })
    // `holepunch` (the client's veto) is a connect option of both packages
    const connectOpts = {
      holepunch: NO_PUNCH,
      fastOpen: false,
      localConnection: false,
      ...(chooser === 'client' ? { relayThrough: relay.publicKey } : {})
    } as Parameters<typeof roundTrip>[3]
    const { received, error } = await roundTrip(clientNode, kp.publicKey, data, connectOpts)
    t.is(error, null, `${name}: no error`)
    t.ok(received.equals(data), `${name}: ${received.byteLength} bytes echoed byte-exact`)
    t.is(relay.matched() - before, 1, `${name}: the relay paired them`)
    t.is(connections.length, 1, `${name}: one connection`)
    const keymeshEnd = asKeymesh(serverImpl === 'keymesh' ? serverNode : clientNode)
    t.ok(
      keymeshEnd !== null && keymeshEnd.stats.relaying.successes === 1,
      `${name}: the keymesh end counts one relay pairing`
    )
    await withTimeout(server.close(), OP_MS, 'server.close')
  }
})
