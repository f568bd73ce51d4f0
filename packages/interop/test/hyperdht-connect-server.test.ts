// Interop: the real hyperdht 6.33.0 client connecting to a @keymesh/hyperdht server, on real,
// keymesh and mixed networks. Bytes echo exactly, both sides see the right keys, the keymesh
// firewall refusal reaches the real client at once (as SERVER_ERROR), the LAN and holepunch paths
// work on loopback, and closing the server leaves open connections up, as hyperdht does.

import test from 'brittle'
import {
  HYPER_NETWORK_KINDS,
  RealHyperDHT,
  createHyperNetwork,
  hyperImpls
} from '../src/hyperdht-network.js'
import type { HyperDHTNode, HyperMember, HyperNetwork, KeyPair } from '../src/hyperdht-network.js'
import { LOCALHOST, SANITY, freeUdpPort, label, withTimeout } from '../src/index.js'
import {
  OP_MS,
  closed,
  connectError,
  listenEcho as listen,
  roundTrip
} from './helpers/connections.js'
import { Prng, seedFrom } from './helpers/prng.js'

// the keymesh refusal is one round trip; hyperdht's silence costs the client its handshake timeouts
const REFUSAL_MS = 5_000
const SILENCE_MS = 30_000
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0xc0ec)

test.configure({ timeout: 120_000 })

function keyPair(): KeyPair {
  return RealHyperDHT.keyPair(prng.bytes(32))
}

function payload(bytes: number): Buffer {
  return Buffer.from(prng.bytes(bytes))
}

/** A fresh ephemeral keymesh node (firewalled, no id) on `net`, destroyed by teardown. */
async function ephemeralKeymesh(
  net: HyperNetwork,
  teardown: (fn: () => unknown) => void
): Promise<HyperDHTNode> {
  const Class = hyperImpls.keymesh
  const node = new Class({
    bootstrap: net.bootstrap,
    ephemeral: true,
    host: LOCALHOST,
    port: await freeUdpPort()
  })
  teardown(() => node.destroy())
  await withTimeout(node.fullyBootstrapped(), OP_MS, 'keymesh node bootstrap')
  return node
}

// the keymesh servers of a network: its ephemeral keymesh client (firewalled: LAN/holepunch
// paths) and, where there is one, a persistent keymesh node (reachable: the direct path)
function keymeshHosts(net: HyperNetwork): [string, HyperMember][] {
  const hosts: [string, HyperMember][] = [['firewalled keymesh server', net.client('keymesh')]]
  const open = net.storing.find((m) => m.impl === 'keymesh')
  if (open !== undefined) hosts.push(['open keymesh server', open])
  return hosts
}

for (const kind of HYPER_NETWORK_KINDS) {
  test(`real client → keymesh server: echo, keys, firewall refusal (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    const real = net.client('real').node
    const refusedKeyPair = keyPair()
    const data = payload(2 * 1024 * 1024)

    for (const [name, host] of keymeshHosts(net)) {
      const kp = keyPair()
      let firewallCalls = 0
      const { server, connections } = await listen(host.node, kp, {
        firewall: (remotePublicKey) => {
          firewallCalls++
          return remotePublicKey.equals(refusedKeyPair.publicKey)
        }
      })
      t.ok(server.relayAddresses.length > 0, `${name}: announced (${server.relayAddresses.length})`)

      const { received, stream, error } = await roundTrip(real, kp.publicKey, data)
      t.is(error, null, `${name}: no error`)
      t.ok(received.equals(data), `${name}: ${received.byteLength} bytes echoed byte-exact`)
      t.alike(stream.remotePublicKey, kp.publicKey, `${name}: the client sees the server key`)
      t.is(connections.length, 1, `${name}: one connection`)
      t.alike(
        connections[0]?.remotePublicKey,
        real.defaultKeyPair.publicKey,
        `${name}: the server sees the client key`
      )

      const before = firewallCalls
      const refusal = await connectError(
        real,
        kp.publicKey,
        { keyPair: refusedKeyPair },
        SANITY ? SILENCE_MS : REFUSAL_MS
      )
      if (SANITY) {
        t.is(refusal.code, 'PEER_CONNECTION_FAILED', `${name}: hyperdht's silence`)
      } else {
        t.is(refusal.code, 'SERVER_ERROR', `${name}: the refusal reaches the real client`)
        t.ok(refusal.ms < REFUSAL_MS, `${name}: at once (${refusal.ms} ms)`)
      }
      t.ok(firewallCalls > before, `${name}: the firewall saw the refused key`)
      t.is(connections.length, 1, `${name}: no connection for the refused key`)
      await withTimeout(server.close(), OP_MS, 'server.close')
    }
  })
}

