// The server's handshake hook driven directly: reply payloads, de-duplication, the refusal bytes.

import test from 'brittle'
import type { Request } from '@keymesh/dht-rpc'
import { FIREWALL } from '@keymesh/wire'
import type { NoisePayload } from '@keymesh/wire'
import { CONNECTION_REFUSED_ERROR, HyperDHT } from '../src/index.js'
import type { KeyPair, Server } from '../src/index.js'
import { defaultCreateHandshake } from '../src/noise-wrap.js'
import type { PeerHandshake } from '../src/noise-wrap.js'
import { createTestnet } from '../src/testnet.js'

test.configure({ timeout: 30_000 })

const CLIENT_ADDRESS = { host: '127.0.0.1', port: 40001 }

function clientPayload(udxId: number): NoisePayload<Uint8Array> {
  return {
    version: 1,
    error: 0,
    firewall: FIREWALL.UNKNOWN,
    holepunch: null,
    addresses4: [],
    addresses6: [],
    udx: { version: 1, reusableSocket: false, id: udxId, seq: 0 },
    secretStream: { version: 1 },
    relayThrough: null,
    relayAddresses: null
  }
}

/** A client's message 1 to `serverKey`, and the handshake that reads message 2. */
function message1(
  clientKeyPair: KeyPair,
  serverKey: Uint8Array
): { noise: Buffer; client: PeerHandshake } {
  const client = defaultCreateHandshake(clientKeyPair, serverKey)
  const noise = Buffer.from(client.send(clientPayload(1234)) as Uint8Array)
  return { noise, client }
}

// what the router hands the hook for a handshake relayed by the node at `from`
function relayedRequest(from: { host: string; port: number }, to: { host: string; port: number }) {
  return {
    from: { id: null, ...from },
    to: { id: null, ...to },
    socket: null
  } as unknown as Request
}

async function hook(server: Server, noise: Buffer, req: Request) {
  return server._handshakes.onpeerhandshake({ noise, peerAddress: CLIENT_ADDRESS }, req)
}

test('reply payload of an open server; copies of message 1 get the same reply, one firewall call', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = testnet.nodes[2] as HyperDHT
  let calls = 0
  const server = node.createServer({
    firewall: () => {
      calls++
      return false
    }
  })
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  const { noise, client } = message1(HyperDHT.keyPair(), keyPair.publicKey)
  const req = relayedRequest({ host: '127.0.0.1', port: 40002 }, node.remoteAddress()!)

  const [a, b] = await Promise.all([hook(server, noise, req), hook(server, noise, req)])
  const c = await hook(server, noise, req)
  t.ok(a !== null && b !== null && c !== null)
  t.alike(a?.noise, b?.noise, 'concurrent copies: same reply')
  t.alike(a?.noise, c?.noise, 'later copy: same reply')
  t.is(calls, 1, 'the firewall ran once')
  t.is(a?.socket, null, 'an open server replies from the request socket')
  const entry = node._router.get(HyperDHT.hash(keyPair.publicKey))
  t.is(entry?.onpeerhandshake, server._handshakes.onpeerhandshake, 'the router entry is the hook')
  t.ok(entry?.local, 'a local router entry')

  const payload = client.recv(a?.noise as Uint8Array) as NoisePayload
  t.is(payload.version, 1)
  t.is(payload.error, 0)
  t.is(payload.firewall, FIREWALL.OPEN)
  t.is(payload.holepunch, null, 'no holepunch slot when reachable')
  t.alike(payload.addresses4[0], node.remoteAddress(), 'our public address first')
  t.ok(payload.udx !== null && payload.udx.id !== 0, 'a UDX stream id')
  t.alike(payload.secretStream, { version: 1 })
  t.is(payload.relayThrough, null)
  t.alike(payload.relayAddresses, server.relayAddresses)
  await server.close()
})

