// The gateway on a network of real hyperdht 6.33.0 nodes: LISTEN falls back to polling (they do
// not know WATCH) and still sees the updates a real node makes; keymesh-only records fail cleanly.

import test from 'brittle'
import RealHyperDHT from 'hyperdht'
import createRealTestnet from 'hyperdht/testnet.js'
import HyperDHT, { signNamed } from '@keymesh/hyperdht'
import { createGateway } from '../src/index.js'
import { openStream, request } from './helpers/gateway.js'

test.configure({ timeout: 30_000 })

test('LISTEN polls real hyperdht storers and sees a real node update the record', async (t) => {
  const real = await createRealTestnet(5, t)
  const node = new HyperDHT({ bootstrap: real.bootstrap, host: '127.0.0.1' })
  t.teardown(() => node.destroy(), { order: 1 })
  await node.fullyBootstrapped()
  const gateway = createGateway({
    node,
    port: 0,
    rateLimit: 0,
    watch: { pollMin: 100, pollMax: 400 }
  })
  const { port } = await gateway.listen()
  t.teardown(() => gateway.close(), { order: 0 })

  const writer = real.createNode()
  await writer.fullyBootstrapped()
  const keyPair = RealHyperDHT.keyPair()
  const pk = keyPair.publicKey.toString('hex')
  await writer.mutablePut(keyPair, Buffer.from('from real'), { seq: 1 })

  const stream = await openStream(port, 'GET', `/mutable/${pk}/listen`)
  t.teardown(() => stream.close(), { order: -1 })
  t.is(stream.res.headers['x-keymesh-listen-mode'], 'poll', 'no storer accepted WATCH')
  const first = await stream.next()
  t.is(first.seq, 1)
  t.is(Buffer.from(first.data, 'base64').toString(), 'from real')

  await writer.mutablePut(keyPair, Buffer.from('updated by real'), { seq: 2 })
  const second = await stream.next()
  t.is(second.seq, 2)
  t.is(second.pushed, false, 'found by polling')
  t.is(Buffer.from(second.data, 'base64').toString(), 'updated by real')

  const got = await request(port, 'GET', `/mutable/${pk}`)
  t.is(got.json.seq, 2, 'plain GET reads real storers too')

  // named records are keymesh-only: real nodes answer UNKNOWN_COMMAND, so nothing stores them
  const owner = HyperDHT.keyPair()
  const r = signNamed('k', Buffer.from('v'), 1, 0, owner)
  const put = await request(port, 'POST', '/dht/k', {
    data: Buffer.from('v').toString('base64'),
    seq: 1,
    authorization: {
      pub_key: { key: owner.publicKey.toString('hex'), exp_time: 0 },
      sign: r.signature.toString('base64')
    }
  })
  t.is(put.status, 502, 'the DHT operation failed: no node stores named records')
  t.is(put.json.code, 'GATEWAY_DHT_FAILED')
  t.is((await request(port, 'GET', '/dht/k')).status, 404)
})
