// Child process of one implementation: holds its testnet and answers the parent's commands.
// Started by child.ts as `node --expose-gc dist/src/worker.js <keymesh|real>` with an IPC channel.

import { runBatch } from './batch.js'
import { ConnectBench } from './connect-worker.js'
import { DatagramCounter } from './datagram-counter.js'
import { loadImpl } from './impl.js'
import type { BenchNode, BenchTestnet, Impl, ImplName } from './impl.js'
import { settledMemory } from './memory.js'
import type { CommandName, Commands, Request, Response, Results } from './protocol.js'
import { msSince } from './stats.js'
import { Workload } from './workload.js'

interface OpsState {
  testnet: BenchTestnet
  counter: DatagramCounter
  workload: Workload
  /** Persistent nodes that may be churned: every testnet node but the bootstrap. */
  churnable: BenchNode[]
}

let state: OpsState | null = null
let built: BenchTestnet | null = null
let connectBench: ConnectBench | null = null

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function ops(): OpsState {
  if (state === null) throw new Error('setup first')
  return state
}

async function setup(impl: Impl, { nodes }: Commands['setup']): Promise<Results['setup']> {
  const start = process.hrtime.bigint()
  const testnet = await impl.createTestnet(nodes)
  const buildMs = msSince(start)
  const churnable = testnet.nodes.slice(1)
  const writer = testnet.createNode()
  const reader = testnet.createNode()
  await Promise.all([writer.fullyBootstrapped(), reader.fullyBootstrapped()])
  const counter = new DatagramCounter()
  for (const node of testnet.nodes) counter.attach(node)
  state = { testnet, counter, workload: new Workload(impl, writer, reader), churnable }
  return { buildMs }
}

async function batch({ op, count, concurrency }: Commands['batch']): Promise<Results['batch']> {
  const { counter, workload } = ops()
  const prepared = workload.prepare(op, count)
  counter.reset()
  const timing = await runBatch(prepared, concurrency)
  return { ...timing, sent: counter.reset() }
}

async function idle({ ms }: Commands['idle']): Promise<Results['idle']> {
  const { counter } = ops()
  counter.reset()
  const start = process.hrtime.bigint()
  await sleep(ms)
  return { ...counter.reset(), ms: msSince(start) }
}

/** Seeded shuffle (xorshift32), so both implementations lose the same share in the same way. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let x = seed >>> 0 || 1
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    const j = x % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

const CHURN_SEED = 0x5eed

async function churn({ fraction }: Commands['churn']): Promise<Results['churn']> {
  const s = ops()
  const victims = shuffled(s.churnable, CHURN_SEED).slice(
    0,
    Math.round(s.churnable.length * fraction)
  )
  // abrupt departures: nobody is told, as when processes die
  await Promise.all(victims.map((node) => node.destroy()))
  const gone = new Set(victims)
  s.churnable = s.churnable.filter((node) => !gone.has(node))
  return { destroyed: victims.length, remaining: s.churnable.length + 1 }
}

async function build(impl: Impl, { size, settleMs }: Commands['build']): Promise<Results['build']> {
  const before = await settledMemory()
  const start = process.hrtime.bigint()
  built = await impl.createTestnet(size)
  const buildMs = msSince(start)
  // let the last joins' queries and pings finish before reading memory
  await sleep(settleMs)
  const after = await settledMemory()
  return { buildMs, nodes: built.nodes.length, before, after }
}

function connects(): ConnectBench {
  if (connectBench === null) throw new Error('connect_setup first')
  return connectBench
}

async function connectSetup(
  impl: Impl,
  args: Commands['connect_setup']
): Promise<Results['connect_setup']> {
  const start = process.hrtime.bigint()
  connectBench = await ConnectBench.create(impl, args)
  return { buildMs: msSince(start) }
}

async function close(): Promise<Results['close']> {
  const start = process.hrtime.bigint()
  if (state !== null) await state.testnet.destroy()
  if (built !== null) await built.destroy()
  if (connectBench !== null) await connectBench.destroy()
  state = null
  built = null
  connectBench = null
  return { destroyMs: msSince(start) }
}

async function handle(impl: Impl, req: Request): Promise<Results[CommandName]> {
  switch (req.cmd) {
    case 'setup':
      return setup(impl, req.args)
    case 'batch':
      return batch(req.args)
    case 'idle':
      return idle(req.args)
    case 'churn':
      return churn(req.args)
    case 'build':
      return build(impl, req.args)
    case 'connect_setup':
      return connectSetup(impl, req.args)
    case 'connect_batch':
      return connects().batch(req.args)
    case 'transfer':
      return connects().transfer(req.args)
    case 'close':
      return close()
  }
}

function reply(res: Response): Promise<void> {
  return new Promise((resolve) => process.send?.(res, undefined, undefined, () => resolve()))
}

async function main(): Promise<void> {
  const name = process.argv[2]
  if ((name !== 'keymesh' && name !== 'real') || process.send === undefined) {
    throw new Error('usage: worker.js <keymesh|real>, started by run.js over IPC')
  }
  const impl = await loadImpl(name as ImplName)
  // one command at a time: the parent waits for each reply before sending the next
  let queue = Promise.resolve()
  process.on('message', (req: Request) => {
    queue = queue.then(async () => {
      try {
        const result = await handle(impl, req)
        await reply({ id: req.id, ok: true, result })
      } catch (err) {
        await reply({
          id: req.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err)
        })
      }
      if (req.cmd === 'close') {
        process.disconnect()
        // anything still holding the loop open after destroy() is a leak worth a line
        setTimeout(() => {
          process.stderr.write(`bench: ${name} child left handles open after destroy()\n`)
          process.exit(0)
        }, 5000).unref()
      }
    })
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker: ${String(err)}\n`)
  process.exit(1)
})
