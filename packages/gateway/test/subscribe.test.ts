// SUBSCRIBE / UNSUBSCRIBE: the gateway POSTs each new value to a real local webhook server, with
// retries after failures and a cap per subscriber.

import http from 'node:http'
import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import { otherNode, request, startGateway } from './helpers/gateway.js'

test.configure({ timeout: 30_000 })

/** A webhook receiver: answers with the next status of `statuses` (then 200), queues the bodies. */
async function webhook(t: { teardown(fn: () => unknown): void }, statuses: number[] = []) {
  const bodies: any[] = [] // eslint-disable-line @typescript-eslint/no-explicit-any
  const waiters: (() => void)[] = []
  let hits = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      hits++
      const status = statuses.shift() ?? 200
      res.writeHead(status).end()
      if (status === 200) {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString()))
        for (const w of waiters.splice(0)) w()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  server.on('connection', (s) => s.unref())
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get hits() {
      return hits
    },
    /** The next delivered body. */
    async next(): Promise<any> {
      // eslint-disable-line @typescript-eslint/no-explicit-any
      while (bodies.length === 0) await new Promise<void>((resolve) => waiters.push(resolve))
      return bodies.shift()
    }
  }
}

test('SUBSCRIBE delivers each new mutable value to the webhook; UNSUBSCRIBE stops it', async (t) => {
  const { port, testnet, gateway } = await startGateway(t)
  const hook = await webhook(t)
  const writer = await otherNode(testnet)
  const keyPair = HyperDHT.keyPair()
  const pk = keyPair.publicKey.toString('hex')

  const sub = await request(port, 'SUBSCRIBE', `/mutable/${pk}`, { url: hook.url })
  t.is(sub.status, 200, JSON.stringify(sub.json))
  t.ok(typeof sub.json.id === 'string')
  t.ok(sub.json.expires > Date.now())
  const again = await request(port, 'SUBSCRIBE', `/mutable/${pk}`, { url: hook.url })
  t.is(again.json.id, sub.json.id, 'subscribing again renews the same subscription')

  await writer.mutablePut(keyPair, Buffer.from('first'), { seq: 1 })
  const a = await hook.next()
  t.is(a.subscription, sub.json.id)
  t.is(a.seq, 1)
  t.is(Buffer.from(a.data, 'base64').toString(), 'first')
  await writer.mutablePut(keyPair, Buffer.from('second'), { seq: 2 })
  t.is((await hook.next()).seq, 2)
  t.ok(gateway.stats.webhooks.delivered >= 1)

  const un = await request(port, 'UNSUBSCRIBE', `/mutable/${pk}`, { url: hook.url })
  t.is(un.status, 200)
  t.is(gateway.stats.subscriptions.open, 0)
  t.is((await request(port, 'UNSUBSCRIBE', `/mutable/${pk}`, { url: hook.url })).status, 404)
})

test('a failing webhook is retried; topics deliver peers; caps and bad URLs', async (t) => {
  const { port, testnet, gateway } = await startGateway(t, { maxSubscriptionsPerClient: 2 })
  const hook = await webhook(t, [500, 503])
  const writer = await otherNode(testnet)
  const topic = HyperDHT.hash(Buffer.from('webhook topic')).toString('hex')
  t.is((await request(port, 'SUBSCRIBE', `/peers/${topic}`, { url: hook.url })).status, 200)

  const keyPair = HyperDHT.keyPair()
  await writer.announce(Buffer.from(topic, 'hex'), keyPair, []).finished()
  const delivered = await hook.next()
  t.is(delivered.publicKey, keyPair.publicKey.toString('hex'))
  t.is(hook.hits, 3, 'two failures, then the delivery')
  t.is(gateway.stats.webhooks.retried, 2)

  const other = HyperDHT.hash(Buffer.from('another')).toString('hex')
  t.is((await request(port, 'SUBSCRIBE', `/peers/${other}`, { url: hook.url })).status, 200)
  const third = HyperDHT.hash(Buffer.from('third')).toString('hex')
  const capped = await request(port, 'SUBSCRIBE', `/peers/${third}`, { url: hook.url })
  t.is(capped.status, 429, 'per-subscriber cap')
  t.is((await request(port, 'SUBSCRIBE', `/peers/${third}`, { url: 'ftp://x' })).status, 400)
  t.is((await request(port, 'SUBSCRIBE', `/peers/${third}`, { url: 'not a url' })).status, 400)
  t.is((await request(port, 'SUBSCRIBE', `/peers/${third}`, {})).status, 400)
})
