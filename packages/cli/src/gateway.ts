// Starting the HTTP gateway next to a node, with a clear error (or a free port) when it cannot.

import type { Gateway } from '@keymesh/gateway'
import type HyperDHT from '@keymesh/hyperdht'
import { loadGateway } from './deps.js'
import { CliError } from './errors.js'

/** The gateway port `keymesh testnet` uses unless told otherwise. */
export const DEFAULT_GATEWAY_PORT = 8080

/** A listening gateway and how to reach it. */
export interface RunningGateway {
  gateway: Gateway
  /** `http://host:port`. */
  url: string
  /** True when the port asked for was taken and a free one is used. */
  fellBack: boolean
}

/**
 * Serve `node` over HTTP on `host:port`. With `fallback`, a taken port is replaced by a free
 * one; otherwise it fails with `GATEWAY_LISTEN_FAILED`. The caller keeps owning the node.
 */
export async function startGateway(
  node: HyperDHT,
  port: number,
  host: string,
  fallback = false
): Promise<RunningGateway> {
  const { createGateway } = await loadGateway()
  const gateway = createGateway({ node, port, host })
  let fellBack = false
  try {
    try {
      await gateway.listen(port, host)
    } catch (err) {
      if (!fallback || port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
      fellBack = true
      await gateway.listen(0, host)
    }
  } catch (err) {
    await gateway.close()
    throw new CliError(
      'GATEWAY_LISTEN_FAILED',
      `could not listen on ${host}:${port}: ${(err as Error).message}`,
      { cause: err }
    )
  }
  const address = gateway.address()
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host
  const url = `http://${shown}:${address?.port ?? port}`
  return { gateway, url, fellBack }
}
