// Restarts with `storage`: records served at once after a clean stop (100 rounds), nothing
// acknowledged lost to kill -9 (100 rounds, child processes), warm bootstrap, toJSON/nodes.

import test from 'brittle'
import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HyperDHT } from '../src/index.js'
import type { HyperDHTOptions, KeyPair } from '../src/index.js'
import { NodeStorage } from '../src/node-storage.js'
import { RecordJournal } from '../src/record-journal.js'
import { createTestnet } from '../src/testnet.js'
import { tempDir } from './helpers/temp-dir.js'

const HOST = '127.0.0.1'
const CLEAN_ROUNDS = 100
const KILL_ROUNDS = 100
/** Child processes at a time (the suite runs on 2 shared cores). */
const KILL_LANES = 2
/** Most ms a child may take to print 'ready'. */
const READY_TIMEOUT_MS = 15_000
/** Bound of the kill -9 test (brittle's default is 30 s). */
const KILL_TEST_TIMEOUT_MS = 120_000
const FIXTURE = fileURLToPath(new URL('./fixtures/kill-writer.js', import.meta.url))

async function freePort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

// a persistent storing node on a fixed address (its id, H(host:port), survives restarts)
function storingNode(port: number, storage: string): HyperDHT {
  const opts: HyperDHTOptions = { host: HOST, storage }
  return HyperDHT.bootstrapper(port, HOST, opts)
}

type Written =
  | { kind: 'mutable'; keyPair: KeyPair; value: Buffer; seq: number }
  | { kind: 'immutable'; hash: Buffer; value: Buffer }
  | { kind: 'announce'; topic: Buffer; publicKey: Buffer }

async function served(client: HyperDHT, w: Written): Promise<boolean> {
  switch (w.kind) {
    case 'mutable': {
      const got = await client.mutableGet(w.keyPair.publicKey)
      return got !== null && got.seq === w.seq && got.value.equals(w.value)
    }
    case 'immutable': {
      const got = await client.immutableGet(w.hash)
      return got !== null && got.value.equals(w.value)
    }
    case 'announce': {
      for await (const reply of client.lookup(w.topic)) {
        if (reply.peers.some((p) => p.publicKey.equals(w.publicKey))) return true
      }
      return false
    }
  }
}

async function write(client: HyperDHT, round: number): Promise<Written> {
  const value = Buffer.from(`round ${round}`)
  switch (round % 3) {
    case 0: {
      const keyPair = HyperDHT.keyPair()
      const { stored } = await client.mutablePut(keyPair, value, { seq: round })
      if (stored !== 1) throw new Error(`mutable stored on ${stored} nodes`)
      return { kind: 'mutable', keyPair, value, seq: round }
    }
    case 1: {
      const { hash, stored } = await client.immutablePut(value)
      if (stored !== 1) throw new Error(`immutable stored on ${stored} nodes`)
      return { kind: 'immutable', hash, value }
    }
    default: {
      const keyPair = HyperDHT.keyPair()
      const topic = HyperDHT.hash(value)
      await client.announce(topic, keyPair, [{ host: HOST, port: 1000 + round }]).finished()
      return { kind: 'announce', topic, publicKey: keyPair.publicKey }
    }
  }
}

