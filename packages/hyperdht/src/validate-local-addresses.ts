// validateLocalAddresses: keep the LAN addresses a datagram to ourselves actually arrives on.

import type { HostPort } from '@keymesh/dht-rpc'
import type UDX from 'udx-native'

const PROBE_TIMEOUT = 500

/**
 * Filters `addresses` to those a socket bound on that host receives its own datagram on within
 * 500 ms, as hyperdht does before offering LAN addresses. Results are cached per host in `cache`
 * (the node's), so each host is probed once.
 */
export async function validateLocalAddresses(
  udx: UDX,
  cache: Map<string, Promise<boolean>>,
  addresses: readonly HostPort[]
): Promise<HostPort[]> {
  for (const { host } of addresses) {
    if (!cache.has(host)) cache.set(host, probe(udx, host))
  }
  const ok = await Promise.all(addresses.map((a) => cache.get(a.host) as Promise<boolean>))
  return addresses.filter((_, i) => ok[i] === true)
}

async function probe(udx: UDX, host: string): Promise<boolean> {
  const socket = udx.createSocket()
  try {
    socket.bind(0, host)
  } catch {
    await socket.close().catch(() => {})
    return false
  }
  const address = socket.address()
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), PROBE_TIMEOUT)
    socket.on('message', () => {
      clearTimeout(timer)
      resolve(true)
    })
    try {
      socket.trySend(new Uint8Array(1), address === null ? 0 : address.port, host)
    } catch {
      clearTimeout(timer)
      resolve(false)
    }
  })
  await socket.close()
  return ok
}
