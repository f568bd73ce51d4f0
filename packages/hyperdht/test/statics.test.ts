// The HyperDHT class surface without a network: statics, defaults, options, errors and limits.

import test from 'brittle'
import { readFileSync } from 'node:fs'
import { hash, keyPair, nodeId } from '@keymesh/crypto'
import { DHT } from '@keymesh/dht-rpc'
import {
  COMMANDS,
  K,
  MAX_DATAGRAM_BYTES,
  MAX_UINT,
  encode,
  encodingLength,
  mutableGetResponse,
  rpcResponse
} from '@keymesh/wire'
import HyperDHTDefault, {
  BOOTSTRAP_NODES,
  DEFAULTS,
  HYPERDHT_ERROR_CODES,
  HYPERDHT_ERROR_MESSAGES,
  HyperDHT,
  HyperDHTError,
  MAX_IMMUTABLE_VALUE_BYTES,
  MAX_MUTABLE_VALUE_BYTES
} from '../src/index.js'
import { mutableRecordFits } from '../src/limits.js'

test('default export is the class; it extends the dht-rpc node', (t) => {
  t.is(HyperDHTDefault, HyperDHT)
  t.ok(HyperDHT.prototype instanceof DHT)
  t.is(HyperDHT.OK, 0)
  t.is(HyperDHT.ERROR_UNKNOWN_COMMAND, 1)
  t.is(HyperDHT.ERROR_INVALID_TOKEN, 2)
  t.alike(HyperDHT.FIREWALL, { UNKNOWN: 0, OPEN: 1, CONSISTENT: 2, RANDOM: 3 })
  t.alike([...HyperDHT.BOOTSTRAP], [...BOOTSTRAP_NODES])
  t.is(BOOTSTRAP_NODES.length, 3)
  t.is(HyperDHT.DEFAULTS, DEFAULTS)
})

test('DEFAULTS carry hyperdht documented values', (t) => {
  t.is(DEFAULTS.concurrency, 10)
  t.is(DEFAULTS.maxWindow, 80)
  t.is(DEFAULTS.maxPingDelay, 10000)
  t.is(DEFAULTS.connectionKeepAlive, 5000)
  t.is(DEFAULTS.randomPunchInterval, 20000)
  t.ok(Object.isFrozen(DEFAULTS))
})

test('keyPair(seed) is deterministic Ed25519; hash is BLAKE2b-256', (t) => {
  const seed = Buffer.alloc(32, 7)
  const a = HyperDHT.keyPair(seed)
  const b = HyperDHT.keyPair(seed)
  t.alike(a, b)
  t.alike(a, keyPair(seed))
  t.is(a.publicKey.byteLength, 32)
  t.is(a.secretKey.byteLength, 64)
  t.unlike(HyperDHT.keyPair().publicKey, HyperDHT.keyPair().publicKey, 'random without a seed')
  t.alike(HyperDHT.hash(Buffer.from('x')), hash(Buffer.from('x')))
})

test('options: keyPair, seed, connectionKeepAlive, stats shape', async (t) => {
  const kp = HyperDHT.keyPair()
  const withPair = new HyperDHT({ bootstrap: [], keyPair: kp, host: '127.0.0.1' })
  const seeded = new HyperDHT({
    bootstrap: [],
    seed: Buffer.alloc(32, 1),
    connectionKeepAlive: false,
    host: '127.0.0.1'
  })
  t.teardown(() => Promise.all([withPair.destroy(), seeded.destroy()]))
  t.is(withPair.defaultKeyPair, kp)
  t.alike(seeded.defaultKeyPair, HyperDHT.keyPair(Buffer.alloc(32, 1)))
  t.is(withPair.connectionKeepAlive, 5000)
  t.is(seeded.connectionKeepAlive, 0)
  t.alike(withPair.stats.punches, { consistent: 0, random: 0, open: 0 })
  t.alike(withPair.stats.relaying, { attempts: 0, successes: 0, aborts: 0 })
  t.is(withPair.stats.records, null, 'no store before the node is persistent')
  t.ok(withPair.stats.queries, "dht-rpc's stats are kept")
  t.ok(withPair.listening instanceof Set)
  await withPair.fullyBootstrapped()
  t.ok(withPair.stats.queries.total >= 1, 'stats stay live after the spread')
})

