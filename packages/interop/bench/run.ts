// Benchmark: @keymesh/dht-rpc next to the real dht-rpc 6.27.0 on 127.0.0.1, one JSON line per
// measurement ({name, impl, value, unit}) and a final summary line with keymesh/real ratios.
//
// Each implementation runs in its own child process (started with --expose-gc) so memory figures
// do not leak from one into the other; with --rounds N (default 2) the children run N times each
// in ABBA order and the summary compares the means:
//   1. build a testnet: a bootstrapper + NODES - 1 persistent nodes, sequentially, until all ready
//   2. memory per node: (RSS / heap after build - before build) / NODES, both after a full GC
//   3. latency: LATENCY_QUERIES sequential findNode(random target) from an ephemeral client
//   4. throughput: CONCURRENCY concurrent findNode loops for THROUGHPUT_MS, completed per second
//
// Usage: node dist/bench/run.js [--nodes 100] [--queries 200] [--concurrency 20] [--ms 4000]
//        [--rounds 2]
//        [--impl keymesh|real] (only that one)     node dist/bench/run.js --child <impl> (internal)

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  IMPL_NAMES,
  createNetwork,
  impls,
  quantile,
  settledMemory,
  withTimeout,
  udpRcvbufErrors
} from '../src/index.js'
import type { ImplName, Network } from '../src/index.js'

const K = 20
const CHILD_TIMEOUT_MS = 85_000

interface Line {
  name: string
  impl: string
  value: number
  unit: string
}

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    impl: { type: 'string' },
    nodes: { type: 'string', default: '100' },
    queries: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    ms: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '2' }
  }
})

const NODES = Number(args.nodes)
const LATENCY_QUERIES = Number(args.queries)
const CONCURRENCY = Number(args.concurrency)
const THROUGHPUT_MS = Number(args.ms)
const ROUNDS = Math.max(1, Number(args.rounds))

function isImpl(name: unknown): name is ImplName {
  return typeof name === 'string' && (IMPL_NAMES as readonly string[]).includes(name)
}

function emit(line: Line): void {
  const round = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v)
  console.log(JSON.stringify({ ...line, value: round(line.value) }))
}

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6
}

async function findNode(net: Network, client: number, timeoutMs = 10_000): Promise<boolean> {
  const member = net.members[client]
  if (member === undefined) throw new Error('no client')
  const query = member.node.findNode(randomBytes(32))
  await withTimeout(query.finished(), timeoutMs, 'findNode')
  return query.closestReplies.length === K
}

/** dht-rpc's `stats.requests.timeouts`, if the node has it. */
function requestTimeouts(stats: unknown): number | null {
  const requests = (stats as { requests?: { timeouts?: unknown } } | undefined)?.requests
  return typeof requests?.timeouts === 'number' ? requests.timeouts : null
}

async function child(impl: ImplName): Promise<void> {
  const kernelDropsBefore = udpRcvbufErrors()
  const before = await settledMemory()
  const start = process.hrtime.bigint()
  const net = await createNetwork(impls, {
    bootstrapper: impl,
    nodes: Array.from({ length: NODES - 1 }, () => impl),
    handlers: () => 'none',
    bootstrapTimeoutMs: 30_000
  })
  const buildMs = ms(start)
  try {
    const persistent = net.persistent.filter((m) => !m.node.ephemeral && m.node.id !== null)
    if (persistent.length !== NODES)
      throw new Error(`only ${persistent.length}/${NODES} persistent`)
    emit({ name: `testnet_build_${NODES}`, impl, value: buildMs, unit: 'ms' })

    const built = await settledMemory()
    emit({
      name: 'rss_per_node',
      impl,
      value: (built.rss - before.rss) / NODES / 1024,
      unit: 'KiB'
    })
    emit({
      name: 'heap_per_node',
      impl,
      value: (built.heapUsed - before.heapUsed) / NODES / 1024,
      unit: 'KiB'
    })
    emit({
      name: 'external_per_node',
      impl,
      value: (built.external - before.external) / NODES / 1024,
      unit: 'KiB'
    })

    await net.addClient(impl)
    const client = net.members.length - 1
    for (let i = 0; i < 10; i++) await findNode(net, client) // warm-up

    const latencies: number[] = []
    let short = 0
    for (let i = 0; i < LATENCY_QUERIES; i++) {
      const t0 = process.hrtime.bigint()
      if (!(await findNode(net, client))) short++
      latencies.push(ms(t0))
    }
    emit({ name: 'findnode_p50', impl, value: quantile(latencies, 0.5), unit: 'ms' })
    emit({ name: 'findnode_p95', impl, value: quantile(latencies, 0.95), unit: 'ms' })

    let done = 0
    const deadline = Date.now() + THROUGHPUT_MS
    const t0 = process.hrtime.bigint()
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) {
        if (!(await findNode(net, client))) short++
        done++
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    emit({
      name: `findnode_qps_c${CONCURRENCY}`,
      impl,
      value: (done * 1000) / ms(t0),
      unit: 'queries/s'
    })
    emit({
      name: 'findnode_short_results',
      impl,
      value: short,
      unit: `queries with < ${K} closest`
    })
    const timeouts = requestTimeouts(net.members[client]?.node.stats)
    if (timeouts !== null)
      emit({ name: 'client_request_timeouts', impl, value: timeouts, unit: 'requests' })
    const kernelDrops = udpRcvbufErrors()
    if (kernelDrops !== null && kernelDropsBefore !== null) {
      emit({
        name: 'udp_rcvbuf_errors',
        impl,
        value: kernelDrops - kernelDropsBefore,
        unit: 'datagrams (host-wide)'
      })
    }
  } finally {
    await net.destroy()
  }
}