test(`clean stop: ${CLEAN_ROUNDS} restarts, every record restored and served at once`, async (t) => {
  const dir = tempDir(t)
  const port = await freePort()
  const written: Written[] = []
  const problems: string[] = []

  for (let round = 0; round < CLEAN_ROUNDS; round++) {
    const server = storingNode(port, dir)
    await server.fullyBootstrapped()
    const records = server.stats.records
    const held = records === null ? -1 : records.records + records.mutables + records.immutables
    if (held !== written.length) problems.push(`round ${round}: restored ${held}/${written.length}`)

    const client = new HyperDHT({ bootstrap: [{ host: HOST, port }], host: HOST, ephemeral: true })
    await client.fullyBootstrapped()
    // the previous round's record and one picked at random, fetched over the network
    const last = written[written.length - 1]
    const any = written[Math.floor(Math.random() * written.length)]
    for (const w of [last, any]) {
      if (w !== undefined && !(await served(client, w))) {
        problems.push(`round ${round}: ${w.kind} not served`)
      }
    }
    written.push(await write(client, round))
    await client.destroy()
    await server.destroy()
  }
  t.alike(problems, [], `${CLEAN_ROUNDS} rounds, ${written.length} records`)

  const server = storingNode(port, dir)
  await server.fullyBootstrapped()
  const client = new HyperDHT({ bootstrap: [{ host: HOST, port }], host: HOST, ephemeral: true })
  t.teardown(() => Promise.all([client.destroy(), server.destroy()]))
  await client.fullyBootstrapped()
  let all = 0
  for (const w of written) if (await served(client, w)) all++
  t.is(all, written.length, 'every record of every round is served after the last restart')
})

interface ChildRun {
  acked: string[]
  sawReady: boolean
}

