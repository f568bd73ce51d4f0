// keymesh doctor: check bootstrap reachability, NAT and firewall, and a loopback connection.

import { lookup as dnsLookup } from 'node:dns/promises'
import { isIPv4 } from 'node:net'
import type HyperDHT from '@keymesh/hyperdht'
import { expectPositionals, intArg, parseCommandLine } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { loadHyperDHT } from '../deps.js'
import { CliError } from '../errors.js'
import { EXIT, errorLine } from '../exit-codes.js'
import { helpText } from '../help.js'
import { isLoopbackOnly, pickFreePort, resolveBootstrap } from '../network.js'
import { opened } from '../secure-socket.js'
import { abortable } from '../signals.js'

/** How long the loopback connection may take by default. */
const CONNECT_TIMEOUT_MS = 20_000

const OPTIONS = {
  timeout: { type: 'string' }
} as const

/** One bootstrap node's answer. */
interface BootstrapCheck {
  node: string
  address: string | null
  reachable: boolean
  rttMs: number | null
  error: string | null
}

/** What `doctor --json` prints. */
interface DoctorReport {
  ok: boolean
  bootstrap: BootstrapCheck[]
  network: { joined: boolean; nodes: number }
  nat: {
    type: 'open' | 'consistent' | 'random' | 'unknown'
    firewalled: boolean
    ephemeral: boolean
    publicAddress: string | null
    localAddress: string | null
  }
  connect: {
    ok: boolean
    ms: number | null
    error: string | null
    /**
     * The connecting node's counters (hyperdht's `stats.punches` and `stats.relaying`; the test
     * asks for no relay, so relaying counts stay 0 today); null when the test was skipped.
     */
    punches: { consistent: number; random: number; open: number } | null
    relaying: { attempts: number; successes: number; aborts: number } | null
  }
  advice: string[]
}

/** `keymesh doctor`. */
export const doctor: Command = {
  name: 'doctor',
  summary: 'check the network: bootstrap nodes, NAT and firewall, a loopback connection',
  usage: helpText(`Usage: keymesh doctor [--bootstrap host:port ...] [--timeout MS]

Check how this machine sees the DHT and explain it in plain words:

  - bootstrap nodes: does each one answer a ping, and how fast;
  - network: did a node join (how many nodes it knows);
  - NAT: the public address other nodes see, whether this machine is firewalled (others
    cannot reach it unasked) and the NAT type (open, consistent: holepunching works,
    random: a new port per destination, holepunching is hard);
  - connect test: a server on one node and a connection to it from another node, with
    data echoed back, through the DHT as any client would, and how it got through
    (directly or holepunched, from the connecting node's counters).

Exits 0 when every check passed, 1 otherwise.

Options:
  --timeout <ms>   how long the connect test may take (default ${CONNECT_TIMEOUT_MS})

Examples:
  keymesh doctor
  keymesh doctor --bootstrap 127.0.0.1:49737 --json`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const timeout = intArg('timeout', values.timeout, 1, 600_000) ?? CONNECT_TIMEOUT_MS
    const bootstrap = await resolveBootstrap(values.bootstrap, ctx.env)
    const report = await diagnose(ctx, bootstrap, timeout)
    ctx.output.result(report, describe(report))
    if (report.ok) return EXIT.OK
    ctx.output.warn(new CliError('CHECKS_FAILED', 'some checks failed (see above)').message)
    return EXIT.FAILED
  }
}

