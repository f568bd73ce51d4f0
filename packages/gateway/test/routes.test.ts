// Every route against a real gateway on a local UDP testnet, and every error status.

import { readFileSync } from 'node:fs'
import test from 'brittle'
import HyperDHT, { defaultSignMutable, signNamed } from '@keymesh/hyperdht'
import { GATEWAY_ERRORS, GATEWAY_ERROR_CODES, createGateway } from '../src/index.js'
import { otherNode, request, startGateway } from './helpers/gateway.js'

test.configure({ timeout: 30_000 })

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64')

test('GET / and GET /node/stats', async (t) => {
  const { port, node } = await startGateway(t)
  const info = await request(port, 'GET', '/')
  t.is(info.status, 200)
  t.is(info.headers['content-type'], 'application/json')
  for (const k of ['id', 'publicKey', 'host', 'port', 'firewalled', 'ephemeral', 'records']) {
    t.ok(k in info.json, k)
  }
  t.is(info.json.publicKey, node.defaultKeyPair.publicKey.toString('hex'))
  t.ok(info.json.ipv4.good + info.json.ipv4.dubious > 0, 'routing table counted')
  t.is(info.json.connected, true)

  const stats = await request(port, 'GET', '/node/stats')
  t.is(stats.status, 200)
  t.ok(stats.json.gateway.requests >= 2)
  t.is(stats.json.gateway.statuses['200'], 1, 'the first answer was counted')
  t.ok(stats.json.node.queries, 'the node counters')
  t.ok('registry' in stats.json.extensions)
})

test('immutable: POST raw and JSON, GET back, 404 for unknown', async (t) => {
  const { port, testnet } = await startGateway(t)
  const raw = await request(port, 'POST', '/immutable', Buffer.from('raw bytes'))
  t.is(raw.status, 200)
  t.is(raw.json.hash, HyperDHT.hash(Buffer.from('raw bytes')).toString('hex'))
  const viaJson = await request(port, 'POST', '/immutable', { data: b64('json bytes') })
  t.is(viaJson.status, 200)
  t.ok(viaJson.json.stored >= 1)

  const got = await request(port, 'GET', `/immutable/${raw.json.hash}`)
  t.is(got.status, 200)
  t.is(Buffer.from(got.json.data, 'base64').toString(), 'raw bytes')
  // stored by the testnet: another node reads it
  const other = await otherNode(testnet)
  t.ok(await other.immutableGet(Buffer.from(viaJson.json.hash, 'hex')))

  const missing = await request(port, 'GET', `/immutable/${'ab'.repeat(32)}`)
  t.is(missing.status, 404)
  t.ok(typeof missing.json.err === 'string')
  t.is(missing.json.code, 'GATEWAY_NOT_FOUND')
})

test('mutable: client-signed POST, GET with seq and latest, 409 on a stale seq', async (t) => {
  const { port, testnet } = await startGateway(t)
  const keyPair = HyperDHT.keyPair()
  const pk = keyPair.publicKey.toString('hex')
  const value = Buffer.from('signed by the client')
  const signature = await defaultSignMutable(3, value, keyPair)
  const put = await request(port, 'POST', `/mutable/${pk}`, {
    data: b64(value),
    seq: 3,
    signature: b64(Buffer.from(signature))
  })
  t.is(put.status, 200, JSON.stringify(put.json))
  t.is(put.json.seq, 3)

  const got = await request(port, 'GET', `/mutable/${pk}`)
  t.is(got.status, 200)
  t.is(got.json.seq, 3)
  t.is(Buffer.from(got.json.data, 'base64').toString(), 'signed by the client')
  t.is((await request(port, 'GET', `/mutable/${pk}?seq=4`)).status, 404, 'seq above the stored')
  t.is((await request(port, 'GET', `/mutable/${pk}?latest=false`)).json.seq, 3)

  const other = await otherNode(testnet)
  const seen = await other.mutableGet(keyPair.publicKey)
  t.is(seen?.seq, 3, 'the network holds it')

  const old = Buffer.from('older')
  const stale = await request(port, 'POST', `/mutable/${pk}`, {
    data: b64(old),
    seq: 1,
    signature: b64(Buffer.from(await defaultSignMutable(1, old, keyPair)))
  })
  t.is(stale.status, 409)
  t.is(stale.json.code, 'GATEWAY_CONFLICT')

  const forged = await request(port, 'POST', `/mutable/${pk}`, {
    data: b64('forged'),
    seq: 9,
    signature: b64(Buffer.alloc(64, 1))
  })
  t.is(forged.status, 400, 'a bad signature is malformed input')
})