test('reply payload of a firewalled server: a holepunch slot with the announce relays', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = testnet.createNode()
  await node.fullyBootstrapped()
  const server = node.createServer({ shareLocalAddress: false })
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  const { noise, client } = message1(HyperDHT.keyPair(), keyPair.publicKey)
  const reply = await hook(
    server,
    noise,
    relayedRequest({ host: '10.1.2.3', port: 40002 }, CLIENT_ADDRESS)
  )
  t.ok(reply !== null)
  t.ok(reply?.socket !== null, 'replies from its holepunch socket')
  const payload = client.recv(reply?.noise as Uint8Array) as NoisePayload
  t.is(payload.firewall, FIREWALL.UNKNOWN)
  t.alike(payload.addresses4, [], 'nothing to share: no public address, LAN sharing off')
  t.is(payload.holepunch?.id, 0, 'the first slot')
  t.is(payload.holepunch?.relays.length, 3)
  t.alike(
    payload.holepunch?.relays.map((r) => r.relayAddress),
    server.relayAddresses,
    'relays are the announce relays'
  )
  await server.close()
})

test('refusal: 52-byte message 2 whose payload is exactly 01 00 04 00; rejectSilently answers nothing', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = testnet.nodes[2] as HyperDHT
  const server = node.createServer({ firewall: () => true })
  const silent = node.createServer({ firewall: () => true, rejectSilently: true })
  const keyPair = HyperDHT.keyPair()
  const silentKeyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  await silent.listen(silentKeyPair)
  const req = relayedRequest({ host: '127.0.0.1', port: 40002 }, node.remoteAddress()!)

  const { noise, client } = message1(HyperDHT.keyPair(), keyPair.publicKey)
  const reply = await hook(server, noise, req)
  // 32 (ephemeral key) + 4 + 16 (MAC): the decoded fields below are all 4 bytes can hold
  t.is(reply?.noise.byteLength, 52)
  const payload = client.recv(reply?.noise as Uint8Array) as NoisePayload
  t.is(payload.error, CONNECTION_REFUSED_ERROR)
  t.is(CONNECTION_REFUSED_ERROR, 4)
  t.alike(payload, {
    version: 1,
    error: 4,
    firewall: FIREWALL.UNKNOWN,
    holepunch: null,
    addresses4: [],
    addresses6: [],
    udx: null,
    secretStream: null,
    relayThrough: null,
    relayAddresses: null
  })
  t.ok(client.final().holepunchSecret.byteLength === 32, 'the handshake completed')

  const other = message1(HyperDHT.keyPair(), silentKeyPair.publicKey)
  t.is(await hook(silent, other.noise, req), null, 'silence')
  await server.close()
  await silent.close()
})

test('garbage, wrong key and version mismatch', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = testnet.nodes[2] as HyperDHT
  const server = node.createServer()
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  const req = relayedRequest({ host: '127.0.0.1', port: 40002 }, node.remoteAddress()!)

  t.is(await hook(server, Buffer.alloc(100, 7), req), null, 'garbage: silence')
  const wrong = message1(HyperDHT.keyPair(), HyperDHT.keyPair().publicKey)
  t.is(await hook(server, wrong.noise, req), null, 'message 1 for another key: silence')

  const client = defaultCreateHandshake(HyperDHT.keyPair(), keyPair.publicKey)
  const old = Buffer.from(client.send({ ...clientPayload(1), version: 2 }) as Uint8Array)
  const reply = await hook(server, old, req)
  const payload = client.recv(reply?.noise as Uint8Array) as NoisePayload
  t.is(payload.error, 2, 'VERSION_MISMATCH')
  t.is(payload.udx?.id, 0, 'no stream for an error reply')

  const noUdx = defaultCreateHandshake(HyperDHT.keyPair(), keyPair.publicKey)
  const bare = Buffer.from(noUdx.send({ ...clientPayload(1), udx: null }) as Uint8Array)
  const abortedReply = await hook(server, bare, req)
  t.is((noUdx.recv(abortedReply?.noise as Uint8Array) as NoisePayload).error, 1, 'ABORTED')
  await server.close()
})

test('a closed or suspended server stays silent', async (t) => {
  const testnet = await createTestnet(5, t)
  const node = testnet.nodes[2] as HyperDHT
  const server = node.createServer()
  const keyPair = HyperDHT.keyPair()
  await server.listen(keyPair)
  const req = relayedRequest({ host: '127.0.0.1', port: 40002 }, node.remoteAddress()!)
  await server.suspend()
  t.is(await hook(server, message1(HyperDHT.keyPair(), keyPair.publicKey).noise, req), null)
  await server.resume()
  t.ok((await hook(server, message1(HyperDHT.keyPair(), keyPair.publicKey).noise, req)) !== null)
  await server.close()
  t.is(await hook(server, message1(HyperDHT.keyPair(), keyPair.publicKey).noise, req), null)
})