async function diagnose(
  ctx: CommandContext,
  bootstrap: string[],
  timeout: number
): Promise<DoctorReport> {
  const { default: HyperDHT } = await loadHyperDHT()
  const host = isLoopbackOnly(bootstrap) ? '127.0.0.1' : '0.0.0.0'
  const nodes: HyperDHT[] = []
  const start = async (): Promise<HyperDHT> => {
    const node = new HyperDHT({ bootstrap, host, port: await pickFreePort(host) })
    nodes.push(node)
    return node
  }
  try {
    const a = await start()
    await a.bind()
    ctx.output.progress(`pinging ${bootstrap.length} bootstrap node(s)`)
    const checks = await Promise.all(bootstrap.map((entry) => pingBootstrap(a, entry)))
    ctx.output.progress('joining the network')
    await abortable(a.fullyBootstrapped(), ctx.signal)
    const table = a.toArray().length
    const joined = table > 0

    const local = a.address()
    const nat: DoctorReport['nat'] = {
      type: natType(a),
      firewalled: a.firewalled,
      ephemeral: a.ephemeral,
      publicAddress: a.host === null ? null : `${a.host}:${a.port}`,
      localAddress: local === null ? null : `${local.host}:${local.port}`
    }

    let connect: DoctorReport['connect'] = {
      ok: false,
      ms: null,
      error: 'skipped: not joined',
      punches: null,
      relaying: null
    }
    if (joined) {
      ctx.output.progress('connect test: starting a second node')
      const b = await start()
      await abortable(b.fullyBootstrapped(), ctx.signal)
      ctx.output.progress('connect test: connecting')
      const result = await connectTest(a, b, timeout, ctx.signal)
      // copies: the counters are live and the node is destroyed before printing
      connect = { ...result, punches: { ...b.stats.punches }, relaying: { ...b.stats.relaying } }
    }
    const ok = checks.some((c) => c.reachable) && joined && connect.ok
    const report: DoctorReport = {
      ok,
      bootstrap: checks,
      network: { joined, nodes: table },
      nat,
      connect,
      advice: []
    }
    report.advice = advise(report)
    return report
  } finally {
    ctx.output.clearProgress()
    for (const node of nodes.reverse()) await node.destroy()
  }
}

async function pingBootstrap(node: HyperDHT, entry: string): Promise<BootstrapCheck> {
  const check: BootstrapCheck = {
    node: entry,
    address: null,
    reachable: false,
    rttMs: null,
    error: null
  }
  try {
    const colon = entry.lastIndexOf(':')
    const port = Number(entry.slice(colon + 1))
    const name = entry.slice(0, colon)
    const at = name.indexOf('@')
    const candidates = at === -1 ? [name] : [name.slice(0, at), name.slice(at + 1)]
    let lastError: unknown = null
    for (const candidate of candidates) {
      try {
        const host = isIPv4(candidate)
          ? candidate
          : (await dnsLookup(candidate, { family: 4 })).address
        check.address = `${host}:${port}`
        const started = Date.now()
        await node.ping({ host, port })
        check.rttMs = Date.now() - started
        check.reachable = true
        return check
      } catch (err) {
        lastError = err
      }
    }
    check.error = errorLine(lastError)
  } catch (err) {
    check.error = errorLine(err)
  }
  return check
}

async function connectTest(
  serverNode: HyperDHT,
  clientNode: HyperDHT,
  timeout: number,
  signal: AbortSignal
): Promise<Pick<DoctorReport['connect'], 'ok' | 'ms' | 'error'>> {
  const keyPair = (await loadHyperDHT()).default.keyPair()
  const server = serverNode.createServer((socket) => {
    socket.on('error', () => {})
    socket.pipe(socket)
  })
  const started = Date.now()
  const timer = AbortSignal.timeout(timeout)
  const both = AbortSignal.any([signal, timer])
  try {
    await server.listen(keyPair, { signal: both })
    const socket = clientNode.connect(keyPair.publicKey)
    socket.on('error', () => {})
    await opened(socket, both)
    const probe = Buffer.from('keymesh doctor ' + Date.now())
    const echoed = new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      socket.on('data', (c: Buffer) => chunks.push(c))
      socket.once('end', () => resolve(Buffer.concat(chunks)))
      socket.once('close', () => reject(new Error('STREAM_NOT_CONNECTED: closed before the echo')))
    })
    socket.end(probe)
    const back = await abortable(echoed, both)
    if (!back.equals(probe)) return { ok: false, ms: null, error: 'the echo did not match' }
    return { ok: true, ms: Date.now() - started, error: null }
  } catch (err) {
    if (signal.aborted) throw signal.reason
    const error = timer.aborted ? `TIMEOUT: no connection within ${timeout} ms` : errorLine(err)
    return { ok: false, ms: null, error }
  } finally {
    await server.close()
  }
}