test('real client → firewalled keymesh server: the LAN path and the holepunch path on loopback', async (t) => {
  const net = await createHyperNetwork('real', t.teardown.bind(t))
  const real = net.client('real').node
  const serverNode = await ephemeralKeymesh(net, t.teardown.bind(t))
  const serverPort = serverNode.address()?.port
  const kp = keyPair()
  const { server } = await listen(serverNode, kp)
  const data = payload(512 * 1024)

  // same public host and matching private addresses: the server prepares a puncher and keeps
  // replying from its DHT socket; the client races a LAN ping to that socket with holepunching
  // (on loopback either may win)
  const lan = await roundTrip(real, kp.publicKey, data)
  t.ok(lan.received.equals(data), 'LAN path: echoed byte-exact')

  // no LAN addresses from the client: the server replies from a holepunch socket and the two
  // holepunch sockets find each other
  const punched = await roundTrip(real, kp.publicKey, data, { localConnection: false })
  t.ok(punched.received.equals(data), 'holepunch path: echoed byte-exact')
  const punchPort = punched.stream.rawStream?.remotePort
  t.ok(
    punchPort !== undefined && punchPort !== serverPort,
    `holepunch path: through a holepunch socket (${punchPort}, not ${serverPort})`
  )
  await server.close()
})

test('rejectSilently: the real client gets no answer and gives up on its own', async (t) => {
  const net = await createHyperNetwork('keymesh', t.teardown.bind(t))
  const real = net.client('real').node
  const kp = keyPair()
  const { server } = await listen(net.client('keymesh').node, kp, {
    rejectSilently: true,
    firewall: () => true
  })
  const { code, ms } = await connectError(real, kp.publicKey, {}, SILENCE_MS)
  t.is(code, 'PEER_CONNECTION_FAILED', `hyperdht's outcome (${ms} ms)`)
  await server.close()
})

test('keymesh server close with a real client connected: the connection stays; node destroy ends it', async (t) => {
  const net = await createHyperNetwork('mixed, real bootstrap', t.teardown.bind(t))
  const real = net.client('real').node
  const serverNode = await ephemeralKeymesh(net, t.teardown.bind(t))
  const kp = keyPair()
  const { server, connections } = await listen(serverNode, kp)

  const stream = real.connect(kp.publicKey)
  stream.on('error', () => {})
  const gone = closed(stream)
  await withTimeout(new Promise((resolve) => stream.once('open', resolve)), OP_MS, 'open')
  const echoed = (): Promise<string> =>
    withTimeout(
      new Promise((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString()))),
      OP_MS,
      'echo'
    )

  stream.write(Buffer.from('before close'))
  t.is(await echoed(), 'before close')
  await withTimeout(server.close(), OP_MS, 'server.close')
  t.ok(server.closed, 'closed')
  stream.write(Buffer.from('after close'))
  t.is(await echoed(), 'after close', 'the open connection still works (hyperdht semantics)')

  await serverNode.destroy()
  await withTimeout(gone, OP_MS, 'client stream close')
  t.ok(stream.destroyed, 'the real client saw its stream close')
  t.ok(connections[0]?.destroyed, 'the server side is destroyed')
  t.comment(`${label('keymesh')} server, ${label('real')} client`)
})
