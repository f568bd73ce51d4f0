// Gateway benchmark on a local testnet: req/s and p99 of GET /immutable/:hash and
// POST /mutable/:publicKey (autocannon), and the delay from a put to a listener's event, pushed
// and polled. Prints one JSON object per line.

import http from 'node:http'
import autocannon from 'autocannon'
import HyperDHT, { defaultSignMutable } from '@keymesh/hyperdht'
import createTestnet from '@keymesh/hyperdht/testnet'
import { createGateway } from '../src/index.js'

const NODES = Number(process.env['BENCH_NODES'] ?? 10)
const DURATION_S = Number(process.env['BENCH_DURATION'] ?? 5)
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10)
const LISTEN_ROUNDS = Number(process.env['BENCH_LISTEN_ROUNDS'] ?? 20)

function print(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

async function load(name: string, opts: Parameters<typeof autocannon>[0]): Promise<void> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...opts })
  print({
    name,
    rps: Math.round(r.requests.average),
    requests: r.requests.total,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    connections: CONNECTIONS,
    duration_s: DURATION_S
  })
}

/** Resolves with each NDJSON line of a listen, in order. */
function listenLines(
  port: number,
  path: string
): Promise<{ next(): Promise<unknown>; close(): void; mode: string }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = []
    const waiters: (() => void)[] = []
    let buf = ''
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (s: string) => {
        buf += s
        let i: number
        while ((i = buf.indexOf('\n')) !== -1) {
          lines.push(buf.slice(0, i))
          buf = buf.slice(i + 1)
        }
        for (const w of waiters.splice(0)) w()
      })
      resolve({
        mode: String(res.headers['x-keymesh-listen-mode']),
        async next() {
          while (lines.length === 0) await new Promise<void>((r) => waiters.push(r))
          return JSON.parse(lines.shift() as string)
        },
        close() {
          req.destroy()
        }
      })
    })
    req.on('error', reject)
  })
}

// put a new seq, time until the listener's line for it arrives
async function putToEvent(name: string, port: number, writer: HyperDHT): Promise<void> {
  const keyPair = HyperDHT.keyPair()
  const stream = await listenLines(port, `/mutable/${keyPair.publicKey.toString('hex')}/listen`)
  const delays: number[] = []
  const puts: number[] = []
  for (let seq = 1; seq <= LISTEN_ROUNDS; seq++) {
    const start = performance.now()
    const put = writer.mutablePut(keyPair, Buffer.from(`value ${seq}`), { seq }).then(() => {
      puts.push(performance.now() - start)
    })
    for (;;) {
      const line = (await stream.next()) as { seq: number }
      if (line.seq === seq) break
    }
    delays.push(performance.now() - start)
    await put
  }
  stream.close()
  delays.sort((a, b) => a - b)
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length
  print({
    name,
    mode: stream.mode,
    rounds: delays.length,
    mean_ms: round(mean),
    p50_ms: round(delays[Math.floor(delays.length / 2)] as number),
    max_ms: round(delays[delays.length - 1] as number),
    put_mean_ms: round(puts.reduce((a, b) => a + b, 0) / puts.length)
  })
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}

async function main(): Promise<void> {
  const testnet = await createTestnet(NODES)
  const node = testnet.createNode()
  const writer = testnet.createNode()
  await Promise.all([node.fullyBootstrapped(), writer.fullyBootstrapped()])
  const gateway = createGateway({ node, port: 0, rateLimit: 0 })
  const { port } = await gateway.listen()
  const polled = createGateway({ node, port: 0, rateLimit: 0, watch: { push: false } })
  const polledPort = (await polled.listen()).port
  const base = `http://127.0.0.1:${port}`
  print({
    name: 'setup',
    nodes: NODES,
    node: process.version,
    cpus: (await import('node:os')).cpus().length
  })

  const value = Buffer.from('benchmark value')
  const { hash } = await writer.immutablePut(value)
  await load('GET /immutable/:hash', { url: `${base}/immutable/${hash.toString('hex')}` })

  // the same signed record again and again: storers accept an identical re-put
  const keyPair = HyperDHT.keyPair()
  const signature = Buffer.from(await defaultSignMutable(1, value, keyPair))
  await load('POST /mutable/:publicKey', {
    url: `${base}/mutable/${keyPair.publicKey.toString('hex')}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      data: value.toString('base64'),
      seq: 1,
      signature: signature.toString('base64')
    })
  })

  await putToEvent('put -> listen event, pushed', port, writer)
  await putToEvent('put -> listen event, polled (pollMin 1000 ms)', polledPort, writer)

  await polled.close()
  await gateway.close()
  await testnet.destroy()
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n')
  process.exit(1)
})
