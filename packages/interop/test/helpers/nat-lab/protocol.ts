// The NAT-lab driver protocol: argv options per role, and the JSON lines a driver prints
// (events, stdout) or reads (commands, stdin). Shared by driver.ts and its parents.

/** The implementation a driver runs: `@keymesh/hyperdht` or the npm `hyperdht` 6.33.0. */
export type Impl = 'keymesh' | 'hyperdht'
export const IMPLS: readonly Impl[] = ['keymesh', 'hyperdht']

/** What a lab site puts in front of its host (see scripts/nat-lab.sh). */
export type NatType = 'open' | 'consistent' | 'firewall' | 'random'
export const NAT_TYPES: readonly NatType[] = ['open', 'consistent', 'firewall', 'random']

export type Role = 'dht' | 'server' | 'client' | 'relay'

export interface HostPort {
  host: string
  port: number
}

/** The counters of `dht.stats` the lab reads. */
export interface PunchStats {
  consistent: number
  random: number
  open: number
}

export interface RelayingStats {
  attempts: number
  successes: number
  aborts: number
}

/** `dht`: a bootstrapper plus `nodes` persistent nodes on `host` (the inet bridge address). */
export interface DhtOptions {
  host: string
  nodes: number
  /** Bootstrapper port. @default 49737 */
  port?: number
}

/** Options every DHT-joining role takes. */
export interface NodeOptions {
  bootstrap: HostPort[]
  /**
   * The site the driver runs in. For `open` the driver reruns hyperdht's firewall check when the
   * bootstrap's quick check lost its race (see driver.ts), so the node settles as unfirewalled.
   */
  site?: NatType
  /** hyperdht's `randomPunchInterval` (0 means its 20 s default in both implementations). */
  randomPunchInterval?: number
}

/** `server`: listen with a fresh key pair and echo every byte. */
export interface ServerOptions extends NodeOptions {
  /** Hex key of a blind-relay server to pair every connection through. */
  relayThrough?: string
}

/** `client`: connect once to `publicKey`, write `bytes` and await their echo. */
export interface ClientOptions extends NodeOptions {
  publicKey: string
  bytes: number
  /** Give up after this long (event `error`, code `TIMEOUT`). */
  timeoutMs: number
  relayThrough?: string
}

/** `relay`: a blind-relay server (keymesh: `createRelayServer`; hyperdht: npm blind-relay). */
export type RelayOptions = NodeOptions

export interface RoleOptions {
  dht: DhtOptions
  server: ServerOptions
  client: ClientOptions
  relay: RelayOptions
}

/** How the node classified itself once bootstrapped. */
export interface NodeView {
  firewalled: boolean
  /** `firewalled` straight after bootstrap, before any settling. */
  firewalledAtBoot: boolean
  randomized: boolean
  remoteAddress: HostPort | null
  /** From the two flags: `open`, `random` or `consistent`. */
  natType: 'open' | 'consistent' | 'random'
  /** Nodes in the routing table. */
  tableSize: number
}

export interface ReadyEvent {
  event: 'ready'
  bootstrap: HostPort[]
  ports: number[]
}

export interface ListeningEvent extends NodeView {
  event: 'listening'
  publicKey: string
  /** ms from process start to listening (bootstrap included). */
  bootMs: number
}

export interface ConnectionEvent {
  event: 'connection'
  remote: HostPort | null
}

export interface ConnectedEvent extends NodeView {
  event: 'connected'
  /** connect() to the last echoed byte. */
  ms: number
  /** connect() to `open`. */
  openMs: number
  /** connect() to the first echoed byte. */
  firstByteMs: number
  /** The peer address of the UDX stream at open and when the echo completed. */
  remoteAtOpen: HostPort | null
  remote: HostPort | null
  punches: PunchStats
  relaying: RelayingStats
  /** ms from process start to the node being bootstrapped. */
  bootMs: number
}

export interface ErrorEvent extends Partial<NodeView> {
  event: 'error'
  code: string
  message: string
  /** connect() to the failure (client), or process start to the failure. */
  ms: number
  punches?: PunchStats
  relaying?: RelayingStats
  bootMs?: number
  /** The driver's stderr tail (holepunch trace), added by the parent. */
  trace?: string
}

export interface StatsEvent {
  event: 'stats'
  punches: PunchStats
  relaying: RelayingStats
  connections: number
}

export type DriverEvent =
  ReadyEvent | ListeningEvent | ConnectionEvent | ConnectedEvent | ErrorEvent | StatsEvent

export type EventName = DriverEvent['event']

/** stdin commands: `stats` asks for a StatsEvent; closing stdin (or SIGTERM) shuts down. */
export interface StatsCommand {
  cmd: 'stats'
}

export type DriverCommand = StatsCommand
