// A NAT-lab node program, run inside a lab namespace:
//   ip netns exec <ns> node dist/test/helpers/nat-lab/driver.js <role> <impl> '<json opts>'
// Roles: dht (bootstrapper + persistent nodes), server (echo), client (one connect + echo),
// relay (blind-relay server). It prints JSON events, one per line, on stdout (protocol.ts) and
// reads JSON commands on stdin; closing stdin or SIGTERM shuts it down cleanly.

import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { SecurePayload as KeymeshSecurePayload } from '@keymesh/holepunch'
import KeymeshHyperDHT from '@keymesh/hyperdht'
import type * as BlindRelay from 'blind-relay'
import type RealHyperDHTType from 'hyperdht'
import type {
  ClientOptions,
  DhtOptions,
  DriverCommand,
  DriverEvent,
  HostPort,
  Impl,
  NodeOptions,
  NodeView,
  RelayOptions,
  Role,
  ServerOptions,
  StatsEvent
} from './protocol.js'

type HyperDHTClass = typeof RealHyperDHTType
type Node = RealHyperDHTType
type Connection = RealHyperDHTType.Connection

const requireHere = createRequire(import.meta.url)
const started = performance.now()
const SHUTDOWN_MS = 3000

class DriverError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

function emit(ev: DriverEvent): void {
  process.stdout.write(JSON.stringify(ev) + '\n')
}

function log(msg: string): void {
  process.stderr.write(`${sinceStart()} ms ${msg}\n`)
}

function sinceStart(): number {
  return Math.round(performance.now() - started)
}

/** The PEER_HOLEPUNCH payload fields worth a trace line. */
interface TracedPayload {
  error: number
  firewall: number
  round: number
  punching: boolean
  connected: boolean
  addresses: HostPort[] | null
  remoteAddress: HostPort | null
  token: Uint8Array | null
  remoteToken: Uint8Array | null
}

interface PayloadCodec {
  prototype: {
    encrypt(payload: TracedPayload): Buffer
    decrypt(buf: Uint8Array): TracedPayload | null
  }
}

/**
 * Log every holepunch payload this process seals or opens, to stderr: the parent keeps the tail
 * and shows it when a connection fails, so a failing punch says which side gave up and why.
 */
function traceHolepunch(impl: Impl): void {
  const codec = (
    impl === 'keymesh'
      ? KeymeshSecurePayload
      : createRequire(requireHere.resolve('hyperdht'))('./lib/secure-payload.js')
  ) as PayloadCodec
  const { encrypt, decrypt } = codec.prototype
  const show = (p: TracedPayload | null): string => {
    if (p === null) return 'undecryptable'
    const addrs = p.addresses?.map((a) => `${a.host}:${a.port}`).join(',') ?? '-'
    const remote = p.remoteAddress ? `${p.remoteAddress.host}:${p.remoteAddress.port}` : '-'
    return (
      `round ${p.round} error ${p.error} firewall ${p.firewall} punching ${p.punching}` +
      ` connected ${p.connected} addresses ${addrs} remoteAddress ${remote}` +
      ` token ${p.token ? 'y' : 'n'} remoteToken ${p.remoteToken ? 'y' : 'n'}`
    )
  }
  codec.prototype.encrypt = function (payload) {
    log(`holepunch send: ${show(payload)}`)
    return encrypt.call(this, payload)
  }
  codec.prototype.decrypt = function (buf) {
    const payload = decrypt.call(this, buf)
    log(`holepunch recv: ${show(payload)}`)
    return payload
  }
}

function load(impl: Impl): HyperDHTClass {
  return impl === 'keymesh'
    ? (KeymeshHyperDHT as unknown as HyperDHTClass)
    : (requireHere('hyperdht') as HyperDHTClass)
}

// ---------------------------------------------------------------------------------------------
// Shutdown: everything a role opens registers its cleanup here; stdin end or a signal runs them.

const cleanups: (() => Promise<unknown> | unknown)[] = []
let shuttingDown = false

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true
    // a stuck destroy must not keep the process (and its namespace) alive
    setTimeout(() => process.exit(code), SHUTDOWN_MS).unref()
    for (const fn of cleanups.reverse()) {
      try {
        await fn()
      } catch (err) {
        log(`cleanup failed: ${String(err)}`)
      }
    }
  }
  process.exit(code)
}

function onCommand(handler: (cmd: DriverCommand) => void): void {
  const rl = createInterface({ input: process.stdin })
  rl.on('line', (line) => {
    if (line.trim() === '') return
    try {
      handler(JSON.parse(line) as DriverCommand)
    } catch (err) {
      log(`bad command ${line}: ${String(err)}`)
    }
  })
  rl.on('close', () => void shutdown(0))
}

