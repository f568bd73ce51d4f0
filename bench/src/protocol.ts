// The messages between the parent (run.ts) and an implementation's child process (worker.ts).

import type { BatchTiming } from './batch.js'
import type { ConnectPass, WindowCount } from './connect-worker.js'
import type { DatagramCount } from './datagram-counter.js'
import type { MemorySample } from './memory.js'
import type { TransferResult } from './transfer.js'
import type { OpName } from './workload.js'

/** Arguments of each command, by name. */
export interface Commands {
  /** Build the ops testnet (`nodes` persistent nodes) and its two ephemeral clients. */
  setup: { nodes: number }
  /** Run `count` ops of kind `op` with `concurrency` in flight. */
  batch: { op: OpName; count: number; concurrency: number }
  /** Count the testnet's background datagrams over `ms` without any op running. */
  idle: { ms: number }
  /** Destroy `fraction` of the testnet's persistent nodes (never the bootstrap or the clients). */
  churn: { fraction: number }
  /** In a fresh child: time building a `size`-node testnet and measure its settled memory. */
  build: { size: number; settleMs: number }
  /** Build the connect testnet (`nodes` persistent nodes) with its echo and sink servers. */
  connect_setup: { nodes: number }
  /**
   * `connects` fresh clients connect to the echo server, `concurrency` at a time, after an idle
   * window of `idleMs`; with `warm`, each then connects a second time.
   */
  connect_batch: { connects: number; concurrency: number; warm: boolean; idleMs: number }
  /** Move `bytes` over one fresh connection, or over raw UDX streams (`udx_*`). */
  transfer: { kind: TransferKind; bytes: number }
  /** Destroy everything; the child exits once the reply is sent. */
  close: Record<string, never>
}

/** One-way to the sink server, or echoed by the echo server; `udx_*`: the same without keymesh. */
export type TransferKind = 'one_way' | 'echo' | 'udx_one_way' | 'udx_echo'

/** Result of each command, by name. */
export interface Results {
  setup: { buildMs: number }
  batch: BatchTiming & { sent: DatagramCount }
  idle: DatagramCount & { ms: number }
  churn: { destroyed: number; remaining: number }
  build: { buildMs: number; nodes: number; before: MemorySample; after: MemorySample }
  connect_setup: { buildMs: number }
  connect_batch: { idle: WindowCount; cold: ConnectPass; warm: ConnectPass | null }
  transfer: TransferResult
  close: { destroyMs: number }
}

/** A command name. */
export type CommandName = keyof Commands

/** Parent → child. */
export type Request = {
  [K in CommandName]: { id: number; cmd: K; args: Commands[K] }
}[CommandName]

/** Child → parent. */
export type Response =
  { id: number; ok: true; result: Results[CommandName] } | { id: number; ok: false; error: string }