async function runChild(impl: ImplName): Promise<Line[]> {
  const self = fileURLToPath(import.meta.url)
  const passArgs = [
    '--nodes',
    args.nodes,
    '--queries',
    args.queries,
    '--concurrency',
    args.concurrency,
    '--ms',
    args.ms
  ]
  const proc = spawn(process.execPath, ['--expose-gc', self, '--child', impl, ...passArgs], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_MS)
  const lines: Line[] = []
  let buffered = ''
  proc.stdout.setEncoding('utf8')
  proc.stdout.on('data', (chunk: string) => {
    buffered += chunk
    let nl: number
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const text = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      console.log(text)
      try {
        lines.push(JSON.parse(text) as Line)
      } catch {
        // not a result line
      }
    }
  })
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve))
  clearTimeout(timer)
  if (code !== 0) console.error(`bench: ${impl} child exited with ${code ?? 'a signal (timeout?)'}`)
  return lines
}

/** Mean value per measurement name over every line of one implementation. */
function means(lines: readonly Line[]): Map<string, number> {
  const sums = new Map<string, { total: number; n: number }>()
  for (const { name, value } of lines) {
    const s = sums.get(name) ?? { total: 0, n: 0 }
    s.total += value
    s.n++
    sums.set(name, s)
  }
  return new Map([...sums].map(([name, { total, n }]) => [name, total / n]))
}

async function parent(): Promise<void> {
  const which = isImpl(args.impl) ? [args.impl] : (['real', 'keymesh'] as ImplName[])
  // ABBA order over the rounds, so drift of a shared, noisy machine hits both sides alike
  const order: ImplName[] = []
  for (let round = 0; round < ROUNDS; round++) {
    order.push(...(round % 2 === 0 ? which : [...which].reverse()))
  }
  const results = new Map<ImplName, Line[]>(which.map((impl) => [impl, []]))
  let failed = false
  for (const impl of order) {
    const lines = await runChild(impl)
    if (lines.length === 0) failed = true
    results.get(impl)?.push(...lines)
  }
  const ours = means(results.get('keymesh') ?? [])
  const theirs = means(results.get('real') ?? [])
  const ratios: Record<string, number> = {}
  for (const [name, value] of ours) {
    const base = theirs.get(name)
    if (base !== undefined && base !== 0) ratios[name] = Math.round((value / base) * 1000) / 1000
  }
  const summary = {
    name: 'summary',
    impl: 'keymesh/real',
    value: ratios,
    unit: 'ratio',
    rounds: ROUNDS
  }
  console.log(JSON.stringify(summary))
  process.exitCode = failed ? 1 : 0
}

if (isImpl(args.child)) {
  child(args.child).then(
    () => {
      // everything was destroyed, so the process should now exit by itself; say so if it does not
      setTimeout(() => {
        console.error(`bench: ${String(args.child)} left handles open after destroy()`)
        process.exit(0)
      }, 2000).unref()
    },
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    }
  )
} else {
  await parent()
}