test('mutable sign endpoint: opt-in named key pairs only', async (t) => {
  const signer = HyperDHT.keyPair()
  const { port } = await startGateway(t, { keyPairs: { alice: signer } })
  const first = await request(port, 'POST', '/mutable/sign/alice', { data: b64('one') })
  t.is(first.status, 200)
  t.is(first.json.publicKey, signer.publicKey.toString('hex'))
  t.is(first.json.seq, 1)
  const second = await request(port, 'POST', '/mutable/sign/alice', { data: b64('two') })
  t.is(second.json.seq, 2, 'the next seq by default')
  const got = await request(port, 'GET', `/mutable/${first.json.publicKey}`)
  t.is(Buffer.from(got.json.data, 'base64').toString(), 'two')
  t.is((await request(port, 'POST', '/mutable/sign/bob', { data: b64('x') })).status, 404)
  t.is((await request(port, 'POST', '/mutable/sign/toString', { data: b64('x') })).status, 404)
})

test('peers: announce, stream the lookup, unannounce; named key pairs', async (t) => {
  const other = HyperDHT.keyPair()
  const { port, node } = await startGateway(t, { keyPairs: { other } })
  const topic = HyperDHT.hash(Buffer.from('gateway topic')).toString('hex')
  t.is((await request(port, 'GET', `/peers/${topic}`)).status, 404, 'no peers yet')

  const a = await request(port, 'POST', `/peers/${topic}`, {
    relayAddresses: [{ host: '127.0.0.1', port: 1234 }]
  })
  t.is(a.status, 200, JSON.stringify(a.json))
  t.is(a.json.publicKey, node.defaultKeyPair.publicKey.toString('hex'))
  t.is((await request(port, 'POST', `/peers/${topic}`, { keyPair: 'other' })).status, 200)

  const list = await request(port, 'GET', `/peers/${topic}`)
  t.is(list.status, 200)
  t.is(list.headers['content-type'], 'application/x-ndjson')
  const peers = list.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  t.is(peers.length, 2, 'one line per distinct peer')
  const mine = peers.find((p) => p.publicKey === a.json.publicKey)
  t.alike(mine.relayAddresses, [{ host: '127.0.0.1', port: 1234 }])

  t.is((await request(port, 'DELETE', `/peers/${topic}`, {})).status, 200)
  const after = await request(port, 'GET', `/peers/${topic}`)
  t.is(after.text.trim().split('\n').length, 1, 'only the other key is left')
  t.is((await request(port, 'POST', `/peers/${topic}`, { keyPair: 'nobody' })).status, 404)
})

test('named records: POST/GET /dht/:key, owner check (401), exp_time honoured', async (t) => {
  const { port } = await startGateway(t)
  const owner = HyperDHT.keyPair()
  const body = (value: string, seq: number, expTime: number, kp = owner, key = 'my key') => {
    const r = signNamed(key, Buffer.from(value), seq, expTime, kp)
    return {
      data: b64(value),
      seq,
      persist_mode: 'SECURED',
      authorization: {
        pub_key: { key: r.publicKey.toString('hex'), exp_time: expTime },
        sign: r.signature.toString('base64')
      }
    }
  }
  const later = Math.floor(Date.now() / 1000) + 3600
  const put = await request(port, 'POST', '/dht/my%20key', body('first', 1, later))
  t.is(put.status, 200, JSON.stringify(put.json))
  const got = await request(port, 'GET', '/dht/my%20key')
  t.is(got.status, 200)
  t.is(got.json.key, 'my key')
  t.is(Buffer.from(got.json.data, 'base64').toString(), 'first')
  t.is(got.json.persist_mode, 'SECURED')
  t.is(got.json.authorization.pub_key.key, owner.publicKey.toString('hex'))
  t.is(got.json.authorization.pub_key.exp_time, later)

  t.is((await request(port, 'POST', '/dht/my%20key', body('second', 2, later))).status, 200)
  t.is(
    Buffer.from((await request(port, 'GET', '/dht/my%20key')).json.data, 'base64').toString(),
    'second'
  )

  const thief = await request(
    port,
    'POST',
    '/dht/my%20key',
    body('mine', 5, later, HyperDHT.keyPair())
  )
  t.is(thief.status, 401, 'another key cannot write a secured key')
  const unsigned = body('x', 6, later)
  unsigned.authorization.sign = Buffer.alloc(64, 3).toString('base64')
  t.is((await request(port, 'POST', '/dht/my%20key', unsigned)).status, 400, 'bad signature')
  const { authorization: _, ...noAuth } = body('x', 7, later)
  t.is((await request(port, 'POST', '/dht/my%20key', noAuth)).status, 401, 'no authorization')
  const expired = await request(port, 'POST', '/dht/other', body('old', 1, 1000, owner, 'other'))
  t.is(expired.status, 401, 'exp_time in the past')
  t.is((await request(port, 'GET', '/dht/other')).status, 404)
  t.is(
    (
      await request(port, 'POST', '/dht/k', {
        ...body('x', 1, 0, owner, 'k'),
        persist_mode: 'OPEN'
      })
    ).status,
    400
  )
  t.is((await request(port, 'GET', `/dht/${'x'.repeat(300)}`)).status, 400, 'key too long')
})