// ---------------------------------------------------------------------------------------------

const firewalledAtBoot = new WeakMap<Node, boolean>()

function view(node: Node): NodeView {
  const remote = node.remoteAddress()
  return {
    firewalled: node.firewalled,
    firewalledAtBoot: firewalledAtBoot.get(node) ?? node.firewalled,
    randomized: node.randomized,
    remoteAddress: remote === null ? null : { host: remote.host, port: remote.port },
    natType: !node.firewalled ? 'open' : node.randomized ? 'random' : 'consistent',
    tableSize: node.toArray().length
  }
}

function stats(node: Node): Pick<StatsEvent, 'punches' | 'relaying'> {
  const { punches, relaying } = node.stats
  return { punches: { ...punches }, relaying: { ...relaying } }
}

function nodeOptions(opts: NodeOptions): RealHyperDHTType.Options {
  return {
    bootstrap: opts.bootstrap,
    ...(opts.randomPunchInterval !== undefined
      ? { randomPunchInterval: opts.randomPunchInterval }
      : {})
  }
}

/** dht-rpc's firewall re-check (the same internal in both implementations). */
interface NetworkStateCheck {
  _updateNetworkState(onlyFirewall: boolean): Promise<boolean>
}

const SETTLE_TRIES = 3

async function joinedNode(Cls: HyperDHTClass, opts: NodeOptions): Promise<Node> {
  const node = new Cls(nodeOptions(opts))
  cleanups.push(() => node.destroy({ force: true }))
  await node.fullyBootstrapped()
  firewalledAtBoot.set(node, node.firewalled)
  // The bootstrap's quick firewall check only runs if its PING_NAT reply beats the end of the
  // bootstrap query; at the lab's sub-millisecond latency that is a coin toss (in hyperdht as in
  // keymesh). An open host would then stay "firewalled" until the adaptive check minutes later,
  // so run that check now, as the maintenance would.
  for (let i = 0; opts.site === 'open' && node.firewalled && i < SETTLE_TRIES; i++) {
    await (node as unknown as NetworkStateCheck)._updateNetworkState(true)
  }
  return node
}

function remoteOf(stream: Connection): HostPort | null {
  const raw = stream.rawStream
  if (raw === null || raw.remoteHost === null) return null
  return { host: raw.remoteHost, port: raw.remotePort }
}

function relayKey(hex: string | undefined): { relayThrough?: Buffer } {
  return hex === undefined ? {} : { relayThrough: Buffer.from(hex, 'hex') }
}

// ---------------------------------------------------------------------------------------------
// Roles

async function runDht(Cls: HyperDHTClass, opts: DhtOptions): Promise<void> {
  onCommand(() => {})
  const boot = Cls.bootstrapper(opts.port ?? 49737, opts.host, { host: opts.host })
  cleanups.push(() => boot.destroy())
  await boot.fullyBootstrapped()
  const bootstrap = [{ host: opts.host, port: boot.address()?.port ?? 0 }]
  const ports: number[] = []
  for (let i = 0; i < opts.nodes; i++) {
    const node = new Cls({ bootstrap, host: opts.host, ephemeral: false, firewalled: false })
    cleanups.push(() => node.destroy())
    await node.fullyBootstrapped()
    ports.push(node.address()?.port ?? 0)
  }
  emit({ event: 'ready', bootstrap, ports })
}

async function runServer(Cls: HyperDHTClass, opts: ServerOptions): Promise<void> {
  const node = await joinedNode(Cls, opts)
  let connections = 0
  onCommand((cmd) => {
    if (cmd.cmd === 'stats') emit({ event: 'stats', ...stats(node), connections })
  })
  const server = node.createServer({ ...relayKey(opts.relayThrough) }, (socket) => {
    connections++
    socket.on('error', () => {})
    socket.on('open', () => {
      log(`server connection open via ${JSON.stringify(remoteOf(socket))}`)
      emit({ event: 'connection', remote: remoteOf(socket) })
    })
    socket.pipe(socket)
  })
  cleanups.push(() => server.close())
  const keyPair = Cls.keyPair()
  await server.listen(keyPair)
  log(`server listening: ${JSON.stringify(view(node))}`)
  emit({
    event: 'listening',
    publicKey: keyPair.publicKey.toString('hex'),
    bootMs: sinceStart(),
    ...view(node)
  })
}

