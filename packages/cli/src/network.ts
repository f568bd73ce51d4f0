// Joining the DHT for one command: the bootstrap list, a free local port, and the wait to join.

import { createSocket } from 'node:dgram'
import type HyperDHT from '@keymesh/hyperdht'
import type { HyperDHTOptions } from '@keymesh/hyperdht'
import { bootstrapArg } from './args.js'
import { loadHyperDHT } from './deps.js'
import { CliError } from './errors.js'
import type { Output } from './output.js'
import { abortable } from './signals.js'

/** Environment variable read when --bootstrap is not given. */
export const BOOTSTRAP_ENV = 'KEYMESH_BOOTSTRAP'

/** `--bootstrap`, else `$KEYMESH_BOOTSTRAP`, else the public HyperDHT bootstrap nodes. */
export async function resolveBootstrap(
  values: string[] | undefined,
  env: NodeJS.ProcessEnv
): Promise<string[]> {
  const given = bootstrapArg(values)
  if (given !== undefined) return given
  const fromEnv = env[BOOTSTRAP_ENV]
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return bootstrapArg([fromEnv]) as string[]
  }
  return [...(await loadHyperDHT()).BOOTSTRAP_NODES]
}

/** True when every bootstrap entry is on 127.0.0.0/8 (a local network). */
export function isLoopbackOnly(bootstrap: readonly string[]): boolean {
  return bootstrap.every((entry) => /^127\.\d+\.\d+\.\d+:\d+$/.test(entry))
}

/**
 * Bind a throwaway UDP socket on `host:0` and return the port the OS chose. A one-shot command
 * uses it so it does not squat hyperdht's default ports (49737-49741), where users run
 * bootstrappers; if another process takes it first, hyperdht falls back to a random port.
 */
export async function pickFreePort(host: string): Promise<number> {
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, host, () => resolve())
    })
    return socket.address().port
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()))
  }
}

/** Options of {@link joinNetwork}. */
export interface JoinOptions {
  bootstrap: string[]
  output: Output
  signal: AbortSignal
  /** Extra node options (port, host, storage, ...). */
  nodeOptions?: HyperDHTOptions
  /** Fail with `NO_NETWORK` when no bootstrap node answered. @default true */
  requireNetwork?: boolean
}

/**
 * Start a node on the network and wait until it has bootstrapped. Binds 127.0.0.1 when every
 * bootstrap node is local, and a free port unless `nodeOptions.port` is given. Rejects with
 * `NO_NETWORK` when no bootstrap node answered; the node is destroyed on any failure.
 */
export async function joinNetwork(opts: JoinOptions): Promise<HyperDHT> {
  const { bootstrap, output, signal } = opts
  const host = opts.nodeOptions?.host ?? (isLoopbackOnly(bootstrap) ? '127.0.0.1' : '0.0.0.0')
  const port = opts.nodeOptions?.port ?? (await pickFreePort(host))
  const { default: HyperDHTClass } = await loadHyperDHT()
  const node = new HyperDHTClass({ ...opts.nodeOptions, bootstrap, host, port })
  try {
    output.progress(`joining the network via ${bootstrap.join(', ')}`)
    await abortable(node.fullyBootstrapped(), signal)
    if (opts.requireNetwork !== false && node.toArray().length === 0) {
      throw new CliError(
        'NO_NETWORK',
        `none of the bootstrap nodes answered (${bootstrap.join(', ')})`
      )
    }
    return node
  } catch (err) {
    await node.destroy()
    throw err
  }
}

/**
 * Join the network from the global options, run `fn` with the node, and destroy the node
 * afterwards, whatever happens.
 */
export async function withNode<T>(
  ctx: { env: NodeJS.ProcessEnv; signal: AbortSignal; output: Output },
  bootstrapValues: string[] | undefined,
  fn: (node: HyperDHT) => Promise<T>
): Promise<T> {
  const bootstrap = await resolveBootstrap(bootstrapValues, ctx.env)
  const node = await joinNetwork({ bootstrap, output: ctx.output, signal: ctx.signal })
  try {
    return await fn(node)
  } finally {
    ctx.output.clearProgress()
    await node.destroy()
  }
}