test('port defaults to 49737 (or the next free ones, then any)', async (t) => {
  const a = new HyperDHT({ bootstrap: [], host: '127.0.0.1' })
  t.teardown(() => a.destroy())
  const b = new HyperDHT({ bootstrap: [], host: '127.0.0.1', port: 0 })
  t.teardown(() => b.destroy())
  await Promise.all([a.ready(), b.ready()])
  // address() is the client socket's while firewalled (as in dht-rpc): read the server socket
  const ports = [a.io.serverSocket!.address()!.port, b.io.serverSocket!.address()!.port]
  t.not(ports[0], ports[1])
  for (const port of ports) {
    // another process may hold 49737-49741; only then is any other port the documented fallback
    const inDefaultRange = port >= 49737 && port <= 49741
    t.ok(inDefaultRange || !(await anyDefaultPortFree()), `port ${port}`)
  }
})

async function anyDefaultPortFree(): Promise<boolean> {
  const { createSocket } = await import('node:dgram')
  for (let port = 49737; port <= 49741; port++) {
    const socket = createSocket('udp4')
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false))
      socket.bind(port, '127.0.0.1', () => resolve(true))
    })
    await new Promise<void>((resolve) => socket.close(() => resolve()))
    if (bound) return true
  }
  return false
}

test('errors: hyperdht codes and message format, plus keymesh codes', (t) => {
  for (const code of [
    'PEER_NOT_FOUND',
    'SERVER_ERROR',
    'NODE_DESTROYED',
    'DUPLICATE_CONNECTION',
    'SEQ_REUSED',
    'SEQ_TOO_LOW',
    'VALUE_TOO_LARGE'
  ] as const) {
    t.ok(HYPERDHT_ERROR_CODES.includes(code), code)
  }
  const err = new HyperDHTError('PEER_NOT_FOUND')
  t.is(err.code, 'PEER_NOT_FOUND')
  t.is(err.message, 'PEER_NOT_FOUND: Peer not found')
  t.is(err.name, 'DHTError', "hyperdht's error name")
  t.ok(err instanceof Error)
})

test('value limits: the worst-case get reply fits one datagram, one byte more does not', (t) => {
  const closer = Array.from({ length: K }, () => ({ host: '255.255.255.255', port: 65535 }))
  const reply = (value: Uint8Array): number =>
    encodingLength(rpcResponse, {
      tid: 65535,
      to: { host: '255.255.255.255', port: 65535 },
      id: Buffer.alloc(32),
      token: Buffer.alloc(32),
      closerNodes: closer,
      error: 0,
      value
    })
  const stored = (n: number): Uint8Array =>
    encode(mutableGetResponse, {
      seq: 0,
      value: Buffer.alloc(n),
      signature: Buffer.alloc(64)
    })
  t.ok(reply(stored(MAX_MUTABLE_VALUE_BYTES)) <= MAX_DATAGRAM_BYTES)
  t.ok(reply(stored(MAX_MUTABLE_VALUE_BYTES + 1)) > MAX_DATAGRAM_BYTES)
  t.ok(reply(Buffer.alloc(MAX_IMMUTABLE_VALUE_BYTES)) <= MAX_DATAGRAM_BYTES)
  t.ok(reply(Buffer.alloc(MAX_IMMUTABLE_VALUE_BYTES + 1)) > MAX_DATAGRAM_BYTES)
  t.is(MAX_MUTABLE_VALUE_BYTES, 1782, 'the figure the spec gives')
  t.ok(mutableRecordFits(MAX_UINT, MAX_MUTABLE_VALUE_BYTES - 8), 'a 9-byte seq costs 8 bytes')
  t.absent(mutableRecordFits(MAX_UINT, MAX_MUTABLE_VALUE_BYTES - 7))
  t.comment(`mutable ${MAX_MUTABLE_VALUE_BYTES} B, immutable ${MAX_IMMUTABLE_VALUE_BYTES} B`)
  t.is(COMMANDS.MUTABLE_GET, 7)
})

test('README error table lists every code with its message', (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const rows = new Map<string, string>()
  for (const m of readme.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*([^|]+?)\s*\|/gm)) {
    rows.set(m[1] as string, m[2] as string)
  }
  for (const code of HYPERDHT_ERROR_CODES) {
    t.is(rows.get(code), HYPERDHT_ERROR_MESSAGES[code], code)
  }
  t.is(rows.size, HYPERDHT_ERROR_CODES.length, 'no stale rows')
})

test('bootstrapper: a persistent HyperDHT node with id H(host:port)', async (t) => {
  const node = HyperDHT.bootstrapper(await freePort(), '127.0.0.1', { host: '127.0.0.1' })
  t.teardown(() => node.destroy())
  t.ok(node instanceof HyperDHT)
  await node.fullyBootstrapped()
  t.absent(node.ephemeral)
  t.absent(node.firewalled)
  t.alike(node.id, nodeId('127.0.0.1', node.address()!.port))
  t.ok(node.stats.records !== null, 'it stores records from the start')
})

async function freePort(): Promise<number> {
  const { createSocket } = await import('node:dgram')
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}