function natType(node: HyperDHT): DoctorReport['nat']['type'] {
  if (!node.firewalled) return 'open'
  if (node.host === null) return 'unknown'
  return node.randomized ? 'random' : 'consistent'
}

function advise(r: DoctorReport): string[] {
  const out: string[] = []
  const reachable = r.bootstrap.filter((b) => b.reachable).length
  if (reachable === 0) {
    out.push(
      'No bootstrap node answered: check the addresses, and that UDP traffic is not blocked by a firewall or proxy.'
    )
  } else if (reachable < r.bootstrap.length) {
    out.push('Some bootstrap nodes did not answer; the others are enough to join.')
  }
  if (!r.network.joined) return out
  const nat = {
    open: 'Other nodes can reach this machine directly: it can accept connections without holepunching, and it can become a persistent node that stores records for others.',
    consistent:
      'This machine is behind a firewall or NAT that keeps the same public port for every destination: holepunching works with almost every peer.',
    random:
      'This machine is behind a NAT that picks a new public port for every destination: connections work with open and consistent peers, but two random NATs cannot holepunch each other (a relay is needed).',
    unknown: 'Not enough nodes answered to tell the NAT type yet; connections usually still work.'
  }[r.nat.type]
  out.push(nat)
  if (r.connect.ok)
    out.push(`A connection through the DHT worked (${r.connect.ms} ms to connect and echo).`)
  else
    out.push(
      `The connect test failed (${r.connect.error ?? 'unknown'}); servers on this machine may not be reachable.`
    )
  return out
}

function describe(r: DoctorReport): string {
  const mark = (ok: boolean): string => (ok ? 'ok  ' : 'FAIL')
  const lines = ['Bootstrap nodes']
  for (const b of r.bootstrap) {
    const at = b.address !== null && !b.node.startsWith(b.address) ? ` (${b.address})` : ''
    const how = b.reachable ? `answered in ${b.rttMs} ms` : `no answer: ${b.error ?? 'unknown'}`
    lines.push(`  ${mark(b.reachable)} ${b.node}${at}  ${how}`)
  }
  lines.push(
    '',
    'Network',
    `  ${mark(r.network.joined)} ${r.network.joined ? `joined: ${r.network.nodes} nodes in the routing table` : 'could not join: no node answered'}`,
    '',
    'NAT',
    `  public address:  ${r.nat.publicAddress ?? 'unknown'}`,
    `  local address:   ${r.nat.localAddress ?? 'unknown'}`,
    `  firewalled:      ${r.nat.firewalled ? 'yes (other nodes cannot reach it unasked)' : 'no (other nodes can reach it directly)'}`,
    `  NAT type:        ${r.nat.type}`,
    '',
    'Connect test',
    `  ${mark(r.connect.ok)} ${r.connect.ok ? `a server on one node was reached from another in ${r.connect.ms} ms; data echoed` : (r.connect.error ?? 'failed')}`,
    ...paths(r.connect),
    '',
    ...r.advice,
    '',
    r.ok ? 'All checks passed.' : 'Some checks failed.'
  )
  return lines.join('\n')
}

/** How a passed connect test got through, from the connecting node's punch counters. */
function paths(c: DoctorReport['connect']): string[] {
  if (!c.ok || c.punches === null) return []
  const { open, consistent, random } = c.punches
  if (consistent + random > 0) {
    return [`  path: holepunched (${consistent} consistent, ${random} random NAT punches)`]
  }
  if (open > 0) return ["  path: straight to the server's public address, no holepunch needed"]
  return ['  path: no holepunch needed (a direct or local path answered first)']
}
