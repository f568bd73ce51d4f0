// LISTEN in all its forms (GET /listen, the LISTEN method, SSE) against updates by another node,
// listen caps, and a disconnect ending the listen.

import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import { createGateway } from '../src/index.js'
import { openStream, otherNode, request, startGateway } from './helpers/gateway.js'

test.configure({ timeout: 30_000 })

test('GET /mutable/:pk/listen: the current value, then each higher seq pushed by storers', async (t) => {
  const { port, testnet } = await startGateway(t)
  const writer = await otherNode(testnet)
  const keyPair = HyperDHT.keyPair()
  const pk = keyPair.publicKey.toString('hex')
  await writer.mutablePut(keyPair, Buffer.from('one'), { seq: 1 })

  const stream = await openStream(port, 'GET', `/mutable/${pk}/listen`)
  t.teardown(() => stream.close())
  t.is(stream.res.statusCode, 200)
  t.is(stream.res.headers['content-type'], 'application/x-ndjson')
  t.is(stream.res.headers['x-keymesh-listen-mode'], 'push', 'every storer pushes')
  const first = await stream.next()
  t.is(first.seq, 1)
  t.is(Buffer.from(first.data, 'base64').toString(), 'one')

  await writer.mutablePut(keyPair, Buffer.from('two'), { seq: 2 })
  const second = await stream.next()
  t.is(second.seq, 2)
  t.is(second.pushed, true)
  t.is(second.publicKey, pk)
})

test('the LISTEN method and SSE on the same paths; topics report new and expired peers', async (t) => {
  const { port, testnet, gateway } = await startGateway(t)
  const writer = await otherNode(testnet)
  const topic = HyperDHT.hash(Buffer.from('listen topic'))
  const listen = await openStream(port, 'LISTEN', `/peers/${topic.toString('hex')}`)
  t.teardown(() => listen.close())
  t.is(listen.res.statusCode, 200)
  const sse = await openStream(port, 'GET', `/peers/${topic.toString('hex')}`, {
    accept: 'text/event-stream'
  })
  t.teardown(() => sse.close())
  t.is(sse.res.headers['content-type'], 'text/event-stream')

  const keyPair = HyperDHT.keyPair()
  await writer.announce(topic, keyPair, []).finished()
  const added = await listen.next()
  t.is(added.publicKey, keyPair.publicKey.toString('hex'))
  t.absent(added.expired)
  const viaSse = await sse.next()
  t.is(viaSse.publicKey, added.publicKey, 'SSE frames carry the same object')

  await writer.unannounce(topic, keyPair)
  const gone = await listen.next()
  t.is(gone.expired, true)
  t.is(gone.publicKey, added.publicKey)
  t.is((await sse.next()).expired, true)
  t.is(gateway.stats.listens.open, 2)
})

test('LISTEN on /dht/:key and the OpenDHT LISTEN /:hash', async (t) => {
  const { port, testnet } = await startGateway(t)
  const writer = await otherNode(testnet)
  const owner = HyperDHT.keyPair()
  const named = await openStream(port, 'LISTEN', '/dht/room')
  t.teardown(() => named.close())
  const hashKey = HyperDHT.hash(Buffer.from('odht')).toString('hex')
  const odht = await openStream(port, 'LISTEN', `/${hashKey}`)
  t.teardown(() => odht.close())

  await writer.set('room', Buffer.from('hi'), { keyPair: owner, seq: 1 })
  const e = await named.next()
  t.is(e.key, 'room')
  t.is(Buffer.from(e.data, 'base64').toString(), 'hi')

  await writer.set(hashKey, Buffer.from('value'), { keyPair: owner, seq: 7 })
  const v = await odht.next()
  t.is(v.seq, 7)
  t.is(v.owner, owner.publicKey.toString('hex'))
  t.is(v.type, 1)
})

test('a client that disconnects ends its listen; the listen caps answer 429', async (t) => {
  const { port, gateway, node } = await startGateway(t, { maxListensPerClient: 1 })
  const pk = HyperDHT.keyPair().publicKey.toString('hex')
  const a = await openStream(port, 'GET', `/mutable/${pk}/listen`)
  t.is(gateway.stats.listens.open, 1)
  const refused = await request(port, 'GET', `/mutable/${pk}/listen`)
  t.is(refused.status, 429)
  t.is(refused.json.code, 'GATEWAY_RATE_LIMITED')

  const watching = node.extensionStats.watching
  t.is(watching, 1)
  const ended = new Promise<void>((resolve) => a.res.once('close', () => resolve()))
  a.close()
  await ended
  // the server sees the close after the client: wait for the watch to go, bounded by the test timeout
  while (node.extensionStats.watching !== 0) await new Promise((r) => setImmediate(r))
  t.is(node.extensionStats.watching, 0, 'the watch ended with the connection')
  t.is(gateway.stats.listens.open, 0)
  const again = await openStream(port, 'GET', `/mutable/${pk}/listen`)
  t.is(again.res.statusCode, 200, 'the slot is free again')
  again.close()

  const tiny = createGateway({ node, port: 0, maxListens: 1 })
  const tp = (await tiny.listen()).port
  t.teardown(() => tiny.close())
  const one = await openStream(tp, 'LISTEN', `/mutable/${pk}`)
  t.teardown(() => one.close())
  t.is((await request(tp, 'GET', `/mutable/${pk}/listen`)).status, 429, 'global cap')
})
