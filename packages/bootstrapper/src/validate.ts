// Argument checks shared by the API and the bins; each throws a typed BootstrapperError.

import { isIPv4 } from 'node:net'
import { BootstrapperError } from './errors.js'

/** Returns `port` if it is an integer in 0..65535, else throws `INVALID_PORT`. */
export function validatePort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw BootstrapperError.INVALID_PORT(port)
  }
  return port
}

/**
 * Returns `host` if it is a literal IPv4 address, else throws `INVALID_HOST`. A bootstrapper's
 * id is `H(host:port)` and other nodes reach it there, so a hostname or wildcard cannot work;
 * `wildcard: true` allows `0.0.0.0`, which is fine for a bind address.
 */
export function validateHost(host: unknown, { wildcard = false } = {}): string {
  if (typeof host !== 'string' || !isIPv4(host)) throw BootstrapperError.INVALID_HOST(host)
  if (host === '0.0.0.0' && !wildcard) {
    throw BootstrapperError.INVALID_HOST(
      host,
      'Host must be the address other nodes reach this node at, not a wildcard'
    )
  }
  return host
}

/** Returns `nodes` if it is an integer in 0..max, else throws `INVALID_NODES`. */
export function validateNodes(nodes: unknown, max: number): number {
  if (typeof nodes !== 'number' || !Number.isInteger(nodes) || nodes < 0 || nodes > max) {
    throw BootstrapperError.INVALID_NODES(nodes, max)
  }
  return nodes
}
