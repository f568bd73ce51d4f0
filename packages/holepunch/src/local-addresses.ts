// localAddresses: the LAN addresses a socket can be reached on, for same-network shortcuts.

import type UDX from 'udx-native'
import { HolepunchError } from './errors.js'
import type { HostPort } from './host-port.js'

const LOOPBACK = '127.0.0.1'

/**
 * The addresses `socket` is reachable on inside its own networks: just its address when bound to
 * 127.0.0.1, else every non-internal IPv4 interface with the socket's port, else 127.0.0.1.
 *
 * @throws HolepunchError `SOCKET_NOT_BOUND` when the socket has no address
 */
export function localAddresses(
  socket: Pick<UDX.Socket, 'address'>,
  udx: Pick<UDX, 'networkInterfaces'>
): HostPort[] {
  const local = socket.address()
  if (local === null) throw HolepunchError.SOCKET_NOT_BOUND()
  const { host, port } = local

  if (host === LOOPBACK) return [{ host, port }]

  const addrs: HostPort[] = []
  for (const n of udx.networkInterfaces()) {
    if (n.family !== 4 || n.internal) continue
    addrs.push({ host: n.host, port })
  }
  if (addrs.length === 0) addrs.push({ host: LOOPBACK, port })
  return addrs
}