// one child: spawn, wait for 'ready' (unless killing during startup), SIGKILL after `delay`
function runChild(
  port: number,
  serverDir: string,
  clientDir: string,
  killDuringStartup: boolean,
  delay: number
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, String(port), serverDir, clientDir], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const acked: string[] = []
    let sawReady = false
    let pending = ''
    let killTimer: NodeJS.Timeout | null = null
    const kill = (): void => {
      child.kill('SIGKILL')
    }
    const readyTimer = setTimeout(kill, READY_TIMEOUT_MS)
    if (killDuringStartup) killTimer = setTimeout(kill, delay)
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? '' // only complete lines were acknowledged
      for (const line of lines) {
        if (line === 'ready') {
          sawReady = true
          clearTimeout(readyTimer)
          if (killTimer === null) killTimer = setTimeout(kill, delay)
        } else {
          acked.push(line)
        }
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(readyTimer)
      if (killTimer !== null) clearTimeout(killTimer)
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}`))
      else resolve({ acked, sawReady })
    })
  })
}

// open both stores the way a restarting node does; throws if one does not open
async function onDisk(serverDir: string, clientDir: string): Promise<Set<string>> {
  const keys = new Set<string>()
  const server = NodeStorage.open(serverDir)
  try {
    for (const e of new RecordJournal(server.records).entries()) {
      keys.add(`stored ${e.kind}:${e.topic ?? ''}:${e.key}`)
    }
  } finally {
    await server.close()
  }
  const client = NodeStorage.open(clientDir)
  try {
    for (const key of client.published.getKeys()) keys.add(`kept ${String(key)}`)
  } finally {
    await client.close()
  }
  return keys
}

test(`kill -9: ${KILL_ROUNDS} rounds, nothing acknowledged is lost, the store always opens`, async (t) => {
  t.timeout(KILL_TEST_TIMEOUT_MS)
  const dir = tempDir(t)
  const started = Date.now()
  const lost: string[] = []
  let acked = 0
  let killedWriting = 0
  let killedStarting = 0

  async function lane(id: number, rounds: number): Promise<void> {
    const serverDir = join(dir, `server-${id}`)
    const clientDir = join(dir, `client-${id}`)
    const port = await freePort()
    const expected = new Set<string>()
    for (let round = 0; round < rounds; round++) {
      // every 10th round dies while starting (opening, restoring, bootstrapping)
      const starting = round % 10 === 9
      const delay = starting ? Math.random() * 400 : Math.random() * 60
      const run = await runChild(port, serverDir, clientDir, starting, delay)
      if (run.sawReady && !starting) killedWriting++
      else killedStarting++
      for (const line of run.acked) expected.add(line)
      acked += run.acked.length
      const keys = await onDisk(serverDir, clientDir)
      for (const line of expected) {
        if (!keys.has(line)) lost.push(`lane ${id} round ${round}: ${line}`)
      }
    }
  }

  const per = Math.ceil(KILL_ROUNDS / KILL_LANES)
  await Promise.all(
    Array.from({ length: KILL_LANES }, (_, i) => lane(i, Math.min(per, KILL_ROUNDS - i * per)))
  )
  t.alike(lost, [], 'every acknowledged record is on disk after each kill')
  t.ok(acked > KILL_ROUNDS, `${acked} acknowledgements checked`)
  t.comment(`killed ${killedWriting} times while writing, ${killedStarting} while starting`)
  t.comment(`${KILL_ROUNDS} rounds in ${Date.now() - started} ms`)

  // and a node restarted on the last state serves it
  const port = await freePort()
  const server = storingNode(port, join(dir, 'server-0'))
  t.teardown(() => server.destroy())
  await server.fullyBootstrapped()
  const r = server.stats.records
  t.ok(r !== null && r.mutables + r.immutables > 0, 'restored into a live node')
})

test('warm bootstrap: rejoins from the saved routing table without bootstrap nodes', async (t) => {
  const testnet = await createTestnet(5, t)
  const dir = tempDir(t)
  const first = testnet.createNode({ storage: dir })
  await first.fullyBootstrapped()
  t.ok(first.toArray().length >= 4)
  await first.destroy()

  const again = new HyperDHT({ storage: dir, bootstrap: false, host: HOST, ephemeral: true })
  t.teardown(() => again.destroy())
  await again.fullyBootstrapped()
  t.ok(again.toArray().length >= 4, 'table rebuilt from the saved nodes')
  const { hash } = await testnet.nodes[1]!.immutablePut(Buffer.from('warm'))
  t.ok(await again.immutableGet(hash), 'and it reaches the network')
})

test('warm bootstrap falls back to the bootstrap nodes when the saved ones are gone', async (t) => {
  const testnet = await createTestnet(4, t)
  const dir = tempDir(t)
  const storage = NodeStorage.open(dir)
  await storage.saveNodes([
    { host: HOST, port: await freePort() },
    { host: HOST, port: await freePort() }
  ])
  await storage.close()

  const node = new HyperDHT({
    storage: dir,
    bootstrap: testnet.bootstrap,
    host: HOST,
    ephemeral: true
  })
  t.teardown(() => node.destroy())
  await node.fullyBootstrapped()
  const known = new Set(node.toArray().map((n) => n.port))
  t.ok(
    testnet.nodes.every((n) => known.has(n.address()!.port)),
    'the testnet nodes were found through the bootstrap node'
  )
})

test('toJSON().nodes go back through the nodes option and addNode()', async (t) => {
  const testnet = await createTestnet(4, t)
  const node = testnet.createNode()
  await node.fullyBootstrapped()
  const json = JSON.parse(JSON.stringify(node.toJSON())) as ReturnType<HyperDHT['toJSON']>
  t.ok(json.nodes.length >= 3)
  t.alike(Object.keys(json.nodes[0]!).sort(), ['host', 'port'])
  t.alike(json.records, [])

  const fromOption = new HyperDHT({ nodes: json.nodes, bootstrap: false, host: HOST })
  const fromAdd = new HyperDHT({ bootstrap: false, host: HOST })
  t.teardown(() => Promise.all([fromOption.destroy(), fromAdd.destroy()]))
  for (const n of json.nodes) fromAdd.addNode(n)
  await Promise.all([fromOption.fullyBootstrapped(), fromAdd.fullyBootstrapped()])
  t.ok(fromOption.toArray().length >= 3, 'nodes option')
  t.ok(fromAdd.toArray().length >= 3, 'addNode')
})

test('a node that was persistent tries to be persistent again at once after a restart', async (t) => {
  const testnet = await createTestnet(4, t)
  const dir = tempDir(t)
  const first = testnet.createNode({ storage: dir, ephemeral: false })
  await first.fullyBootstrapped()
  t.absent(first.ephemeral)
  await first.destroy()

  // no `ephemeral` option: an adaptive node would wait minutes; this one remembers
  const again = testnet.createNode({
    storage: dir,
    ephemeral: undefined
  } as unknown as HyperDHTOptions)
  await again.fullyBootstrapped()
  t.absent(again.ephemeral, 'persistent right after bootstrap')
  t.ok(again.stats.records !== null)
})
