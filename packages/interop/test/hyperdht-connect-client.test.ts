// Interop: the @keymesh/hyperdht client connecting to real hyperdht 6.33.0 servers, on real,
// keymesh and mixed networks. Bytes echo exactly, both sides see the right keys, the direct, LAN
// and holepunch paths work on loopback, and a real server's silent firewall refusal ends the
// keymesh client's attempt with hyperdht's code.

import test from 'brittle'
import { HYPER_NETWORK_KINDS, RealHyperDHT, createHyperNetwork } from '../src/hyperdht-network.js'
import type { HyperMember, HyperNetwork, KeyPair } from '../src/hyperdht-network.js'
import { LOCALHOST, label, withTimeout } from '../src/index.js'
import { OP_MS, connectError, listenEcho as listen, roundTrip } from './helpers/connections.js'
import { Prng, seedFrom } from './helpers/prng.js'

// hyperdht's servers stay silent on refusal: the client gives up after its handshake timeouts
const SILENCE_MS = 40_000
const SEED = seedFrom('TEST_SEED', 0x1d7c0ffe)
const prng = new Prng(SEED ^ 0xc11e)

test.configure({ timeout: 120_000 })

function keyPair(): KeyPair {
  return RealHyperDHT.keyPair(prng.bytes(32))
}

// the real servers of a network: its ephemeral real client (firewalled: LAN/holepunch paths)
// and, where there is one, a persistent real node (reachable: the direct path)
function realHosts(net: HyperNetwork): [string, HyperMember][] {
  const hosts: [string, HyperMember][] = [['firewalled real server', net.client('real')]]
  const open = net.storing.find((m) => m.impl === 'real')
  if (open !== undefined) hosts.push(['open real server', open])
  return hosts
}

for (const kind of HYPER_NETWORK_KINDS) {
  test(`keymesh client → real server: echo and keys (${kind} network)`, async (t) => {
    const net = await createHyperNetwork(kind, t.teardown.bind(t))
    const client = net.client('keymesh').node
    const data = Buffer.from(prng.bytes(2 * 1024 * 1024))

    for (const [name, host] of realHosts(net)) {
      const kp = keyPair()
      const { server, connections } = await listen(host.node, kp)
      const { received, stream, error } = await roundTrip(client, kp.publicKey, data)
      t.is(error, null, `${name}: no error`)
      t.ok(received.equals(data), `${name}: ${received.byteLength} bytes echoed byte-exact`)
      t.alike(stream.remotePublicKey, kp.publicKey, `${name}: the client sees the server key`)
      t.is(connections.length, 1, `${name}: one connection`)
      t.alike(
        connections[0]?.remotePublicKey,
        client.defaultKeyPair.publicKey,
        `${name}: the server sees the client key`
      )
      await withTimeout(server.close(), OP_MS, 'server.close')
    }
  })
}

test('keymesh client → firewalled real server: LAN and holepunch paths on loopback', async (t) => {
  const net = await createHyperNetwork('mixed, keymesh bootstrap', t.teardown.bind(t))
  const client = net.client('keymesh').node
  const serverNode = net.client('real').node
  const serverPort = serverNode.address()?.port
  const kp = keyPair()
  const { server } = await listen(serverNode, kp)
  const data = Buffer.from(prng.bytes(512 * 1024))

  const lan = await roundTrip(client, kp.publicKey, data)
  t.ok(lan.received.equals(data), 'LAN path: echoed byte-exact')

  // no LAN addresses: the real server answers from a holepunch socket and both sides punch
  const punched = await roundTrip(client, kp.publicKey, data, { localConnection: false })
  t.is(punched.error, null, 'holepunch path: no error')
  t.ok(punched.received.equals(data), 'holepunch path: echoed byte-exact')
  const port = punched.stream.rawStream?.remotePort
  t.ok(
    port !== undefined && port !== serverPort,
    `holepunch path: through a holepunch socket (${port}, not ${serverPort})`
  )
  await server.close()
})

test("a real server's firewall refusal ends the keymesh client's attempt", async (t) => {
  const net = await createHyperNetwork('real', t.teardown.bind(t))
  const client = net.client('keymesh').node
  const kp = keyPair()
  let calls = 0
  const { server } = await listen(net.client('real').node, kp, {
    firewall: () => {
      calls++
      return true
    }
  })
  const { code } = await connectError(client, kp.publicKey, {}, SILENCE_MS)
  t.ok(calls > 0, 'the real firewall hook ran')
  t.is(code, 'PEER_CONNECTION_FAILED', "hyperdht's silence ends in PEER_CONNECTION_FAILED")
  await server.close()
  t.comment(`${label('keymesh')} client, ${label('real')} server on ${LOCALHOST}`)
})