async function runClient(Cls: HyperDHTClass, opts: ClientOptions): Promise<void> {
  onCommand(() => {})
  const node = await joinedNode(Cls, opts)
  const bootMs = sinceStart()
  log(`client booted: ${JSON.stringify(view(node))}`)
  const data = Buffer.alloc(opts.bytes, 0x6b)
  const t0 = performance.now()
  const ms = (): number => Math.round(performance.now() - t0)
  const stream = node.connect(Buffer.from(opts.publicKey, 'hex'), {
    ...relayKey(opts.relayThrough)
  })

  const result = await new Promise<DriverEvent>((resolve) => {
    let openMs = -1
    let firstByteMs = -1
    let received = 0
    let remoteAtOpen: HostPort | null = null
    let error: (Error & { code?: unknown }) | null = null
    const timer = setTimeout(
      () => fail(new DriverError('TIMEOUT', `no echo within ${opts.timeoutMs} ms`)),
      opts.timeoutMs
    )
    function fail(err: Error & { code?: unknown }): void {
      clearTimeout(timer)
      resolve({
        event: 'error',
        code: typeof err.code === 'string' ? err.code : 'UNKNOWN',
        message: err.message,
        ms: ms(),
        bootMs,
        ...stats(node),
        ...view(node)
      })
    }
    stream.on('open', () => {
      openMs = ms()
      remoteAtOpen = remoteOf(stream)
      log(`client open via ${JSON.stringify(remoteAtOpen)}`)
      stream.write(data)
    })
    stream.on('data', (chunk: Buffer) => {
      if (firstByteMs < 0) firstByteMs = ms()
      received += chunk.byteLength
      if (received < data.byteLength) return
      clearTimeout(timer)
      resolve({
        event: 'connected',
        ms: ms(),
        openMs,
        firstByteMs,
        remoteAtOpen,
        remote: remoteOf(stream),
        bootMs,
        ...stats(node),
        ...view(node)
      })
    })
    stream.on('error', (err: Error) => {
      log(`client stream error: ${err.message}`)
      error = err
    })
    stream.on('close', () => {
      fail(error ?? new DriverError('CLOSED', 'closed before the echo completed'))
    })
  })
  emit(result)
  stream.destroy()
  await shutdown(0)
}

async function runRelay(Cls: HyperDHTClass, impl: Impl, opts: RelayOptions): Promise<void> {
  onCommand(() => {})
  const node = await joinedNode(Cls, opts)
  const keyPair = Cls.keyPair()
  if (impl === 'keymesh') {
    const keymesh = node as unknown
    if (!(keymesh instanceof KeymeshHyperDHT)) throw new DriverError('NOT_KEYMESH', 'not keymesh')
    const relay = keymesh.createRelayServer()
    cleanups.push(() => relay.close())
    await relay.listen(keyPair)
  } else {
    const { Server } = requireHere('blind-relay') as typeof BlindRelay
    const relay = new Server({ createStream: (o) => node.createRawStream(o) })
    cleanups.push(() => relay.close())
    const server = node.createServer({}, (socket) => {
      socket.on('error', () => {})
      const id = socket.remotePublicKey
      relay.accept(socket, id === null ? {} : { id }).on('error', () => {})
    })
    cleanups.push(() => server.close())
    await server.listen(keyPair)
  }
  emit({
    event: 'listening',
    publicKey: keyPair.publicKey.toString('hex'),
    bootMs: sinceStart(),
    ...view(node)
  })
}

async function main(): Promise<void> {
  const [role, impl, json] = process.argv.slice(2) as [Role, Impl, string | undefined]
  if (impl !== 'keymesh' && impl !== 'hyperdht') throw new DriverError('USAGE', `bad impl ${impl}`)
  const opts = JSON.parse(json ?? '{}') as unknown
  const Cls = load(impl)
  if (role === 'server' || role === 'client') traceHolepunch(impl)
  switch (role) {
    case 'dht':
      return runDht(Cls, opts as DhtOptions)
    case 'server':
      return runServer(Cls, opts as ServerOptions)
    case 'client':
      return runClient(Cls, opts as ClientOptions)
    case 'relay':
      return runRelay(Cls, impl, opts as RelayOptions)
    default:
      throw new DriverError('USAGE', `bad role ${String(role)}`)
  }
}

function fatal(err: unknown): void {
  const e = err as Error & { code?: unknown }
  emit({
    event: 'error',
    code: typeof e?.code === 'string' ? e.code : 'FATAL',
    message: String(e?.stack ?? e),
    ms: sinceStart()
  })
  void shutdown(1)
}

process.on('SIGTERM', () => void shutdown(0))
process.on('SIGINT', () => void shutdown(0))
process.on('uncaughtException', fatal)
process.on('unhandledRejection', fatal)
main().catch(fatal)
