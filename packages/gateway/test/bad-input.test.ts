// Hundreds of malformed requests (bad methods, paths, encodings, JSON, keys, bodies, raw bytes):
// each gets a JSON error (never a 500, never a crash), and the gateway and node keep serving.

import net from 'node:net'
import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import { request, startGateway } from './helpers/gateway.js'

test.configure({ timeout: 60_000 })

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = Number(process.env['TEST_SEED'] ?? 0x6b657967)
const ALLOWED = new Set([400, 401, 404, 405, 409, 413, 429, 502, 503])

const HEX = 'ab'.repeat(32)
const PATHS = [
  '/immutable',
  `/immutable/${HEX}`,
  '/immutable/zz',
  `/mutable/${HEX}`,
  `/mutable/${HEX}/listen`,
  '/mutable/sign/x',
  `/peers/${HEX}`,
  '/peers/short',
  '/dht/key',
  `/dht/${'%E0%A4%A'}`,
  `/${HEX}`,
  `/${HEX}/1`,
  `/${HEX}/not-a-number`,
  '/node/stats',
  '/%',
  '/..%2f..%2fetc',
  `/${'x'.repeat(3000)}`,
  '/dht/' + 'k'.repeat(400),
  `/mutable/${HEX}?seq=-1`,
  `/mutable/${HEX}?seq=1e999`,
  `/mutable/${HEX}?latest=maybe`,
  `/immutable/${HEX.toUpperCase()}x`
]
// weighted toward the methods that reach handlers; the rest exercise 405
const METHODS = [
  'POST',
  'POST',
  'POST',
  'GET',
  'GET',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'DELETE',
  'PUT',
  'OPTIONS'
]
const BODIES: unknown[] = [
  '{',
  'null',
  '[]',
  '"string"',
  '123',
  { data: 5 },
  { data: '!!!!' },
  { data: 'aGVsbG8' }, // unpadded standard base64 is refused
  { data: 'aGVsbG8=', seq: -1, signature: 'x' },
  { data: 'aGVsbG8=', seq: 1.5, signature: Buffer.alloc(64).toString('base64') },
  { data: 'aGVsbG8=', seq: 2 ** 60, signature: Buffer.alloc(63).toString('base64') },
  { data: 'aGVsbG8=', seq: '7', signature: Buffer.alloc(64).toString('base64') },
  { url: 5 },
  { url: 'javascript:alert(1)' },
  { url: 'http://127.0.0.1:1/' + 'x'.repeat(3000) },
  { keyPair: ['a'] },
  { keyPair: '__proto__' },
  { relayAddresses: [{ host: '999.1.1.1', port: 1 }] },
  { relayAddresses: 'nope' },
  { relayAddresses: [{ host: '1.2.3.4', port: 70000 }] },
  { authorization: 'x', data: 'aGk=' },
  { authorization: { pub_key: { key: 'zz', exp_time: -5 }, sign: 'x' }, data: 'aGk=' },
  {
    authorization: {
      pub_key: { key: HEX, exp_time: 'soon' },
      sign: Buffer.alloc(64).toString('base64')
    },
    data: 'aGk='
  },
  { persist_mode: 'WHATEVER', data: 'aGk=' },
  { __proto__: { data: 'aGk=' } },
  Buffer.from([0xff, 0xfe, 0x00, 0x01]),
  'x'.repeat(20_000)
]

const RAW = [
  'GARBAGE\r\n\r\n',
  'GET\r\n\r\n',
  'GET / HTTP/9.9\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  'POST /immutable HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
  'LISTEN\r\n\r\n',
  'LISTEN /mutable/zz HTTP/1.1\r\nHost: x\r\n\r\n',
  'LISTEN ' + '/x'.repeat(5000) + ' HTTP/1.1\r\n\r\n',
  '\x00\x01\x02\x03\r\n\r\n',
  'GET / HTTP/1.1\r\n' + 'X: ' + 'y'.repeat(20_000) + '\r\n\r\n'
]

/** Send raw bytes; resolve with whatever comes back before the server closes (or a bound). */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let out = ''
    const done = (): void => {
      socket.destroy()
      resolve(out)
    }
    socket.setTimeout(2000, done)
    socket.on('data', (d) => {
      out += d.toString('latin1')
      if (out.includes('\r\n\r\n') && /content-length: (\d+)/i.test(out)) {
        const len = Number(/content-length: (\d+)/i.exec(out)?.[1])
        if (out.length - out.indexOf('\r\n\r\n') - 4 >= len) done()
      }
    })
    socket.on('error', done)
    socket.on('close', done)
    socket.end(bytes)
  })
}

test('hundreds of malformed requests: JSON errors only, then the gateway still serves', async (t) => {
  const { port, node, gateway } = await startGateway(t, {
    maxBodyBytes: 8192,
    requestTimeout: 5000
  })
  const rand = prng(SEED)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  let sent = 0
  let problems = 0
  const N = 500
  for (let i = 0; i < N; i++) {
    const method = pick(METHODS)
    const path = pick(PATHS)
    const body = rand() < 0.8 ? pick(BODIES) : undefined
    const headers: Record<string, string> = {}
    if (rand() < 0.3) headers['content-type'] = 'application/json'
    if (rand() < 0.1) headers['accept'] = 'text/event-stream'
    let a
    try {
      a = await request(
        port,
        method,
        path,
        method === 'GET' || method === 'OPTIONS' ? undefined : body,
        headers
      )
    } catch (err) {
      problems++
      t.comment(`${method} ${path.slice(0, 60)}: ${(err as Error).message}`)
      continue
    }
    sent++
    const ok = a.status === 200 || (ALLOWED.has(a.status) && typeof a.json?.err === 'string')
    if (!ok) {
      problems++
      t.comment(`${method} ${path.slice(0, 60)} -> ${a.status} ${a.text.slice(0, 120)}`)
    }
  }
  t.is(problems, 0, `${sent} requests, each answered 200 or a JSON error with a listed status`)

  let rawProblems = 0
  for (const bytes of RAW) {
    const out = await raw(port, bytes)
    // either a JSON 400 (or other listed error), or the connection closed without a 5xx
    if (/^HTTP\/1\.1 5/.test(out) || (out.length > 0 && !/^HTTP\/1\.1 (200|4\d\d)/.test(out))) {
      rawProblems++
      t.comment(`raw ${JSON.stringify(bytes.slice(0, 30))} -> ${out.slice(0, 80)}`)
    }
  }
  t.is(rawProblems, 0, `${RAW.length} raw byte sequences`)
  t.is(gateway.stats.statuses['500'], undefined, 'never a 500')
  t.comment(`statuses: ${JSON.stringify(gateway.stats.statuses)}`)

  // still serving, and the node still works end to end
  t.is((await request(port, 'GET', '/')).status, 200)
  const put = await request(port, 'POST', '/immutable', Buffer.from('after the storm'))
  t.is(put.status, 200)
  const got = await request(port, 'GET', `/immutable/${put.json.hash}`)
  t.is(Buffer.from(got.json.data, 'base64').toString(), 'after the storm')
  t.absent(node.destroyed)
  t.ok(HyperDHT.hash(Buffer.from('after the storm')).equals(Buffer.from(put.json.hash, 'hex')))
})