test('OpenDHT routes: POST /:hash, GET /:hash, GET /:hash/:valueId', async (t) => {
  const { port, node } = await startGateway(t)
  const content = Buffer.from('content addressed')
  const h = HyperDHT.hash(content).toString('hex')
  const put = await request(port, 'POST', `/${h}`, { data: b64(content) })
  t.is(put.status, 200)
  t.is(put.json.type, 0)
  t.is(put.json.seq, 0)

  const key = HyperDHT.hash(Buffer.from('any key')).toString('hex')
  const signed = await request(port, 'POST', `/${key}`, { data: b64('under any key'), seq: 4 })
  t.is(signed.status, 200, JSON.stringify(signed.json))
  t.is(signed.json.owner, node.defaultKeyPair.publicKey.toString('hex'))
  t.is(signed.json.seq, 4)
  t.ok(typeof signed.json.sig === 'string')

  const all = await request(port, 'GET', `/${key}`)
  t.is(all.status, 200)
  const values = all.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  t.is(values.length, 1)
  for (const field of ['data', 'id', 'seq', 'owner', 'sig', 'type']) t.ok(field in values[0], field)
  t.is(Buffer.from(values[0].data, 'base64').toString(), 'under any key')

  const one = await request(port, 'GET', `/${key}/${values[0].id}`)
  t.is(one.status, 200)
  t.alike(one.json, values[0])
  t.is((await request(port, 'GET', `/${key}/12345`)).status, 404)
  t.is((await request(port, 'GET', `/${key}/notanid`)).status, 400)
  const c = await request(port, 'GET', `/${h}`)
  t.is(JSON.parse(c.text.trim()).data, b64(content))
  t.is((await request(port, 'GET', `/${'cd'.repeat(32)}`)).status, 404)
})

test('errors: 400, 404, 405, 413, 429, 503 as JSON (502: see real-hyperdht)', async (t) => {
  const { port, node } = await startGateway(t, { maxBodyBytes: 1024 })
  const bad = await request(port, 'GET', '/immutable/xyz')
  t.is(bad.status, 400)
  t.is(bad.json.code, 'GATEWAY_BAD_REQUEST')
  t.is(
    (await request(port, 'POST', '/immutable', '{oops', { 'content-type': 'application/json' }))
      .status,
    400
  )
  t.is((await request(port, 'POST', '/immutable', { data: '***' })).status, 400, 'bad base64')
  t.is((await request(port, 'GET', `/mutable/${'ab'.repeat(31)}`)).status, 400, 'wrong key length')
  t.is((await request(port, 'GET', '/nothing/here')).status, 404)
  const m = await request(port, 'PUT', '/immutable')
  t.is(m.status, 405)
  t.ok(String(m.headers['allow']).includes('POST'))
  const big = await request(port, 'POST', '/immutable', Buffer.alloc(4096))
  t.is(big.status, 413)
  t.is(big.json.code, 'GATEWAY_BODY_TOO_LARGE')

  const limited = createGateway({ node, port: 0, rateLimit: 1 })
  const lp = (await limited.listen()).port
  t.teardown(() => limited.close())
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await request(lp, 'GET', '/')).status)
  t.ok(statuses.includes(429), `statuses ${statuses}`)

  const alone = createGateway({
    nodeOptions: { bootstrap: [], host: '127.0.0.1', port: 0 },
    port: 0
  })
  const ap = (await alone.listen()).port
  t.teardown(() => alone.close())
  const offline = await request(ap, 'GET', `/immutable/${'ef'.repeat(32)}`)
  t.is(offline.status, 503)
  t.is(offline.json.code, 'GATEWAY_NOT_CONNECTED')
  t.is((await request(ap, 'GET', '/')).json.connected, false)
})

test('README error table lists every gateway code with its status', (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  for (const code of GATEWAY_ERROR_CODES) {
    const row = new RegExp(
      `^\\|\\s*\`${code}\`\\s*\\|\\s*${GATEWAY_ERRORS[code].status}\\s*\\|`,
      'm'
    )
    t.ok(row.test(readme), code)
  }
})
